/**
 * Set-to-visible alone (`npx tsx bench/visible.ts [nodes] [writes] [no-baseline]`), for profiling
 * the write path: `node --cpu-prof --import tsx bench/visible.ts 3 3000 no-baseline`, then `npx
 * tsx bench/profile.ts <file>.cpuprofile 30 4000` summarises where the time went.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import type { GossipSub } from '@libp2p/gossipsub'
import { Entry } from '../src/core/entry.js'
import { encodeBatch } from '../src/net/codec.js'
import { startCluster, stopAll } from '../sim/cluster.js'
import type { Mesh, MeshOptions } from '../src/index.js'
import { summary } from './stats.js'

type Summary = ReturnType<typeof summary>

export interface Visible extends Summary {
  /** CPU time of the whole process (every node) per write, µs. */
  cpuUsPerWrite: number
  /** Gossip messages the writer published per write (0 when pushes to a clique carried them all). */
  gossipPerWrite: number
  /** Baseline: the same writes as single-entry batches published on the topic (signed gossip, every peer verifies). */
  gossip: Summary & { cpuUsPerWrite: number }
}

/**
 * Writes before the timed ones: the code warms up (JIT) and the mesh settles (the nodes learn
 * each other's views 200 ms after connecting: until then writes go by gossip; see neighbourhood.ts).
 */
const WARM_UP = 200

/** Times `count` writes (after WARM_UP ones), each until every peer has it; 2 ms apart. */
async function timed (count: number, peers: Mesh[], write: (key: string) => Promise<void>, prefix: string): Promise<Summary & { cpuUsPerWrite: number }> {
  const samples: number[] = []
  let cpu = process.cpuUsage()
  for (let i = 0; i < count + WARM_UP; i++) {
    if (i === WARM_UP) cpu = process.cpuUsage()
    const key = `${prefix}:${i}`
    const t = performance.now()
    const seen = Promise.all(peers.map(async p => p.waitFor(key)))
    await write(key)
    await seen
    if (i >= WARM_UP) samples.push(performance.now() - t)
    await sleep(2)
  }
  const used = process.cpuUsage(cpu)
  // the CPU every node in this process spent per write (the 2 ms pauses are idle): what latency cannot go below on an idle machine
  return { ...summary(samples), cpuUsPerWrite: (used.user + used.system) / count }
}

/**
 * `count` writes one at a time on the first of `size` nodes, each until every other node sees it
 * (ms); then (unless `baseline` is false: a profile of the write path alone) the gossip baseline.
 */
export async function setToVisible (size: number, count: number, options: MeshOptions = {}, baseline = true): Promise<Visible> {
  const nodes = await startCluster(size, { mdns: false, ...options })
  try {
    const writer = nodes[0].mesh
    const peers = nodes.slice(1).map(n => n.mesh)
    let out0 = 0
    const s = await timed(count, peers, async key => {
      if (key === `vis:${WARM_UP}`) out0 = writer.stats().messagesOut
      await writer.set(key, 'x', { ttl: 60_000 })
    }, 'vis')
    const gossipPerWrite = (writer.stats().messagesOut - out0) / count
    if (!baseline) return { ...s, gossipPerWrite, gossip: { ...summary([0]), cpuUsPerWrite: 0 } }
    // baseline: each write published alone on the mesh topic as gossipsub does it (signed by the
    // writer, verified by every peer, relayed), through the same validation and merge
    const pubsub = (writer.libp2p.services as { pubsub: GossipSub }).pubsub
    const topic = pubsub.getTopics()[0]
    const value = new TextEncoder().encode('x')
    let counter = 0
    const gossip = await timed(count, peers, async key => {
      const wall = Date.now()
      await pubsub.publish(topic, encodeBatch([new Entry({ key, value, wall, counter: counter++ % 65_536, origin: writer.peerId, expiresAt: wall + 60_000 })]))
    }, 'gossip')
    return { ...s, gossipPerWrite, gossip }
  } finally {
    await stopAll(nodes)
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const size = Number(process.argv[2] ?? 3)
  const count = Number(process.argv[3] ?? 500)
  console.log(JSON.stringify(await setToVisible(size, count, {}, process.argv[4] !== 'no-baseline')))
  process.exit(0)
}
