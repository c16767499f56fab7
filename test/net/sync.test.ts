/**
 * Anti-entropy under limits: a full peer is not offered what it can only refuse, the pair backs
 * off (bounded) instead of repeating rounds, and every phase of a round is bounded in bytes.
 * Rounds are driven explicitly (`mesh.sync`, `syncWith`) and the clock is injected: counts, not
 * sleeps, decide.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { lpStream, streamPair } from '@libp2p/utils'
import type { Libp2p } from '@libp2p/interface'
import { afterEach, describe, expect, it } from 'vitest'
import { Entry } from '../../src/core/entry.js'
import { Store } from '../../src/core/store.js'
import { toWire, WIRE_VERSION } from '../../src/net/codec.js'
import { createCounters, type NetCounters } from '../../src/net/metrics.js'
import { SyncFrame } from '../../src/net/proto/meshkv.js'
import { FULL_BACKOFF_MS, MAX_FULL_BACKOFF_MS, SyncService } from '../../src/net/sync.js'
import type { MeshOptions } from '../../src/index.js'
import { eventually, start, stopAll, type Node } from './helpers.js'

const LIMITS = { maxKeyBytes: 1024, maxValueBytes: 64 * 1024, maxEntries: 16_384 }

let nodes: Node[] = []
afterEach(async () => { await stopAll(nodes); nodes = [] })

/** Two connected nodes with their own options, without periodic rounds (the test drives them). */
async function pair (a: MeshOptions, b: MeshOptions): Promise<[Node, Node]> {
  const x = await start({ syncIntervalMs: Infinity, ...a })
  const y = await start({ syncIntervalMs: Infinity, ...b, bootstrap: [x.mesh.multiaddrs[0]] })
  nodes = [x, y]
  await eventually(() => x.mesh.peers().length === 1 && y.mesh.peers().length === 1, 'the two nodes see each other')
  // a driven round waits for one under way with that peer (the connection-time rounds) and the
  // round after it: drive one each way, so none is left under way
  for (const [from, to] of [[x, y], [y, x]]) await from.mesh.sync(to.mesh.peerId)
  return [x, y]
}

/** A clock both nodes share, moved only by the test. */
function manualClock (): { now: () => number, advance: (ms: number) => void } {
  let t = Date.now()
  return { now: () => t, advance: (ms) => { t += ms } }
}

/** Entries a node moved over sync so far, both directions and both roles. */
const moved = (n: Node): number => n.mesh.stats().syncs.entriesSent + n.mesh.stats().syncs.entriesReceived

/** Until `n` has seen (merged or refused) at least `count` remote versions. */
const seen = async (n: Node, count: number): Promise<void> => {
  await eventually(() => { const m = n.mesh.stats().merges; return m.applied + m.full + m.stale >= count }, `${count} remote versions seen`)
}

describe('sync: limits hold against a full peer', () => {
  it('remote tombstones count toward maxEntries, by gossip and by sync', async () => {
    const [full, writer] = await pair({ maxEntries: 100 }, {})
    for (let i = 0; i < 400; i++) await writer.mesh.set(`k/${i}`, 'v')
    for (let i = 0; i < 400; i++) await writer.mesh.delete(`k/${i}`)
    await writer.mesh.flush()
    await seen(full, 800)
    await full.mesh.sync(writer.mesh.peerId)
    await writer.mesh.sync(full.mesh.peerId)
    const s = full.mesh.stats()
    expect(s.entries + s.tombstones).toBeLessThanOrEqual(100)
    expect(s.merges.full).toBeGreaterThanOrEqual(300)
  })

  it('a full peer is not resent what it refused, and the pair backs off, doubling up to a bound', async () => {
    const clock = manualClock()
    const [full, writer] = await pair({ maxEntries: 100, clock: clock.now }, { clock: clock.now })
    for (let i = 0; i < 400; i++) await writer.mesh.set(`k/${i}`, 'v')
    await writer.mesh.flush()
    await seen(full, 400)
    expect(full.mesh.stats().entries).toBe(100)
    const before = moved(full)

    // rounds asked for within the back-off do not run; it doubles with every blocked round, to a bound
    const step = FULL_BACKOFF_MS / 2
    const cap = MAX_FULL_BACKOFF_MS / step
    const skipped = writer.mesh.stats().syncs.backedOff
    const ran: number[] = []
    for (let i = 0; i < 400; i++) {
      const r = await writer.mesh.sync(full.mesh.peerId)
      if (r !== undefined) {
        ran.push(i)
        expect(r.full).toBe(true)
      }
      clock.advance(step)
    }
    const gaps = ran.slice(1).map((at, i) => at - ran[i])
    expect(gaps[0]).toBeGreaterThanOrEqual(2)
    for (let i = 1; i < gaps.length; i++) expect(gaps[i]).toBe(Math.min(2 * gaps[i - 1], cap))
    expect(gaps[gaps.length - 1]).toBe(cap)
    expect(writer.mesh.stats().syncs.backedOff - skipped).toBe(400 - ran.length)

    // 10 more rounds each way (the responder serves a peer at most 30 rounds per 10 s), each after
    // the longest back-off: what the full node refused is not resent
    for (let i = 0; i < 10; i++) {
      clock.advance(MAX_FULL_BACKOFF_MS)
      const r1 = await full.mesh.sync(writer.mesh.peerId)
      clock.advance(MAX_FULL_BACKOFF_MS)
      const r2 = await writer.mesh.sync(full.mesh.peerId)
      expect([r1?.full, r2?.full]).toEqual([true, true])
    }
    expect(moved(full) - before).toBe(0)
    expect(full.mesh.stats().entries).toBe(100)
    expect(writer.mesh.stats().syncs.full).toBeGreaterThan(20) // as initiator and as responder
  })
})

/** Two SyncServices wired to each other in memory: `dialProtocol` on one is served by the other's handler. */
function wired (a: Store, b: Store, maxPhaseBytes: number): { a: SyncService, b: SyncService, counters: [NetCounters, NetCounters] } {
  const counters: [NetCounters, NetCounters] = [createCounters(), createCounters()]
  const services: SyncService[] = []
  const via = (other: () => SyncService, name: string): Libp2p => ({
    dialProtocol: async () => {
      const [outbound, inbound] = await streamPair()
      void other().handle(inbound, name)
      return outbound
    }
  }) as unknown as Libp2p
  services.push(new SyncService({ mesh: 'default', libp2p: via(() => services[1], 'a'), store: a, counters: counters[0], limits: LIMITS, maxPhaseBytes }))
  services.push(new SyncService({ mesh: 'default', libp2p: via(() => services[0], 'b'), store: b, counters: counters[1], limits: LIMITS, maxPhaseBytes }))
  return { a: services[0], b: services[1], counters }
}

const value = (n: number, bytes: number): Uint8Array => new Uint8Array(bytes).fill(n % 251)

describe('sync: every phase is bounded in bytes', () => {
  it('a store larger than a phase converges over successive rounds of one call, each within the budget', async () => {
    const id = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    const a = new Store('a')
    const b = new Store('b')
    for (let i = 0; i < 200; i++) a.set(`big/${i}`, value(i, 2048))
    for (let i = 0; i < 200; i++) b.set(`other/${i}`, value(i, 2048))
    const { a: sa, b: sb, counters } = wired(a, b, 64 * 1024)
    const r = await sa.syncWith(id)
    expect(r).toBeDefined()
    expect(a.digest.root()).toBe(b.digest.root())
    expect(a.size).toBe(400)
    expect(counters[0].syncs.partial).toBeGreaterThan(0)
    expect(counters[0].syncs.initiated).toBeGreaterThan(5) // ~800 KiB both ways in 64 KiB phases
    expect(counters[1].syncs.failed + counters[0].syncs.failed).toBe(0)
    void sb
  })

  it('a call made while a round with that peer is under way waits for the round that follows and gets its outcome (not undefined)', async () => {
    const id = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    const a = new Store('a')
    const b = new Store('b')
    for (let i = 0; i < 50; i++) b.set(`first/${i}`, value(i, 64))
    const { a: sa } = wired(a, b, 64 * 1024)
    const first = sa.syncWith(id)
    b.set('late', 'written after the first round began') // only a round after this one sees it
    const second = await sa.syncWith(id)
    expect(second).toBeDefined()
    expect(await first).toBeDefined()
    expect(a.get('late')).toBeDefined()
    expect(a.digest.root()).toBe(b.digest.root())
  })

  it('a peer pushing a phase past the byte budget is refused before anything is merged', async () => {
    const store = new Store('victim')
    const counters = createCounters()
    const sync = new SyncService({ mesh: 'default', libp2p: {} as Libp2p, store, counters, limits: LIMITS, maxPhaseBytes: 64 * 1024 })
    const attacker = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
    const [outbound, inbound] = await streamPair()
    const handled = sync.handle(inbound, attacker)
    const lp = lpStream(outbound)
    const frame = (f: Partial<SyncFrame>): Uint8Array => SyncFrame.encode({ version: WIRE_VERSION, kind: SyncFrame.Kind.PUSH, bucketCount: 0, buckets: new Uint8Array(0), diff: [], origins: [], entries: [], want: [], last: false, full: false, more: false, ...f })
    try {
      await lp.write(frame({ kind: SyncFrame.Kind.DIGEST, bucketCount: 1024, buckets: new Uint8Array(8192).fill(1) }))
      await lp.read({ signal: AbortSignal.timeout(5_000) })
      // 2 MiB of valid versions in 32 frames of 1 MiB budget each (64 KiB values): few entries, many bytes
      const now = Date.now()
      for (let f = 0; f < 32; f++) {
        const entries = Array.from({ length: 1 }, (_, i) => new Entry({ key: `flood/${f}/${i}`, value: value(f, 64 * 1024), wall: now, counter: 0, origin: attacker, expiresAt: now + 60_000 }))
        await lp.write(frame({ ...toWire(entries), last: f === 31 }))
      }
      await outbound.close()
    } catch {
      // the handler aborts the stream under us: that is the point
    }
    await handled
    expect(counters.rejected.oversized).toBe(1)
    expect(store.size).toBe(0)
  })
})
