/**
 * Queues: push / pop+ack throughput on one node (gossip mode) beside `mesh.set` in the same run,
 * quorum mode on 3 nodes when the mesh has the quorum engine, the gossip-mode double-delivery
 * window (two nodes draining one queue at once: how many items both got), and the wall time of
 * the review-queue scenario (examples/shell/review-queue.sh, five shell agents through a daemon).
 */
import { spawnSync } from 'node:child_process'
import { setTimeout as sleep } from 'node:timers/promises'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startCluster, startNode, stopAll } from '../sim/cluster.js'
import { startQuorumCluster } from '../sim/quorum-cluster.js'
import type { Mesh } from '../src/index.js'
import { summary } from './stats.js'

const ROOT = join(import.meta.dirname, '..')

export interface QueueThroughput {
  pushPerSec: number
  popAckPerSec: number
  setPerSec: number
}

async function throughput (mesh: Mesh, n: number, mode: 'gossip' | 'quorum', name: string): Promise<{ push: number, popAck: number }> {
  let t = performance.now()
  for (let i = 0; i < n; i++) await mesh.queues.push(name, `item-${i}`, { mode })
  const push = n / ((performance.now() - t) / 1000)
  t = performance.now()
  for (let i = 0; i < n; i++) {
    const item = await mesh.queues.pop(name, { mode })
    if (item === undefined) throw new Error(`${mode}: queue ran dry after ${i} of ${n}`)
    await mesh.queues.ack(name, item.receipt, { mode })
  }
  return { push, popAck: n / ((performance.now() - t) / 1000) }
}

/** Gossip mode on one node, beside `mesh.set` (one write each) in the same run. */
export async function benchQueueThroughput (n: number): Promise<QueueThroughput> {
  const node = await startNode({ mdns: false })
  try {
    const mesh = node.mesh
    const t = performance.now()
    for (let i = 0; i < n; i++) await mesh.set(`bench:set:${i}`, `item-${i}`)
    const setPerSec = n / ((performance.now() - t) / 1000)
    const g = await throughput(mesh, n, 'gossip', 'bench')
    return { pushPerSec: g.push, popAckPerSec: g.popAck, setPerSec }
  } finally {
    await stopAll([node])
  }
}

/** Quorum mode on 3 nodes (all members): one producer and one consumer, then pops from each node in turn. */
export async function benchQuorumQueue (n: number): Promise<{ pushPerSec: number, popAckPerSec: number, pop: ReturnType<typeof summary> } | string> {
  const nodes = await startQuorumCluster(3, { mdns: false })
  try {
    const mesh = nodes[0].mesh
    try {
      await mesh.queues.size('probe', { mode: 'quorum' })
    } catch (err) {
      return `quorum mode not run: ${(err as Error).name}`
    }
    const q = await throughput(mesh, n, 'quorum', 'bench-q')
    for (let i = 0; i < n; i++) await mesh.queues.push('bench-q2', `${i}`, { mode: 'quorum' })
    const samples: number[] = []
    for (let i = 0; i < n; i++) {
      const t = performance.now()
      await nodes[i % 3].mesh.queues.pop('bench-q2', { mode: 'quorum' })
      samples.push(performance.now() - t)
    }
    return { pushPerSec: q.push, popAckPerSec: q.popAck, pop: summary(samples) }
  } finally {
    await stopAll(nodes)
  }
}

/**
 * The gossip-mode double-delivery window: `items` pushed on one node and replicated to a second,
 * then both drain the queue at once, each working `workMs` per item. Counts the items both nodes got.
 */
export async function benchDoubleDelivery (items: number, workMs: number): Promise<{ items: number, workMs: number, twice: number, perNode: number[] }> {
  const nodes = await startCluster(2, { mdns: false })
  try {
    const [a, b] = nodes.map(n => n.mesh)
    for (let i = 0; i < items; i++) await a.queues.push('dd', `${i}`, { ttl: 600_000 })
    const deadline = Date.now() + 30_000
    while (await b.queues.size('dd') < items) {
      if (Date.now() > deadline) throw new Error('the items did not replicate')
      await new Promise(resolve => setTimeout(resolve, 10))
    }
    const got = await Promise.all([a, b].map(async m => {
      const ids: string[] = []
      for (;;) {
        const item = await m.queues.pop('dd', { visibilityTimeout: 600_000 })
        if (item === undefined) return ids
        ids.push(item.id)
        await sleep(workMs) // the work (and a turn of the event loop, where gossip comes in)
        await m.queues.ack('dd', item.receipt)
      }
    }))
    const seen = new Set(got[0])
    const twice = got[1].filter(id => seen.has(id)).length
    return { items, workMs, twice, perNode: got.map(g => g.length) }
  } finally {
    await stopAll(nodes)
  }
}

/** examples/shell/review-queue.sh end to end against a fresh daemon: wall time, and the pushes alone. */
export function benchReviewQueue (): { wallMs: number, output: string } | string {
  const dir = mkdtempSync(join(tmpdir(), 'meshkv-bench-rq-'))
  const env = { ...process.env, MESHKV_RUNTIME_DIR: dir, MESHKV_STATE_DIR: join(dir, 'state'), MESHKV_MDNS: 'false', MESHKV_LISTEN: '/ip4/127.0.0.1/tcp/0' }
  try {
    spawnSync('npx', ['--no-install', 'meshkv', 'status'], { env, cwd: ROOT, encoding: 'utf8' }) // start the daemon outside the timing
    const t = performance.now()
    const r = spawnSync('bash', [join(ROOT, 'examples', 'shell', 'review-queue.sh')], { env, cwd: ROOT, encoding: 'utf8', timeout: 300_000 })
    const wallMs = performance.now() - t
    if (r.status !== 0) return `failed: ${r.stderr.slice(0, 200)}`
    return { wallMs, output: r.stdout }
  } finally {
    spawnSync('npx', ['--no-install', 'meshkv', 'daemon', 'stop'], { env, cwd: ROOT })
    rmSync(dir, { recursive: true, force: true })
  }
}
