import { afterEach, describe, expect, it } from 'vitest'
import type { GossipSub } from '@libp2p/gossipsub'
import { Entry } from '../../src/core/entry.js'
import { SignedEntry } from '../../src/core/signed.js'
import type { Store } from '../../src/core/store.js'
import { encodeBatch } from '../../src/net/codec.js'
import { InvalidKeyError } from '../../src/index.js'
import { eventually, startMesh, stopAll, type Node } from './helpers.js'

let nodes: Node[] = []
afterEach(async () => { await stopAll(nodes); nodes = [] })

const storeOf = (n: Node): Store => (n.mesh as unknown as { store: Store }).store

describe('signed ownership of @<peerId>/ keys', () => {
  it('an owner\'s signed entry replicates by gossip and sync; a forgery by a third node is rejected everywhere', async () => {
    nodes = await startMesh(3)
    const [owner, honest, evil] = nodes
    const key = `@${owner.mesh.peerId}/profile`
    await owner.mesh.set(key, 'the real one', { ttl: 60_000 })
    await eventually(() => nodes.every(n => n.mesh.get(key)?.text() === 'the real one'), 'the signed entry replicates')
    expect(honest.mesh.get(key)).toBeInstanceOf(SignedEntry)

    // gossip: the evil node publishes a newer version of the owner's key, signed by nobody
    const pubsub = (evil.mesh.libp2p.services as { pubsub: GossipSub }).pubsub
    const forged = new Entry({ key, value: new TextEncoder().encode('forged'), wall: Date.now() + 10, counter: 0, origin: evil.mesh.peerId, expiresAt: Date.now() + 60_000 })
    await pubsub.publish(pubsub.getTopics()[0], encodeBatch([forged]))
    // and a version claiming the owner as origin, with a signature of its own
    const real = honest.mesh.get(key) as SignedEntry
    const stolen = new SignedEntry({ ...real.fields(), value: new TextEncoder().encode('tampered'), wall: real.wall + 20 }, real.signature, real.valueHash)
    await pubsub.publish(pubsub.getTopics()[0], encodeBatch([stolen]))
    await eventually(() => owner.mesh.stats().rejected.forged >= 2 && honest.mesh.stats().rejected.forged >= 2, 'both honest nodes reject both forgeries')

    // anti-entropy: the evil node holds a tampered version (planted past its own checks) and serves it
    ;(storeOf(evil) as unknown as { apply: (e: Entry, local: boolean, now: number) => void }).apply(stolen, false, Date.now())
    expect(evil.mesh.get(key)?.text()).toBe('tampered')
    // (a round already under way makes this call return at once; the periodic rounds follow)
    await honest.mesh.sync(evil.mesh.peerId)
    await eventually(() => honest.mesh.stats().merges.forged >= 1, 'the honest node refuses the forgery served by sync')
    for (const n of [owner, honest]) expect(n.mesh.get(key)?.text()).toBe('the real one')
  })

  it('refuses local writes under another peer\'s namespace', async () => {
    nodes = await startMesh(2)
    const [a, b] = nodes
    await expect(a.mesh.set(`@${b.mesh.peerId}/x`, 'y')).rejects.toBeInstanceOf(InvalidKeyError)
    await expect(a.mesh.delete(`@${b.mesh.peerId}/x`)).rejects.toBeInstanceOf(InvalidKeyError)
    expect((await a.mesh.set(`@${a.mesh.peerId}/x`, 'mine')).origin).toBe(a.mesh.peerId)
  })

  it('presence heartbeats are signed by the beating node', async () => {
    nodes = await startMesh(2)
    const [a, b] = nodes
    a.mesh.heartbeat('worker-1', { interval: 100 })
    await eventually(() => b.mesh.members('worker-').length === 1, 'b sees the member')
    expect(b.mesh.members()[0].entry).toBeInstanceOf(SignedEntry)
    expect(b.mesh.members()[0].entry.key).toBe(`@${a.mesh.peerId}/presence/worker-1`)
  })
})
