/**
 * Counters, sets and conditional writes in quorum mode on real nodes (5 quorum members on
 * loopback): unique increments under concurrency, bounded decrements that never cross their
 * bound, exact "was new", compare-and-set with one winner; the minority side of a partition
 * refuses.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { ConditionFailedError, CounterBoundError, QuorumUnavailableError } from '../../src/index.js'
import { partition, stopAll, type Node } from '../../sim/cluster.js'
import { startQuorumCluster } from '../../sim/quorum-cluster.js'

let nodes: Node[] = []
afterEach(async () => { await stopAll(nodes); nodes = [] })

describe('quorum-mode data types on 5 real nodes', () => {
  it('20 concurrent inc on each of 5 nodes give 100 distinct values, 1..100', async () => {
    nodes = await startQuorumCluster(5, { syncIntervalMs: 300 })
    const values = (await Promise.all(nodes.map(async n => Promise.all(Array.from({ length: 20 }, async () => n.mesh.counters.inc('ids', { mode: 'quorum' })))))).flat()
    expect(values.sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1))
    for (const n of nodes) expect(await n.mesh.counters.get('ids', { mode: 'quorum' })).toBe(100)
  })

  it('dec --min 0 never goes below zero under contention: exactly the permits are taken', async () => {
    nodes = await startQuorumCluster(5, { syncIntervalMs: 300 })
    await nodes[0].mesh.counters.inc('permits', { by: 7, mode: 'quorum' })
    const outcomes = (await Promise.all(nodes.map(async n => Promise.allSettled(Array.from({ length: 6 }, async () => n.mesh.counters.dec('permits', { min: 0, mode: 'quorum' })))))).flat()
    const taken = outcomes.filter((o): o is PromiseFulfilledResult<number> => o.status === 'fulfilled').map(o => o.value)
    expect(taken.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6])
    for (const o of outcomes) if (o.status === 'rejected') expect(o.reason).toBeInstanceOf(CounterBoundError)
    expect(await nodes[3].mesh.counters.get('permits', { mode: 'quorum' })).toBe(0)
  })

  it('sets: of concurrent adders of one member exactly one sees it new; ifNotExists has one winner', async () => {
    nodes = await startQuorumCluster(5, { syncIntervalMs: 300 })
    const added = await Promise.all(nodes.flatMap(n => [0, 1].map(async () => n.mesh.sets.add('hooks', 'evt-1', { mode: 'quorum' }))))
    expect(added.filter(x => x === 1)).toHaveLength(1)
    expect(await nodes[2].mesh.sets.members('hooks', { mode: 'quorum' })).toEqual(['evt-1'])
    const writes = await Promise.allSettled(nodes.map(async (n, i) => n.mesh.set('leader', `n${i}`, { ifNotExists: true, mode: 'quorum' })))
    expect(writes.filter(w => w.status === 'fulfilled')).toHaveLength(1)
    for (const w of writes) if (w.status === 'rejected') expect(w.reason).toBeInstanceOf(ConditionFailedError)
  })

  it('the minority side of a partition refuses (QuorumUnavailableError); the majority goes on', async () => {
    nodes = await startQuorumCluster(5, { syncIntervalMs: 300 })
    await nodes[0].mesh.counters.inc('c', { mode: 'quorum' })
    await partition(nodes.slice(0, 3), nodes.slice(3))
    expect(await nodes[0].mesh.counters.inc('c', { mode: 'quorum' })).toBe(2)
    await expect(nodes[4].mesh.counters.inc('c', { mode: 'quorum' })).rejects.toBeInstanceOf(QuorumUnavailableError)
  })
})
