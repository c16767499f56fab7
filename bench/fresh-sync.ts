/**
 * A fresh node joining two nodes that hold `keys` keys: the time until it holds them all (anti-
 * entropy alone: gossip carries nothing old), the CPU time every node in this process spent
 * meanwhile (what the wall time comes down to on an idle machine) and the sync rounds the fresh
 * node took part in; then the time of a round between two of them once equal (what a periodic
 * round costs on an unchanged store). Baseline, in the same run: the same versions, encoded as
 * sync frames, sent over one libp2p stream between the same two nodes (noise and yamux, no
 * decoding or merging): the transport's floor. `npx tsx bench/fresh-sync.ts [keys]`.
 */
import { lpStream } from '@libp2p/utils'
import { fileURLToPath } from 'node:url'
import { Entry } from '../src/core/entry.js'
import { encodeFrameWithEntries } from '../src/net/entry-writer.js'
import { SyncFrame } from '../src/net/proto/meshkv.js'
import { WIRE_VERSION } from '../src/net/codec.js'
import { startNode, stopAll, eventually, type Node } from '../sim/cluster.js'
import { summary } from './stats.js'

const TTL_MS = 3_600_000
const key = (i: number): string => `user:${String(i).padStart(10, '0')}`

export interface FreshSyncResult {
  keys: number
  ms: number
  cpuMs: number
  /** Sync rounds the fresh node initiated or served until it held every key. */
  rounds: number
  /** The baseline: the same versions as sync frames over one stream, and their bytes. */
  transport: { ms: number, cpuMs: number, bytes: number }
  unchangedRound: ReturnType<typeof summary>
}

export async function benchFreshSync (keys: number): Promise<FreshSyncResult> {
  const nodes: Node[] = []
  try {
    // an established pair (so the writer's delivery ledger is empty, as in a running mesh), then a newcomer
    const a = await startNode({ syncIntervalMs: Infinity })
    const c = await startNode({ syncIntervalMs: Infinity, bootstrap: [a.mesh.multiaddrs[0]] })
    nodes.push(a, c)
    await a.mesh.waitForPeers(1, { timeout: 30_000 })
    const value = 'v'.repeat(100)
    for (let i = 0; i < keys; i++) await a.mesh.set(key(i), value, { ttl: TTL_MS })
    await eventually(() => c.mesh.stats().entries >= keys, 'the second node holds every key', 120_000, 5)
    await a.mesh.flush()
    // and until the writer's push traffic of the writes (offers of what gossip delivered) is over
    await quiet(() => a.mesh.stats().replication.framesOut)
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
    const syncs = b.mesh.stats().syncs
    const rounds = syncs.initiated + syncs.served
    if (process.env.MESHKV_BENCH_MARK === '1') console.error(`started ${Math.round(started)} ms, first entries ${Math.round(first)} ms, all ${Math.round(ms)} ms`)
    const times: number[] = []
    for (let i = 0; i < 20; i++) { // a peer serves at most 30 rounds per 10 s to one peer
      const t0 = performance.now()
      const r = await b.mesh.sync(a.mesh.peerId)
      if (r === undefined || r.diff !== 0) throw new Error(`the round did not find the states equal: ${JSON.stringify(r)}`)
      times.push(performance.now() - t0)
    }
    const transport = await sendFrames(a, b, keys, new TextEncoder().encode(value))
    return { keys, ms, cpuMs, rounds, transport, unchangedRound: summary(times) }
  } finally {
    await stopAll(nodes)
  }
}

/** Waits until `count` has not moved for 300 ms (at most 10 s). */
async function quiet (count: () => number): Promise<void> {
  const deadline = Date.now() + 10_000
  let last = count()
  let since = Date.now()
  while (Date.now() - since < 300 && Date.now() < deadline) {
    await new Promise(resolve => setTimeout(resolve, 20))
    if (count() !== last) { last = count(); since = Date.now() }
  }
}

/** The baseline: versions like those synced (`keys` of them), as sync frames of 5,000, over one stream to `to`; timed until `to` read the last. */
async function sendFrames (from: Node, to: Node, keys: number, value: Uint8Array): Promise<FreshSyncResult['transport']> {
  const wall = Date.now()
  const versions = Array.from({ length: keys }, (_, i) => new Entry({ key: key(i), value, wall, counter: 0, origin: from.mesh.peerId, expiresAt: wall + TTL_MS }))
  const head = SyncFrame.encode({ version: WIRE_VERSION, kind: SyncFrame.Kind.PUSH, bucketCount: 0, buckets: new Uint8Array(0), diff: [], origins: [], entries: [], want: [], last: false, full: false, more: false, whole: false })
  const frames: Uint8Array[] = []
  for (let i = 0; i < versions.length; i += 5_000) frames.push(encodeFrameWithEntries(head, versions.slice(i, i + 5_000), true))
  const bytes = frames.reduce((n, f) => n + f.byteLength, 0)
  const protocol = '/meshkv-bench/frames/1.0.0'
  let done: () => void = () => {}
  const received = new Promise<void>(resolve => { done = resolve })
  await to.mesh.libp2p.handle(protocol, async (stream) => {
    const lp = lpStream(stream, { maxDataLength: 4 * 1024 * 1024 })
    for (let n = 0; n < frames.length; n++) await lp.read()
    done()
    await stream.close()
  })
  const t = performance.now()
  const cpu = process.cpuUsage()
  const stream = await from.mesh.libp2p.dialProtocol(to.mesh.libp2p.peerId, protocol)
  const lp = lpStream(stream, { maxDataLength: 4 * 1024 * 1024 })
  for (const f of frames) await lp.write(f)
  await received
  const ms = performance.now() - t
  const used = process.cpuUsage(cpu)
  await stream.close()
  return { ms, cpuMs: (used.user + used.system) / 1000, bytes }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(JSON.stringify(await benchFreshSync(Number(process.argv[2] ?? 100_000))))
  process.exit(0)
}
