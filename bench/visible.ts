/**
 * Set-to-visible alone (`npx tsx bench/visible.ts [nodes] [writes]`), for profiling the write
 * path: `node --cpu-prof --import tsx bench/visible.ts 3 2000`, then `npx tsx bench/profile.ts
 * <file>.cpuprofile` summarises where the time went.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { startCluster, stopAll } from '../sim/cluster.js'
import type { MeshOptions } from '../src/index.js'
import { summary } from './stats.js'

/** `count` writes one at a time on the first of `size` nodes, each until every other node sees it (ms). */
export async function setToVisible (size: number, count: number, options: MeshOptions = {}): Promise<ReturnType<typeof summary> & { cpuUsPerWrite: number }> {
  const nodes = await startCluster(size, { mdns: false, ...options })
  try {
    const writer = nodes[0].mesh
    const peers = nodes.slice(1)
    const samples: number[] = []
    let cpu = process.cpuUsage()
    for (let i = 0; i < count + 20; i++) {
      if (i === 20) cpu = process.cpuUsage()
      const key = `vis:${i}`
      const t = performance.now()
      const seen = Promise.all(peers.map(async p => p.mesh.waitFor(key)))
      await writer.set(key, 'x', { ttl: 60_000 })
      await seen
      if (i >= 20) samples.push(performance.now() - t) // first 20 warm up
      await sleep(2)
    }
    const used = process.cpuUsage(cpu)
    // the CPU every node in this process spent per write (the 2 ms pauses are idle): what latency cannot go below on an idle machine
    return { ...summary(samples), cpuUsPerWrite: (used.user + used.system) / count }
  } finally {
    await stopAll(nodes)
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const size = Number(process.argv[2] ?? 3)
  const count = Number(process.argv[3] ?? 500)
  console.log(JSON.stringify(await setToVisible(size, count)))
  process.exit(0)
}
