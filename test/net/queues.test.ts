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
})
