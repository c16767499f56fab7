/**
 * A fresh node joining two nodes that hold `keys` keys: the time until it holds them all (anti-
 * entropy alone: gossip carries nothing old) and the CPU time every node in this process spent
 * meanwhile (what the wall time comes down to on an idle machine), then the time of a round
 * between two of them once equal (what a periodic round costs on an unchanged store). `npx tsx bench/fresh-sync.ts [keys]`.
 */
import { fileURLToPath } from 'node:url'
import { startNode, stopAll, eventually, type Node } from '../sim/cluster.js'
import { summary } from './stats.js'

export async function benchFreshSync (keys: number): Promise<{ keys: number, ms: number, cpuMs: number, unchangedRound: ReturnType<typeof summary> }> {
  const nodes: Node[] = []
  try {
    // an established pair (so the writer's delivery ledger is empty, as in a running mesh), then a newcomer
    const a = await startNode({ syncIntervalMs: Infinity })
    const c = await startNode({ syncIntervalMs: Infinity, bootstrap: [a.mesh.multiaddrs[0]] })
    nodes.push(a, c)
    await a.mesh.waitForPeers(1, { timeout: 30_000 })
    const value = 'v'.repeat(100)
    for (let i = 0; i < keys; i++) await a.mesh.set(`user:${String(i).padStart(10, '0')}`, value, { ttl: 3_600_000 })
    await eventually(() => c.mesh.stats().entries >= keys, 'the second node holds every key', 120_000, 5)
    await a.mesh.flush()
    const t = performance.now()
    const cpu = process.cpuUsage()
    if (process.env.MESHKV_BENCH_MARK === '1') console.error(`fresh node starts at ${Math.round(t)} ms`)
    const b = await startNode({ syncIntervalMs: Infinity, bootstrap: [a.mesh.multiaddrs[0]] })
    nodes.push(b)
    const started = performance.now() - t
    let first = 0
    await eventually(() => { const n = b.mesh.stats().entries; if (n > 0 && first === 0) first = performance.now() - t; return n >= keys }, 'the fresh node holds every key', 120_000, 2)
    const ms = performance.now() - t
    const used = process.cpuUsage(cpu)
    const cpuMs = (used.user + used.system) / 1000
    if (process.env.MESHKV_BENCH_MARK === '1') console.error(`started ${Math.round(started)} ms, first entries ${Math.round(first)} ms, all ${Math.round(ms)} ms`)
    const rounds: number[] = []
    for (let i = 0; i < 20; i++) { // a peer serves at most 30 rounds per 10 s to one peer
      const t0 = performance.now()
      const r = await b.mesh.sync(a.mesh.peerId)
      if (r === undefined || r.diff !== 0) throw new Error(`the round did not find the states equal: ${JSON.stringify(r)}`)
      rounds.push(performance.now() - t0)
    }
    return { keys, ms, cpuMs, unchangedRound: summary(rounds) }
  } finally {
    await stopAll(nodes)
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(JSON.stringify(await benchFreshSync(Number(process.argv[2] ?? 100_000))))
  process.exit(0)
}
