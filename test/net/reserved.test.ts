/**
 * Lock state cannot be forged: reserved `@meshkv/` keys refuse every public write, and a peer that
 * bypasses the public API (writing its store directly, publishing the forgery) is refused and
 * counted by every other node, by gossip and by anti-entropy alike.
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { Store } from '../../src/core/store.js'
import type { MeshNode } from '../../src/net/node.js'
import { LockUnavailableError, ReservedKeyError, type Mesh } from '../../src/index.js'
import { eventually, startMesh, stopAll, type Node } from './helpers.js'

let nodes: Node[] = []
afterEach(async () => { await stopAll(nodes); nodes = [] })

const FORGED = '@meshkv/lease/deploy/ffffffffffff0000-evil/mallory/q'
const internals = (mesh: Mesh): { store: Store, node: MeshNode } => mesh as unknown as { store: Store, node: MeshNode }

describe('reserved keys on real nodes', () => {
  it('mesh.set and mesh.delete refuse @meshkv/ keys; drops and locks still write there', async () => {
    nodes = await startMesh(2)
    const [a, b] = nodes
    await expect(a.mesh.set(FORGED, '')).rejects.toBeInstanceOf(ReservedKeyError)
    await expect(a.mesh.set('@meshkv/drop/anything', 'x')).rejects.toBeInstanceOf(ReservedKeyError)
    await expect(a.mesh.delete(FORGED)).rejects.toBeInstanceOf(ReservedKeyError)
    expect(a.mesh.lockStatus('deploy').held).toBe(false)
    const { token } = await a.mesh.drops.seal('secret', { burnAfterRead: true })
    expect(new TextDecoder().decode(await b.mesh.drops.open(token, { wait: 10_000 }))).toBe('secret')
    const lease = await a.mesh.lock('deploy', { ttl: 5_000 })
    await lease.release()
  })

  it('a peer that bypasses the API cannot block a lock: its forged claim is refused by gossip and by sync, and counted', async () => {
    nodes = await startMesh(3)
    const [a, b, evil] = nodes
    const { store, node } = internals(evil.mesh)
    // the forger writes its own store and publishes: a claim whose token is above any future one
    node.publish(store.set(FORGED, '', 3_600_000))
    // gossip refuses it (counted in rejected only); anti-entropy relays it too, as evil holds it,
    // and the store refuses it there (counted in merges.forgedClaims and in rejected)
    for (const n of [a, b]) {
      await eventually(() => {
        const s = n.mesh.stats()
        return s.merges.forgedClaims >= 1 && s.rejected['forged-claim'] > s.merges.forgedClaims
      }, 'gossip and anti-entropy both refuse the forgery')
    }
    for (const n of nodes) expect(n.mesh.lockStatus('deploy').held).toBe(false) // not even on the forger's own node
    // the lock works as if the forgery never happened: acquire, release, acquire by another owner
    const first = await a.mesh.lock('deploy', { ttl: 10_000, owner: 'alice' })
    await first.release()
    const second = await b.mesh.lock('deploy', { ttl: 10_000, owner: 'bob', wait: 10_000 }) // once b has seen the release
    expect(second.token > first.token).toBe(true)
    await second.release()
  })

  it('a claim stamped with another node\'s token (a stolen identity) is refused too', async () => {
    nodes = await startMesh(2)
    const [a, evil] = nodes
    const { store, node } = internals(evil.mesh)
    const t = store.hlc.now()
    const stolen = `@meshkv/lease/deploy/${t.wall.toString(16).padStart(12, '0')}${t.counter.toString(16).padStart(4, '0')}-${a.mesh.peerId}/alice/g`
    node.publish(store.set(stolen, '', 60_000))
    await eventually(() => a.mesh.stats().rejected['forged-claim'] >= 1, 'gossip refuses the stolen token')
    const lease = await a.mesh.lock('deploy', { ttl: 5_000, owner: 'bob' })
    expect(lease.owner).toBe('bob')
    await expect(evil.mesh.lock('deploy', { owner: 'carol' })).rejects.toBeInstanceOf(LockUnavailableError)
  })

  it('a forged place at the head of a lock\'s waiting line (old token, 24 h TTL) does not hold the lock up', async () => {
    nodes = await startMesh(2)
    const [a, evil] = nodes
    const { store, node } = internals(evil.mesh)
    const old = store.hlc.now()
    const token = `${(old.wall - 60_000).toString(16).padStart(12, '0')}0000-${evil.mesh.peerId}`
    const key = `@meshkv/wait/deploy/${token}/mallory`
    node.publish(store.set(key, '', 86_400_000))
    await eventually(() => a.mesh.stats().rejected['forged-claim'] >= 1 || internals(a.mesh).store.version(key) !== undefined, 'the forged marker reaches a')
    const lease = await a.mesh.lock('deploy', { ttl: 5_000, owner: 'alice' }) // not "1 other owner waits ahead"
    expect(lease.owner).toBe('alice')
    expect(a.mesh.stats().rejected['forged-claim']).toBeGreaterThanOrEqual(1)
    await lease.release()
  })
})
