/**
 * Quorum-mode queues on real nodes: 5 consumers on 5 nodes drain a 200-item queue with no item
 * delivered twice and none lost; the minority side of a partition refuses.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { partition, stopAll, type Node } from '../../sim/cluster.js'
import { startQuorumCluster } from '../../sim/quorum-cluster.js'

let nodes: Node[] = []
afterEach(async () => { await stopAll(nodes); nodes = [] })

const Q = { mode: 'quorum' } as const

describe('quorum-mode queues on real nodes', () => {
  it('5 consumers on 5 nodes pop a 200-item queue: no item delivered twice, none lost', async () => {
    nodes = await startQuorumCluster(5, { syncIntervalMs: 300 })
    const pushed: string[] = []
    for (let i = 0; i < 200; i++) pushed.push((await nodes[0].mesh.queues.push('work', `item-${i}`, Q)).id) // one producer
    expect(await nodes[3].mesh.queues.size('work', Q)).toBe(200)
    const got = await Promise.all(nodes.map(async n => {
      const mine: string[] = []
      for (;;) {
        const item = await n.mesh.queues.pop('work', { ...Q, visibilityTimeout: 600_000 })
        if (item === undefined) return mine
        expect(item.deliveries).toBe(1)
        mine.push(new TextDecoder().decode(item.data))
        await n.mesh.queues.ack('work', item.receipt, Q)
      }
    }))
    const all = got.flat()
    expect(all).toHaveLength(200)
    expect(new Set(all).size).toBe(200)
    expect([...all].sort()).toEqual(Array.from({ length: 200 }, (_, i) => `item-${i}`).sort())
    expect(await nodes[0].mesh.queues.size('work', Q)).toBe(0)
  }, 300_000)

  it('the minority side of a partition refuses (QuorumUnavailableError); the majority goes on', async () => {
    nodes = await startQuorumCluster(3, { syncIntervalMs: 300 })
    await nodes[0].mesh.queues.push('jobs', 'a', Q)
    await partition([nodes[0], nodes[1]], [nodes[2]])
    await expect(nodes[2].mesh.queues.pop('jobs', Q)).rejects.toMatchObject({ name: 'QuorumUnavailableError' })
    const item = await nodes[0].mesh.queues.pop('jobs', Q)
    expect(item && new TextDecoder().decode(item.data)).toBe('a')
  })
})
