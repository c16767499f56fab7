/**
 * Gossip-mode queues on real nodes: at-least-once. Two nodes on two sides of a partition both
 * pop the one item (the double-delivery window, here as wide as the partition); after the heal
 * one claim wins everywhere, and one ack removes the item on every node.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { eventually, heal, partition, reconnect } from '../../sim/cluster.js'
import { startMesh, stopAll, type Node } from './helpers.js'

let nodes: Node[] = []
afterEach(async () => { await stopAll(nodes); nodes = [] })

describe('gossip-mode queues on real nodes', () => {
  it('a partition delivers an item on both sides (at-least-once); the heal converges the claim and one ack removes it', async () => {
    nodes = await startMesh(2)
    const [a, b] = nodes
    await a.mesh.queues.push('jobs', 'only')
    await eventually(() => b.mesh.stats().entries > 0, 'b holds the item')
    await partition([a], [b])
    const fromA = await a.mesh.queues.pop('jobs')
    const fromB = await b.mesh.queues.pop('jobs')
    expect(fromA?.id).toBe(fromB?.id)
    heal(nodes)
    await reconnect(nodes)
    await eventually(() => a.mesh.stats().digest === b.mesh.stats().digest, 'the claims converged')
    // neither side sees it as visible: one claim holds it on both
    expect(await a.mesh.queues.pop('jobs')).toBeUndefined()
    expect(await b.mesh.queues.pop('jobs')).toBeUndefined()
    await a.mesh.queues.ack('jobs', fromA!.receipt)
    await eventually(() => a.mesh.stats().digest === b.mesh.stats().digest, 'the ack replicated')
    expect(await b.mesh.queues.size('jobs')).toBe(0)
    await b.mesh.queues.ack('jobs', fromB!.receipt) // the other consumer's ack: already gone, fine
  })

  it('two nodes draining one queue at once: every item delivered (none lost), each node takes its share', async () => {
    nodes = await startMesh(2)
    const [a, b] = nodes
    const n = 60
    for (let i = 0; i < n; i++) await a.mesh.queues.push('shared', `${i}`)
    await eventually(() => b.mesh.stats().entries >= n, 'b holds the items')
    const got = await Promise.all([a, b].map(async x => {
      const ids: string[] = []
      for (;;) {
        const item = await x.mesh.queues.pop('shared', { visibilityTimeout: 600_000 })
        if (item === undefined) return ids
        ids.push(item.id)
        await new Promise(resolve => setTimeout(resolve, 1))
        await x.mesh.queues.ack('shared', item.receipt)
      }
    }))
    expect(new Set([...got[0], ...got[1]]).size).toBe(n)
    // each node prefers the items its rank owns: both take part (the split is not asserted: timing)
    expect(got[0].length).toBeGreaterThan(0)
    expect(got[1].length).toBeGreaterThan(0)
  })
})
