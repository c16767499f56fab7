/**
 * The cost of an acknowledgement: `set` latency with `replicas: 1` (and 2) beside `replicas: 0`
 * on the same nodes in the same run, one write at a time (the three interleaved, so a load
 * change on the machine hits each alike), and the write rate with 64 writes in flight until
 * `flush()` says a peer holds every one (acknowledgements batched per peer).
 */
import { startCluster, stopAll } from '../sim/cluster.js'
import { summary } from './stats.js'

export interface ReplicaFigures {
  nodes: number
  /** Latency of one awaited set, by `replicas`. */
  latency: Record<string, ReturnType<typeof summary>>
  /** Writes per second with 64 in flight, until a peer holds them all (flush), by `replicas`. */
  perSecond: Record<string, number>
}

export async function benchReplicas (size: number, count: number): Promise<ReplicaFigures> {
  const nodes = await startCluster(size, { mdns: false })
  try {
    const writer = nodes[0].mesh
    const levels = size >= 3 ? [0, 1, 2] : [0, 1]
    const samples = new Map<number, number[]>(levels.map(r => [r, []]))
    for (let i = 0; i < count + 20; i++) {
      for (const r of levels) {
        const t = performance.now()
        await writer.set(`rep${r}:${i}`, 'x'.repeat(32), { ttl: 600_000, replicas: r })
        if (i >= 20) samples.get(r)?.push(performance.now() - t) // the first 20 warm up
        await new Promise(resolve => setTimeout(resolve, 2))
      }
    }
    const perSecond: Record<string, number> = {}
    const n = Math.max(count * 4, 1_000)
    for (const r of levels) {
      let next = 0
      const t = performance.now()
      await Promise.all(Array.from({ length: 64 }, async () => {
        while (next < n) {
          const i = next++
          await writer.set(`tp${r}:${i}`, 'x'.repeat(32), { ttl: 600_000, replicas: r })
        }
      }))
      await writer.flush({ timeout: 120_000 }) // until a peer holds every write, for replicas 0 too
      perSecond[`replicas${r}`] = n / ((performance.now() - t) / 1000)
    }
    const latency: Record<string, ReturnType<typeof summary>> = {}
    for (const r of levels) latency[`replicas${r}`] = summary(samples.get(r) ?? [])
    return { nodes: size, latency, perSecond }
  } finally {
    await stopAll(nodes)
  }
}
