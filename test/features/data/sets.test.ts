/**
 * mesh.sets over the pure core: the add-wins OR-set with a TTL per member in gossip mode
 * (concurrent add and remove, per-member expiry, convergence under drops and partitions, a
 * sequential history behaves as a plain set) and quorum mode over the fake quorum engine.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { InvalidKeyError, InvalidOptionError } from '../../../src/core/errors.js'
import { Prng } from '../../../sim/prng.js'
import { Cluster } from './harness.js'

describe('gossip sets', () => {
  it('add reports what was new in the local view; remove what was there; reads see members', async () => {
    const c = new Cluster(2)
    const [a, b] = c.replicas
    expect(await a.sets.add('s', ['x', 'y', 'x'])).toBe(2)
    expect(await a.sets.add('s', 'x')).toBe(0)
    expect(await b.sets.add('s', 'x')).toBe(1) // b has not heard of a's yet
    c.deliver()
    for (const r of c.replicas) expect(await r.sets.members('s')).toEqual(['x', 'y'])
    expect(await b.sets.has('s', 'y')).toBe(true)
    expect(await b.sets.size('s')).toBe(2)
    expect(await b.sets.remove('s', ['x', 'zz'])).toBe(1)
    c.deliver()
    for (const r of c.replicas) {
      expect(await r.sets.members('s')).toEqual(['y'])
      expect(await r.sets.has('s', 'x')).toBe(false)
    }
    expect(await a.sets.add('s', 'x')).toBe(1) // re-added after a remove
  })

  it('add wins over a concurrent remove; a remove covers what it observed', async () => {
    const c = new Cluster(3)
    const [a, b, d] = c.replicas
    await a.sets.add('s', 'm')
    c.deliver()
    await b.sets.remove('s', 'm') // observed a's add
    await d.sets.add('s', 'm') // concurrent: not observed by b
    c.deliver()
    for (const r of c.replicas) expect(await r.sets.has('s', 'm')).toBe(true)
    await a.sets.remove('s', 'm') // observed both adds
    c.deliver()
    for (const r of c.replicas) expect(await r.sets.has('s', 'm')).toBe(false)
  })

  it('each member has its own TTL, refreshed by adding it again, and a removed add does not come back when records expire', async () => {
    const c = new Cluster(2)
    const [a, b] = c.replicas
    await a.sets.add('s', 'short', { ttl: 1_000 })
    await a.sets.add('s', 'long', { ttl: 10_000 })
    c.deliver()
    c.advance(800)
    await b.sets.add('s', 'short', { ttl: 1_000 }) // refreshed (by another node)
    c.deliver()
    c.advance(500)
    for (const r of c.replicas) expect(await r.sets.members('s')).toEqual(['long', 'short'])
    c.advance(600)
    for (const r of c.replicas) expect(await r.sets.members('s')).toEqual(['long'])
    // a removes 'long' (added with 10 s), then re-adds it with a short TTL: the old add stays covered
    await b.sets.remove('s', 'long')
    c.deliver()
    await b.sets.add('s', 'long', { ttl: 500 })
    c.deliver()
    c.advance(1_000)
    for (const r of c.replicas) expect(await r.sets.has('s', 'long')).toBe(false)
  })

  it('keys and members with slashes and odd characters stay apart', async () => {
    const c = new Cluster(1)
    const r = c.replicas[0]
    await r.sets.add('a/b', ['c/d', '%2F', ' '])
    await r.sets.add('a', 'b/c/d')
    expect(await r.sets.members('a/b')).toEqual([' ', '%2F', 'c/d'])
    expect(await r.sets.members('a')).toEqual(['b/c/d'])
    await expect(r.sets.add('s', [])).rejects.toBeInstanceOf(InvalidOptionError)
    await expect(r.sets.add('s', 'a\0b')).rejects.toBeInstanceOf(InvalidKeyError)
    await expect(r.sets.add('s', 'x'.repeat(1_020))).rejects.toBeInstanceOf(InvalidKeyError)
  })

  it('converges under random drops, duplicates and partitions (seeded)', async () => {
    for (let seed = 1; seed <= 60; seed++) {
      const rng = new Prng(seed)
      const n = rng.range(2, 6)
      const c = new Cluster(n, { skews: Array.from({ length: n }, () => rng.range(-300, 300)) })
      const members = ['a', 'b', 'c', 'd']
      const dropRate = [0, 0.3, 0.9][rng.int(3)]
      let partition = -1
      for (let op = 0; op < rng.range(10, 120); op++) {
        c.advance(rng.range(0, 300))
        if (rng.chance(0.05)) partition = partition < 0 ? rng.int(n) : -1
        const r = c.replicas[rng.int(n)]
        const m = rng.pick(members)
        if (rng.chance(0.35)) await r.sets.remove('s', m)
        else await r.sets.add('s', m, { ttl: rng.pick([500, 3_000, Infinity]) })
        c.deliver(f => !rng.chance(dropRate) && (partition < 0 || (f.to !== partition && f.entry.origin !== `node-${partition}`)))
      }
      c.heal()
      c.advance(rng.range(0, 2_000))
      // read at an instant no expiry falls near: the replicas' skewed clocks disagree on it for up to the skew span
      const deadlines = c.replicas.flatMap(r => [...r.store.versions()].flatMap(v => [v.expiresAt ?? 0, ...(v.tombstone ? [] : JSON.parse(v.text()).c.map((x: [string, number | null]) => x[1] ?? 0)), JSON.parse(v.tombstone ? '{}' : v.text()).a ?? 0]))
      while (deadlines.some(d => Math.abs(d - c.time) <= 700)) c.advance(100)
      const views = await Promise.all(c.replicas.map(async r => (await r.sets.members('s')).join(',')))
      expect(new Set(views).size, `seed ${seed}: ${views.join(' | ')}`).toBe(1)
    }
  })

  it('property: with every operation delivered before the next, it behaves as a plain set with per-member TTLs (fast-check)', async () => {
    const op = fc.record({ node: fc.nat(2), add: fc.boolean(), member: fc.constantFrom('a', 'b', 'c'), ttl: fc.constantFrom(200, 1_000, Infinity), wait: fc.nat(400) })
    await fc.assert(fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 30 }), async ops => {
      const c = new Cluster(3)
      const model = new Map<string, number>() // member -> expiry
      for (const o of ops) {
        c.advance(o.wait)
        for (const [m, exp] of model) if (exp <= c.time) model.delete(m)
        const r = c.replicas[o.node]
        if (o.add) {
          expect(await r.sets.add('s', o.member, { ttl: o.ttl })).toBe(model.has(o.member) ? 0 : 1)
          model.set(o.member, c.time + o.ttl)
        } else {
          expect(await r.sets.remove('s', o.member)).toBe(model.delete(o.member) ? 1 : 0)
        }
        c.deliver()
        for (const rr of c.replicas) expect(await rr.sets.members('s')).toEqual([...model.keys()].sort())
      }
    }), { numRuns: 150 })
  })

  it('property: replicas agree under any delivery order and TTL expiry (fast-check)', async () => {
    const op = fc.record({ node: fc.nat(3), add: fc.boolean(), member: fc.constantFrom('a', 'b'), ttl: fc.constantFrom(200, 1_000, Infinity), wait: fc.nat(300), drop: fc.boolean() })
    await fc.assert(fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 30 }), fc.nat(1_500), async (ops, after) => {
      const c = new Cluster(4)
      for (const o of ops) {
        c.advance(o.wait)
        const r = c.replicas[o.node]
        if (o.add) await r.sets.add('s', o.member, { ttl: o.ttl })
        else await r.sets.remove('s', o.member)
        if (!o.drop) c.deliver()
        c.flights.reverse()
      }
      c.heal()
      c.advance(after)
      const views = await Promise.all(c.replicas.map(async r => (await r.sets.members('s')).join(',')))
      expect(new Set(views).size).toBe(1)
    }), { numRuns: 150 })
  })
})

describe('quorum sets', () => {
  it('add says exactly what was new, across nodes', async () => {
    const c = new Cluster(3)
    const results = await Promise.all(Array.from({ length: 9 }, async (_, i) => c.replicas[i % 3].sets.add('hooks', 'evt-1', { mode: 'quorum' })))
    expect(results.filter(x => x === 1)).toHaveLength(1)
    expect(await c.replicas[0].sets.add('hooks', ['evt-1', 'evt-2'], { mode: 'quorum' })).toBe(1)
    expect(await c.replicas[2].sets.members('hooks', { mode: 'quorum' })).toEqual(['evt-1', 'evt-2'])
    expect(await c.replicas[2].sets.size('hooks', { mode: 'quorum' })).toBe(2)
    expect(await c.replicas[1].sets.remove('hooks', ['evt-1', 'nope'], { mode: 'quorum' })).toBe(1)
    expect(await c.replicas[1].sets.has('hooks', 'evt-1', { mode: 'quorum' })).toBe(false)
    expect(await c.replicas[1].sets.members('hooks')).toEqual([]) // gossip mode: a separate set
  })

  it('members expire on their own TTL', async () => {
    const c = new Cluster(1)
    const r = c.replicas[0]
    await r.sets.add('s', 'a', { mode: 'quorum', ttl: 1_000 })
    await r.sets.add('s', 'b', { mode: 'quorum', ttl: 5_000 })
    c.advance(2_000)
    expect(await r.sets.members('s', { mode: 'quorum' })).toEqual(['b'])
    expect(await r.sets.add('s', 'a', { mode: 'quorum' })).toBe(1)
  })
})
