/**
 * Logs on real nodes: both sides of a partition append, and after the heal every node reads the
 * same log in the same order; a watcher on a third node sees every record exactly once.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { eventually, heal, partition, reconnect } from '../../sim/cluster.js'
import { startMesh, stopAll, type Node } from './helpers.js'

let nodes: Node[] = []
afterEach(async () => { await stopAll(nodes); nodes = [] })

const text = (b: Uint8Array): string => new TextDecoder().decode(b)

describe('logs on real nodes', () => {
  it('converge after a partition: the same records in the same order everywhere; a watch misses none and repeats none', async () => {
    nodes = await startMesh(3)
    const [a, b, c] = nodes
    const ac = new AbortController()
    const watched: string[] = []
    const watching = (async () => {
      for await (const r of c.mesh.logs.watch('events', { signal: ac.signal })) watched.push(text(r.data))
    })()
    await a.mesh.logs.append('events', 'before')
    await partition([a], [b, c])
    for (let i = 0; i < 20; i++) {
      await a.mesh.logs.append('events', `a${i}`)
      await b.mesh.logs.append('events', `b${i}`)
    }
    heal(nodes)
    await reconnect(nodes)
    const expected = 41
    await eventually(() => watched.length >= expected, 'the watcher saw every record')
    const logs = await Promise.all(nodes.map(async n => {
      let records = await n.mesh.logs.range('events')
      const deadline = Date.now() + 15_000
      while (records.length < expected && Date.now() < deadline) {
        await new Promise(resolve => setTimeout(resolve, 50))
        records = await n.mesh.logs.range('events')
      }
      return records
    }))
    for (const l of logs) expect(l.map(r => r.position)).toEqual(logs[0].map(r => r.position))
    expect(logs[0]).toHaveLength(expected)
    // each side's own records keep their order
    const order = logs[0].map(r => text(r.data))
    expect(order.filter(x => x.startsWith('a'))).toEqual(Array.from({ length: 20 }, (_, i) => `a${i}`))
    expect(order[0]).toBe('before')
    ac.abort()
    await watching
    expect(watched).toHaveLength(expected)
    expect(new Set(watched).size).toBe(expected)
    // a watcher resuming from the last position it saw replays nothing
    const last = logs[0][expected - 1].position
    expect(await c.mesh.logs.range('events', { since: last })).toEqual([])
  })
})
