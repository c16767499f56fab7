/**
 * Lock acquire latency: uncontended and under contention by 5 nodes, gossip and quorum mode,
 * beside Redis `SET NX PX` on loopback in the same run when redis-server is installed; and
 * fairness: how the holds of 5 looping contenders are shared out.
 */
import { spawn, spawnSync } from 'node:child_process'
import { createServer } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { LockUnavailableError, type Lease } from '../src/index.js'
import { startCluster, stopAll } from '../sim/cluster.js'
import { summary } from './stats.js'

export interface LockFigures {
  mode: string
  uncontended: ReturnType<typeof summary>
  contended: ReturnType<typeof summary>
}

export async function freePort (): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.listen(0, '127.0.0.1', () => { const port = (s.address() as { port: number }).port; s.close(() => resolve(port)) })
    s.on('error', reject)
  })
}

export async function benchMeshLocks (rounds: number): Promise<LockFigures[]> {
  const nodes = await startCluster(5, { mdns: false, maxLeaseTtlMs: 2_000 })
  try {
    const members = nodes.map(n => n.mesh.peerId)
    await sleep(2_100) // acceptors grant nothing for one max lease TTL after start
    const out: LockFigures[] = []
    for (const mode of ['gossip', 'quorum'] as const) {
      const opts = { ttl: 2_000, mode, quorum: mode === 'quorum' ? { members } : undefined }
      const un: number[] = []
      for (let i = 0; i < rounds; i++) {
        const n = nodes[i % nodes.length].mesh
        const t = performance.now()
        const lease = await n.lock(`${mode}-u-${i}`, opts)
        un.push(performance.now() - t)
        await lease.release()
      }
      const co: number[] = []
      for (let i = 0; i < rounds; i++) {
        const t = performance.now()
        const results = await Promise.allSettled(nodes.map(async (x, j) => x.mesh.lock(`${mode}-c-${i}`, { ...opts, owner: `agent-${j}` })))
        co.push(performance.now() - t)
        const won = results.filter((r): r is PromiseFulfilledResult<Lease> => r.status === 'fulfilled')
        for (const r of results) if (r.status === 'rejected' && !(r.reason instanceof LockUnavailableError)) throw r.reason
        if (won.length > 1) throw new Error(`${mode}: ${won.length} holders under contention`)
        await Promise.all(won.map(async w => w.value.release()))
      }
      out.push({ mode: `meshkv ${mode}`, uncontended: summary(un), contended: summary(co) })
    }
    return out
  } finally {
    await stopAll(nodes)
  }
}

export interface FairnessFigures {
  mode: string
  /** Holds per contender, contender 0 first. */
  holds: number[]
  /** From one holder's release to the next holder's acquisition, ms. */
  handoff: ReturnType<typeof summary>
  holdsPerSecond: number
}

/**
 * Five contenders, one per node, each in a loop: acquire with `wait`, hold `holdMs`, release, at
 * once acquire again; until `total` holds. The releaser is always first to see the lock free, so
 * without the wait queue it takes the lock back every time (issue 10, finding 10).
 */
export async function benchLockFairness (total: number, holdMs = 5): Promise<FairnessFigures[]> {
  const nodes = await startCluster(5, { mdns: false, maxLeaseTtlMs: 2_000 })
  try {
    const members = nodes.map(n => n.mesh.peerId)
    await new Promise(resolve => setTimeout(resolve, 2_100)) // acceptors grant nothing for one max lease TTL after start
    const out: FairnessFigures[] = []
    for (const mode of ['gossip', 'quorum'] as const) {
      const holds = Array<number>(nodes.length).fill(0)
      const handoffs: number[] = []
      let count = 0
      let releasedAt: number | undefined
      const started = performance.now()
      await Promise.all(nodes.map(async (n, i) => {
        while (count < total) {
          const lease = await n.mesh.lock(`fair-${mode}`, { ttl: 2_000, owner: `agent-${i}`, wait: 30_000, mode, quorum: mode === 'quorum' ? { members } : undefined })
          if (releasedAt !== undefined) handoffs.push(performance.now() - releasedAt)
          if (count++ < total) holds[i]++
          await new Promise(resolve => setTimeout(resolve, holdMs))
          releasedAt = performance.now()
          await lease.release()
        }
      }))
      out.push({ mode: `meshkv ${mode}`, holds, handoff: summary(handoffs), holdsPerSecond: total / ((performance.now() - started) / 1000) })
    }
    return out
  } finally {
    await stopAll(nodes)
  }
}

/** Redis SET NX PX on loopback, or the reason it could not run. */
export async function benchRedisLocks (rounds: number): Promise<LockFigures | string> {
  if (spawnSync('redis-server', ['--version']).status !== 0) return 'redis-server is not installed (apt-get install redis-server)'
  const port = await freePort()
  const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
  try {
    const { createClient } = await import('redis')
    const clients = await Promise.all(Array.from({ length: 5 }, async () => {
      for (let attempt = 0; ; attempt++) {
        try {
          const c = createClient({ socket: { host: '127.0.0.1', port, reconnectStrategy: false } })
          await c.connect()
          return c
        } catch (err) {
          if (attempt > 50) throw err
          await sleep(50)
        }
      }
    }))
    const un: number[] = []
    for (let i = 0; i < rounds; i++) {
      const t = performance.now()
      const ok = await clients[0].set(`u-${i}`, 'agent', { NX: true, PX: 2_000 })
      un.push(performance.now() - t)
      if (ok !== 'OK') throw new Error('redis SET NX failed uncontended')
      await clients[0].del(`u-${i}`)
    }
    const co: number[] = []
    for (let i = 0; i < rounds; i++) {
      const t = performance.now()
      const replies = await Promise.all(clients.map(async (c, j) => c.set(`c-${i}`, `agent-${j}`, { NX: true, PX: 2_000 })))
      co.push(performance.now() - t)
      if (replies.filter(r => r === 'OK').length !== 1) throw new Error('redis: not exactly one holder')
    }
    await Promise.all(clients.map(async c => c.quit()))
    return { mode: 'redis SET NX PX', uncontended: summary(un), contended: summary(co) }
  } finally {
    server.kill()
  }
}
