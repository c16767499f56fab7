/**
 * Counters, sets and conditional writes on real nodes in gossip mode: honest counter and set keys
 * pass every node's arrival checks (gossip and anti-entropy), a forged one is refused and counted,
 * and counters converge to the exact total after a partition heals.
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { Store } from '../../src/core/store.js'
import type { MeshNode } from '../../src/net/node.js'
import { ConditionFailedError, ReservedKeyError, type Mesh } from '../../src/index.js'
import { eventually, heal, partition, startMesh, stopAll, type Node } from './helpers.js'
import { reconnect } from '../../sim/cluster.js'

let nodes: Node[] = []
afterEach(async () => { await stopAll(nodes); nodes = [] })

const internals = (mesh: Mesh): { store: Store, node: MeshNode } => mesh as unknown as { store: Store, node: MeshNode }

describe('data types on real nodes (gossip mode)', () => {
  it('counters converge to the exact total after a partition heals; honest keys are never refused', async () => {
    nodes = await startMesh(3)
    const [a, b, c] = nodes
    await Promise.all(nodes.map(async n => { for (let i = 0; i < 10; i++) await n.mesh.counters.inc('hits') }))
    await until(async () => all(async n => await n.mesh.counters.get('hits') === 30), 'every node counts 30')
    await partition([a, b], [c])
    for (let i = 0; i < 7; i++) await a.mesh.counters.inc('hits', { by: 2 })
    for (let i = 0; i < 5; i++) await c.mesh.counters.dec('hits')
    expect(await c.mesh.counters.get('hits')).toBe(25) // its side's view
    heal(nodes)
    await reconnect(nodes)
    await until(async () => all(async n => await n.mesh.counters.get('hits') === 30 + 14 - 5), 'every node counts 39 after the heal')
    for (const n of nodes) {
      const s = n.mesh.stats()
      expect(s.merges.forgedClaims).toBe(0)
      expect(s.rejected['forged-claim']).toBe(0)
    }
  })

  it('sets replicate, and add wins over a concurrent remove across a partition', async () => {
    nodes = await startMesh(2)
    const [a, b] = nodes
    expect(await a.mesh.sets.add('seen', ['e1', 'e2'])).toBe(2)
    await until(async () => await b.mesh.sets.size('seen') === 2, 'b sees both members')
    await partition([a], [b])
    expect(await a.mesh.sets.remove('seen', 'e1')).toBe(1)
    expect(await b.mesh.sets.add('seen', 'e1')).toBe(0) // already there in b's view: its TTL refreshed
    heal(nodes)
    await reconnect(nodes)
    await until(async () => all(async n => (await n.mesh.sets.members('seen')).join(',') === 'e1,e2'), 'the concurrent add wins everywhere')
    expect(await a.mesh.sets.has('seen', 'e1')).toBe(true)
  })

  it('a peer that writes another node\'s counter key (bypassing the API) is refused and counted', async () => {
    nodes = await startMesh(2)
    const [a, evil] = nodes
    await a.mesh.counters.inc('hits')
    await until(async () => await evil.mesh.counters.get('hits') === 1, 'evil sees a\'s increment')
    const { store, node } = internals(evil.mesh)
    const forged = `@meshkv/counter/hits/${a.mesh.peerId}`
    node.publish(store.set(forged, JSON.stringify({ o: 'x', s: [] }), 60_000))
    await eventually(() => a.mesh.stats().rejected['forged-claim'] >= 1, 'a refuses the forgery')
    expect(await a.mesh.counters.get('hits')).toBe(1)
    await expect(a.mesh.set('@meshkv/counter/hits/x', '1')).rejects.toBeInstanceOf(ReservedKeyError)
  })

  it('conditional writes in gossip mode check this node\'s replica', async () => {
    nodes = await startMesh(1)
    const [a] = nodes
    await a.mesh.set('cfg', 'v1', { ifNotExists: true })
    await expect(a.mesh.set('cfg', 'v2', { ifNotExists: true })).rejects.toBeInstanceOf(ConditionFailedError)
    await a.mesh.set('cfg', 'v2', { ifValue: 'v1' })
    await expect(a.mesh.delete('cfg', { ifValue: 'v1' })).rejects.toBeInstanceOf(ConditionFailedError)
    await a.mesh.delete('cfg', { ifValue: 'v2' })
    expect(a.mesh.get('cfg')).toBeUndefined()
  })
})

/** Polls an async condition (as `eventually` polls a sync one). */
async function until (cond: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`)
    await new Promise(resolve => setTimeout(resolve, 20))
  }
}

async function all (cond: (n: Node) => Promise<boolean>): Promise<boolean> {
  return (await Promise.all(nodes.map(cond))).every(Boolean)
}
