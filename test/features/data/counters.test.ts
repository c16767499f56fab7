/**
 * mesh.counters over the pure core: the PN-counter in gossip mode (no increment lost or counted
 * twice whatever the delivery, own keys expiring while others still carry their totals, a TTL
 * refreshed by every update anywhere, convergence under drops and partitions), and quorum mode
 * over a linearizable fake of the quorum engine (exact values, bounded decrements).
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { CounterBoundError, InvalidOptionError, QuorumNotConfiguredError } from '../../../src/core/errors.js'
import { Store } from '../../../src/core/store.js'
import { Counters } from '../../../src/features/counters/counters.js'
import { counterKey } from '../../../src/core/pn-counter.js'
import { Prng } from '../../../sim/prng.js'
import { Cluster, FakeQuorum } from './harness.js'

describe('gossip counters', () => {
  it('counts every increment and decrement once, on every node, after delivery', async () => {
    const c = new Cluster(3)
    const [a, b, d] = c.replicas
    expect(await a.counters.inc('hits')).toBe(1)
    expect(await b.counters.inc('hits', { by: 5 })).toBe(5) // b has not seen a's yet: its local view
    expect(await d.counters.dec('hits', { by: 2 })).toBe(-2)
    c.deliver()
    for (const r of c.replicas) expect(await r.counters.get('hits')).toBe(4)
    expect(await a.counters.inc('hits')).toBe(5)
    c.deliver()
    c.deliver() // duplicates change nothing
    for (const r of c.replicas) expect(await r.counters.get('hits')).toBe(5)
    expect(await a.counters.get('other')).toBe(0)
  })

  it('a node whose own key expired starts a new slot, so the total others still carry is neither lost nor double-counted', async () => {
    const c = new Cluster(3)
    const [a, b, d] = c.replicas
    await a.counters.inc('k', { by: 7, ttl: 1_000 })
    c.deliver()
    await b.counters.inc('k', { ttl: 10_000 }) // carries a's 7
    c.deliver()
    c.advance(2_000) // a's own key expired; b's carries a's slot
    expect(await a.counters.get('k')).toBe(8)
    expect(await a.counters.inc('k', { ttl: 10_000 })).toBe(9)
    c.deliver()
    for (const r of [a, b, d]) expect(await r.counters.get('k')).toBe(9)
  })

  it('a stale copy of a node\'s old slot cannot swallow its new increments', async () => {
    const c = new Cluster(3)
    const [a, b, d] = c.replicas
    await a.counters.inc('k', { by: 3, ttl: 1_000 })
    c.deliver()
    await b.counters.inc('k', { ttl: 10_000 }) // b carries a:3
    c.deliver()
    await a.counters.inc('k', { by: 2, ttl: 1_000 }) // a's slot now 5: only d hears it
    c.deliver(f => f.to === 2)
    await d.counters.inc('k', { ttl: 10_000 }) // d carries a:5
    c.deliver(f => f.to !== 0) // a misses d's update
    c.advance(1_500) // a's own key expired at a; b (a:3) and d (a:5) live
    expect(await a.counters.get('k')).toBe(4) // a's view: b's only
    await a.counters.inc('k', { ttl: 10_000 }) // a new slot: neither a:3 nor a:5 is raised by a stale base
    c.heal()
    for (const r of c.replicas) expect(await r.counters.get('k')).toBe(3 + 1 + 2 + 1 + 1)
  })

  it('a restarted node never raises a slot from an older incarnation\'s copy of its key (one with a later clock arriving after the restart)', async () => {
    let time = 1_700_000_000_000
    const make = (skew: number): { store: Store, counters: Counters } => {
      const store = new Store('node-a', { clock: () => time + skew, maxDriftMs: 60_000 })
      return { store, counters: new Counters({ store, publish: () => {}, durable: async () => {}, quorum: new FakeQuorum(() => time), assertOpen: () => {} }) }
    }
    const before = make(10_000) // its clock ran 10 s ahead, then it restarted in memory with the same identity
    await before.counters.inc('k', { by: 5 })
    const old = before.store.version(counterKey('k', 'node-a'))!
    const after = make(0)
    expect(await after.counters.inc('k')).toBe(1)
    after.store.merge([old]) // a peer hands back the old incarnation's key: its later clock wins the key
    expect(await after.counters.get('k')).toBe(5) // its new slot is hidden until its next write
    expect(await after.counters.inc('k')).toBe(7) // 5 + 1 + 1: the new slot carried on, the old one kept
    time += 1_000
    expect(await after.counters.inc('k')).toBe(8)
  })

  it('the whole counter lives until ttl after its last update anywhere', async () => {
    const c = new Cluster(2)
    const [a, b] = c.replicas
    await a.counters.inc('window', { ttl: 1_000 })
    c.deliver()
    c.advance(800)
    await b.counters.inc('window', { ttl: 1_000 })
    c.deliver()
    c.advance(500) // a's write is 1,300 ms old, b's 500 ms
    for (const r of c.replicas) expect(await r.counters.get('window')).toBe(2)
    c.advance(600)
    for (const r of c.replicas) expect(await r.counters.get('window')).toBe(0)
    expect(await a.counters.inc('window', { ttl: 1_000 })).toBe(1) // a fresh window
  })

  it('converges to the exact total after random drops, duplicates and partitions (seeded)', async () => {
    for (let seed = 1; seed <= 60; seed++) {
      const rng = new Prng(seed)
      const n = rng.range(2, 6)
      const c = new Cluster(n, { skews: Array.from({ length: n }, () => rng.range(-300, 300)) })
      const keys = ['a', 'b', 'c/d']
      const totals = new Map<string, number>()
      const dropRate = [0, 0.3, 0.9][rng.int(3)]
      let partition = -1
      for (let op = 0; op < rng.range(10, 120); op++) {
        c.advance(rng.range(0, 50))
        if (rng.chance(0.05)) partition = partition < 0 ? rng.int(n) : -1 // one node cut off, or healed
        const i = rng.int(n)
        const key = keys[rng.int(keys.length)]
        const by = rng.range(-5, 20)
        await c.replicas[i].counters.inc(key, { by, ttl: Infinity })
        totals.set(key, (totals.get(key) ?? 0) + by)
        c.deliver(f => !rng.chance(dropRate) && (partition < 0 || (f.to !== partition && f.entry.origin !== `node-${partition}`)))
        if (rng.chance(0.1)) c.flights.push(...c.flights.slice(0, 3)) // duplicates
      }
      c.heal()
      for (const key of keys) {
        for (const r of c.replicas) expect(await r.counters.get(key), `seed ${seed} key ${key}`).toBe(totals.get(key) ?? 0)
      }
    }
  })

  it('property: replicas agree under any delivery order and TTL expiry (fast-check)', async () => {
    const op = fc.record({ node: fc.nat(3), by: fc.integer({ min: -3, max: 9 }), ttl: fc.constantFrom(300, 2_000, Infinity), wait: fc.nat(400), drop: fc.boolean() })
    await fc.assert(fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 40 }), fc.nat(2_000), async (ops, after) => {
      const c = new Cluster(4)
      let total = 0
      for (const o of ops) {
        c.advance(o.wait)
        await c.replicas[o.node].counters.inc('k', { by: o.by, ttl: o.ttl })
        total += o.by
        if (!o.drop) c.deliver()
        c.flights.reverse()
      }
      c.heal()
      c.advance(after)
      const seen = await Promise.all(c.replicas.map(async r => r.counters.get('k')))
      expect(new Set(seen).size).toBe(1)
      // with no TTL in play nothing may be lost or double-counted
      if (ops.every(o => o.ttl === Infinity)) expect(seen[0]).toBe(total)
    }), { numRuns: 150 })
  })

  it('refuses min in gossip mode, a by that is no safe integer, and a counter past the safe integers', async () => {
    const c = new Cluster(1)
    const r = c.replicas[0]
    await expect(r.counters.dec('k', { min: 0 })).rejects.toBeInstanceOf(InvalidOptionError)
    await expect(r.counters.inc('k', { by: 1.5 })).rejects.toBeInstanceOf(InvalidOptionError)
    await r.counters.inc('k', { by: Number.MAX_SAFE_INTEGER })
    await expect(r.counters.inc('k')).rejects.toBeInstanceOf(InvalidOptionError)
    expect(await r.counters.get('k')).toBe(Number.MAX_SAFE_INTEGER)
  })
})

describe('quorum counters', () => {
  it('returns exact post-increment values: unique ids across nodes', async () => {
    const c = new Cluster(3)
    const values = await Promise.all(Array.from({ length: 30 }, async (_, i) => c.replicas[i % 3].counters.inc('ids', { mode: 'quorum' })))
    expect(new Set(values).size).toBe(30)
    expect(Math.max(...values)).toBe(30)
    expect(await c.replicas[1].counters.get('ids', { mode: 'quorum' })).toBe(30)
    expect(await c.replicas[1].counters.get('ids')).toBe(0) // gossip mode: a separate counter
  })

  it('dec with min refuses to go below it (CounterBoundError), leaving the counter unchanged', async () => {
    const c = new Cluster(2)
    const [a, b] = c.replicas
    await a.counters.inc('slots', { by: 2, mode: 'quorum' })
    expect(await a.counters.dec('slots', { min: 0, mode: 'quorum' })).toBe(1)
    expect(await b.counters.dec('slots', { min: 0, mode: 'quorum' })).toBe(0)
    const err = await b.counters.dec('slots', { min: 0, mode: 'quorum' }).catch(e => e)
    expect(err).toBeInstanceOf(CounterBoundError)
    expect(err).toMatchObject({ name: 'CounterBoundError', value: 0, min: 0 })
    expect(await a.counters.get('slots', { mode: 'quorum' })).toBe(0)
  })

  it('expires ttl after the last update', async () => {
    const c = new Cluster(1)
    const r = c.replicas[0]
    await r.counters.inc('w', { mode: 'quorum', ttl: 1_000 })
    c.advance(600)
    expect(await r.counters.inc('w', { mode: 'quorum', ttl: 1_000 })).toBe(2)
    c.advance(900)
    expect(await r.counters.get('w', { mode: 'quorum' })).toBe(2)
    c.advance(200)
    expect(await r.counters.get('w', { mode: 'quorum' })).toBe(0)
  })

  it('refuses quorum mode on a mesh without quorum members, and an unknown mode', async () => {
    const store = new Store('solo')
    const counters = new Counters({ store, publish: () => {}, durable: async () => {}, quorum: new FakeQuorum(() => Date.now(), false), assertOpen: () => {} })
    await expect(counters.inc('k', { mode: 'quorum' })).rejects.toBeInstanceOf(QuorumNotConfiguredError)
    await expect(counters.inc('k', { mode: 'strong' as 'quorum' })).rejects.toBeInstanceOf(InvalidOptionError)
  })
})
