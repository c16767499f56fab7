/** The clique test behind direct-only writes (net/neighbourhood.ts) and gossip's recent direct-only batches. */
import { describe, expect, it } from 'vitest'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import type { Libp2p, PeerId } from '@libp2p/interface'
import type { GossipSub } from '@libp2p/gossipsub'
import { Store } from '../../src/core/store.js'
import { ArrivalDelay } from '../../src/net/arrival.js'
import { Gossip, RECENT_DIRECT_MS } from '../../src/net/gossip.js'
import { createCounters } from '../../src/net/metrics.js'
import { DIRECT_MAX_PEERS, Neighbourhood, viewOf } from '../../src/net/neighbourhood.js'
import { createPushCounters, PushProtocol } from '../../src/net/push.js'

async function peers (n: number): Promise<PeerId[]> {
  return Promise.all(Array.from({ length: n }, async () => peerIdFromPrivateKey(await generateKeyPair('Ed25519'))))
}
const ids = (ps: PeerId[]): string[] => ps.map(p => p.toString())

/** A store on `clock` and a gossipsub stand-in with one subscriber that records what is published. */
function onePeerTopic (clock: { now: number }): { store: Store, published: Uint8Array[], pubsub: GossipSub } {
  const store = new Store('me', { clock: () => clock.now })
  const published: Uint8Array[] = []
  const subscriber = peerIdFromString('12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA')
  const pubsub = {
    getSubscribers: () => [subscriber],
    publish: async (_topic: string, data: Uint8Array) => { published.push(data) }
  } as unknown as GossipSub
  return { store, published, pubsub }
}

describe('neighbourhood', () => {
  it('is a clique only once every connected peer reported the same view; a different report or a new peer ends it', async () => {
    const [me, a, b, c] = await peers(4)
    let connected = [a, b]
    let lost = 0
    const n = new Neighbourhood(me, () => connected, () => { lost++ })
    expect(n.clique()).toBe(false)
    const view = viewOf(ids([me, a, b]))
    expect(n.view()).toEqual(view)
    n.reported(a.toString(), view)
    expect(n.clique()).toBe(false) // b has not reported
    n.reported(b.toString(), viewOf(ids([me, a, b, c])))
    expect(n.clique()).toBe(false) // b has a peer this node lacks
    n.reported(b.toString(), view)
    expect(n.clique()).toBe(true)
    expect(lost).toBe(0)
    // b meets c: its new view arrives, the clique is gone
    n.reported(b.toString(), viewOf(ids([me, a, b, c])))
    expect(n.clique()).toBe(false)
    expect(lost).toBe(1)
    n.reported(b.toString(), view)
    expect(n.clique()).toBe(true)
    // c connects to this node: its view is unknown
    connected = [a, b, c]
    expect(n.changed()).toBe(true)
    expect(n.changed()).toBe(false)
    expect(lost).toBe(2)
    expect(n.clique()).toBe(false)
    // an older node sends no view
    n.reported(c.toString(), undefined)
    expect(n.clique()).toBe(false)
  })

  it('pushes directly only in a small mesh', async () => {
    const [me, ...rest] = await peers(DIRECT_MAX_PEERS + 2)
    let connected = rest.slice(0, DIRECT_MAX_PEERS)
    const n = new Neighbourhood(me, () => connected)
    expect(n.directPeers()).toHaveLength(DIRECT_MAX_PEERS)
    for (const p of connected) n.reported(p.toString(), n.view())
    expect(n.clique()).toBe(true)
    connected = rest
    expect(n.directPeers()).toHaveLength(0)
    for (const p of connected) n.reported(p.toString(), n.view())
    expect(n.clique()).toBe(false)
  })

  it('keeps a peer\'s view as a copy, not the frame it came in', async () => {
    const [me, a] = await peers(2)
    const n = new Neighbourhood(me, () => [a])
    const frame = new Uint8Array(64)
    frame.set(n.view(), 10)
    n.reported(a.toString(), frame.subarray(10, 18))
    frame.fill(0)
    expect(n.clique()).toBe(true)
  })
})

describe('gossip of direct-only batches', () => {
  it('skips a covered batch, publishes it when the clique is lost within RECENT_DIRECT_MS, not after', async () => {
    const clock = { now: 1_700_000_000_000 }
    const { store, published, pubsub } = onePeerTopic(clock)
    let covered = true
    const counters = createCounters()
    const gossip = new Gossip({ pubsub, topic: 't', store, counters, limits: { maxKeyBytes: 1024, maxValueBytes: 1 << 20, maxEntries: 100 }, arrivals: new ArrivalDelay(), coveredBy: () => covered })
    const view = new Uint8Array(8)
    gossip.enqueue(store.set('k1', 'v'), view)
    gossip.flush()
    expect(published).toHaveLength(0)
    expect(counters.directOnly).toBe(1)
    // a write that was not pushed to every peer is gossiped, and takes its batch with it
    gossip.enqueue(store.set('k2', 'v'), view)
    gossip.enqueue(store.set('k3', 'v'))
    gossip.flush()
    expect(published).toHaveLength(1)
    gossip.publishRecent()
    expect(published).toHaveLength(2) // k1's batch, once
    gossip.publishRecent()
    expect(published).toHaveLength(2)
    gossip.enqueue(store.set('k4', 'v'), view)
    gossip.flush()
    clock.now += RECENT_DIRECT_MS + 1
    covered = false
    gossip.publishRecent()
    expect(published).toHaveLength(2) // too old: anti-entropy's, as a lost gossip message would be
    await gossip.drain()
  })
  it('keeps a lone batch larger than a batch\'s bytes, and publishes at once one that does not fit beside those kept (none dropped early)', async () => {
    const clock = { now: 1_700_000_000_000 }
    const { store, published, pubsub } = onePeerTopic(clock)
    const counters = createCounters()
    const gossip = new Gossip({ pubsub, topic: 't', store, counters, limits: { maxKeyBytes: 1024, maxValueBytes: 1 << 20, maxEntries: 100 }, arrivals: new ArrivalDelay(), coveredBy: () => true, maxBatchBytes: 1024 })
    const view = new Uint8Array(8)
    // one value larger than a batch: flushed at once, kept (it alone is the recent budget)
    gossip.enqueue(store.set('big', 'x'.repeat(4096)), view)
    expect(published).toHaveLength(0)
    expect(counters.directOnly).toBe(1)
    // another within RECENT_DIRECT_MS does not fit beside it: published now, not kept in its place
    gossip.enqueue(store.set('small', 'v'), view)
    gossip.flush()
    expect(published).toHaveLength(1)
    expect(counters.directOnly).toBe(1)
    // the clique is lost: the big one is published after all
    gossip.publishRecent()
    expect(published).toHaveLength(2)
    // once the kept ones expire, a batch is kept again
    gossip.enqueue(store.set('big2', 'x'.repeat(4096)), view)
    clock.now += RECENT_DIRECT_MS + 1
    gossip.enqueue(store.set('small2', 'v'), view)
    gossip.flush()
    expect(published).toHaveLength(2)
    expect(counters.directOnly).toBe(3)
    await gossip.drain()
  })
})

describe('a failed push', () => {
  it('forgets the peer\'s view: the clique ends and the recent direct-only batches are gossiped', async () => {
    const [me, a] = await peers(2)
    let lost = 0
    const n = new Neighbourhood(me, () => [a], () => { lost++ })
    n.reported(a.toString(), n.view())
    expect(n.clique()).toBe(true)
    const libp2p = { dialProtocol: async () => { throw new Error('the stream was reset') } } as unknown as Libp2p
    const store = new Store('me', { clock: () => 1_700_000_000_000 })
    const push = new PushProtocol({ mesh: 'm', libp2p, store, counters: createCounters(), push: createPushCounters(), limits: { maxKeyBytes: 1024, maxValueBytes: 1 << 20, maxEntries: 100 }, neighbourhood: n, arrivals: new ArrivalDelay() })
    await expect(push.exchange(a, [store.set('k', 'v')], [])).rejects.toThrow('reset')
    expect(n.clique()).toBe(false)
    expect(lost).toBe(1)
  })
})
