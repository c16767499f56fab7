/**
 * Counters: gossip-mode `inc` throughput on one node of a 3-node mesh (and the time until every
 * node counts them all), quorum-mode `inc` latency with 3 and 5 quorum members, beside the
 * library's own `set` and Redis `INCR` on loopback measured in the same run (when redis-server is
 * installed).
 */
import { spawn, spawnSync } from 'node:child_process'
import { setTimeout as sleep } from 'node:timers/promises'
import { startCluster, stopAll } from '../sim/cluster.js'
import { startQuorumCluster } from '../sim/quorum-cluster.js'
import { freePort } from './locks.js'
import { summary } from './stats.js'

export interface CounterFigures {
  /** Gossip-mode incs per second from one node, each awaited. */
  gossipIncPerSecond: number
  /** mesh.set per second from the same node, same run. */
  setPerSecond: number
  /** From the first inc until every node reads the total, ms. */
  gossipConvergeMs: number
  /** Quorum-mode inc latency by member count (`<n>`: from one node; `<n> rotating`: each inc from the next member), or why it was not measured. */
  quorum: Record<string, ReturnType<typeof summary> | string>
  /** Redis INCR, one client on loopback: per second and latency; or why not. */
  redis: { perSecond: number, latency: ReturnType<typeof summary> } | string
}

async function gossip (n: number): Promise<Pick<CounterFigures, 'gossipIncPerSecond' | 'setPerSecond' | 'gossipConvergeMs'>> {
  const nodes = await startCluster(3, { mdns: false })
  try {
    const a = nodes[0].mesh
    for (let i = 0; i < 200; i++) { await a.counters.inc('warm'); await a.set(`warm:${i}`, 'x') }
    let t = performance.now()
    for (let i = 0; i < n; i++) await a.set(`k:${i % 1000}`, String(i))
    const setPerSecond = n / ((performance.now() - t) / 1000)
    t = performance.now()
    for (let i = 0; i < n; i++) await a.counters.inc('hits')
    const gossipIncPerSecond = n / ((performance.now() - t) / 1000)
    for (;;) {
      const seen = await Promise.all(nodes.map(async x => x.mesh.counters.get('hits')))
      if (seen.every(v => v === n)) break
      await sleep(5)
    }
    return { gossipIncPerSecond, setPerSecond, gossipConvergeMs: performance.now() - t }
  } finally {
    await stopAll(nodes)
  }
}

async function quorum (size: number, rounds: number): Promise<{ one: ReturnType<typeof summary>, rotating: ReturnType<typeof summary> } | string> {
  const nodes = await startQuorumCluster(size)
  try {
    const first = await nodes[0].mesh.counters.inc('probe', { mode: 'quorum' }).then(() => undefined, (err: Error) => err.name)
    if (first !== undefined) return `quorum mode failed here (${first})`
    // from one node (its proposer keeps the register's ballot: one round trip), then from each member in turn
    const timed = async (key: string, from: (i: number) => number): Promise<ReturnType<typeof summary>> => {
      const lat: number[] = []
      for (let i = 0; i < rounds; i++) {
        const t = performance.now()
        await nodes[from(i)].mesh.counters.inc(key, { mode: 'quorum' })
        lat.push(performance.now() - t)
      }
      return summary(lat)
    }
    return { one: await timed('one', () => 0), rotating: await timed('rotating', i => i % size) }
  } finally {
    await stopAll(nodes)
  }
}

async function redis (n: number): Promise<CounterFigures['redis']> {
  if (spawnSync('redis-server', ['--version']).status !== 0) return 'redis-server is not installed (apt-get install redis-server)'
  const port = await freePort()
  const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
  try {
    const { createClient } = await import('redis')
    let c
    for (let attempt = 0; ; attempt++) {
      try {
        c = createClient({ socket: { host: '127.0.0.1', port, reconnectStrategy: false } })
        await c.connect()
        break
      } catch (err) {
        if (attempt > 50) throw err
        await sleep(50)
      }
    }
    for (let i = 0; i < 200; i++) await c.incr('warm')
    const lat: number[] = []
    const t = performance.now()
    for (let i = 0; i < n; i++) {
      const s = performance.now()
      await c.incr('hits')
      lat.push(performance.now() - s)
    }
    const perSecond = n / ((performance.now() - t) / 1000)
    await c.quit()
    return { perSecond, latency: summary(lat) }
  } finally {
    server.kill()
  }
}

export async function benchCounters (n: number, rounds: number): Promise<CounterFigures> {
  const g = await gossip(n)
  const q: CounterFigures['quorum'] = {}
  for (const size of [3, 5]) {
    const r = await quorum(size, rounds)
    if (typeof r === 'string') q[String(size)] = r
    else { q[String(size)] = r.one; q[`${size} rotating`] = r.rotating }
  }
  return { ...g, quorum: q, redis: await redis(n) }
}
