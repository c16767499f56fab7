/**
 * `npm run bench`: measures meshkv on this machine, each figure beside a baseline measured in the
 * same run, prints a table and writes bench/results/latest.json.
 *
 *   MESHKV_BENCH_QUICK=1 npm run bench   smaller sizes, for a smoke run
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { GossipSub } from '@libp2p/gossipsub'
import { Entry } from '../src/core/entry.js'
import { Store } from '../src/core/store.js'
import { encodeBatch } from '../src/net/codec.js'
import { converged, eventually, partition, heal, reconnect, startCluster, stopAll, type Node } from '../sim/cluster.js'
import { benchLockFairness, benchMeshLocks, benchRedisLocks } from './locks.js'
import { benchDrops } from './trust.js'
import { generateSwarmKey } from '../src/index.js'
import { benchSurfaces } from './surfaces.js'
import { benchReplicas } from './replication.js'
import { summary } from './stats.js'
import { benchDurable } from './durable.js'
import { setToVisible } from './visible.js'
import { benchHttp, type HttpFigures } from './http.js'
import { benchFreshSync } from './fresh-sync.js'
import { benchScale } from './scale.js'
import { benchCounters } from './counters.js'
import { benchDoubleDelivery, benchQueueThroughput, benchQuorumQueue, benchReviewQueue } from './queues.js'
import { benchAgentStores } from './agent-stores.js'
import { benchQuorum } from './quorum.js'

const here = dirname(fileURLToPath(import.meta.url))
const QUICK = process.env.MESHKV_BENCH_QUICK === '1'

interface Row { name: string, value: string, baseline?: string, ratio?: string, target?: string }
const rows: Row[] = []
const results: Record<string, unknown> = { date: new Date().toISOString(), node: process.version, quick: QUICK }

const fmt = (n: number, digits = 2): string => n.toLocaleString('en-US', { maximumFractionDigits: digits })

// ---- 1. local get ---------------------------------------------------------------------------
function benchGet (): void {
  const store = new Store('bench')
  const n = 100_000
  const keys = Array.from({ length: n }, (_, i) => `key:${i}`)
  const map = new Map<string, Uint8Array>()
  for (const k of keys) { store.set(k, 'v'.repeat(32), 3_600_000); map.set(k, new Uint8Array(32)) }
  const perOp = (fn: (k: string) => unknown): number => {
    const samples: number[] = []
    let sink = 0
    for (let round = 0; round < 200; round++) {
      const t = process.hrtime.bigint()
      for (let i = 0; i < 5_000; i++) if (fn(keys[(round * 5_000 + i) % n]) !== undefined) sink++
      samples.push(Number(process.hrtime.bigint() - t) / 5_000)
    }
    if (sink === 0) throw new Error('no hits')
    return summary(samples).p50
  }
  perOp(k => store.get(k)); perOp(k => map.get(k)) // warm up
  const ns = perOp(k => store.get(k))
  const base = perOp(k => map.get(k))
  results.get = { medianNs: ns, baselineMapGetNs: base }
  rows.push({ name: 'local get (median)', value: `${fmt(ns)} ns`, baseline: `Map.get ${fmt(base)} ns`, ratio: `${fmt(ns / base)}x`, target: '< 1 us' })
}

// ---- 2. set-to-visible on every peer ---------------------------------------------------------
async function benchVisible (size: number, psk?: string): Promise<void> {
  const s = await setToVisible(size, QUICK ? 100 : 500, { psk })
  results[`visible${size}${psk !== undefined ? 'Psk' : ''}`] = s
  const target = psk !== undefined ? undefined : size === 3 ? '<= 0.5 / <= 3 ms' : size === 5 ? '<= 1 ms p50' : undefined
  rows.push({
    name: `set-to-visible on all ${size - 1} peers, ${size} nodes${psk !== undefined ? ', private mesh (PSK)' : ''} (p50 / p99)`,
    value: `${fmt(s.p50)} / ${fmt(s.p99)} ms`,
    baseline: `signed gossip ${fmt(s.gossip.p50)} / ${fmt(s.gossip.p99)} ms; CPU ${fmt(s.cpuUsPerWrite / 1000)} vs ${fmt(s.gossip.cpuUsPerWrite / 1000)} ms/write; ${fmt(s.gossipPerWrite)} gossip msgs/write`,
    ratio: `${fmt(s.p50 / s.gossip.p50)}x`,
    target
  })
}

// ---- 3. replicated write throughput -----------------------------------------------------------
async function benchThroughput (): Promise<void> {
  const n = QUICK ? 20_000 : 100_000
  const nodes = await startCluster(3, { mdns: false, syncIntervalMs: Infinity })
  try {
    const writer = nodes[0].mesh
    const t = performance.now()
    for (let i = 0; i < n; i++) await writer.set(`tp:${i}`, 'value-of-32-bytes-0123456789abcd', { ttl: 600_000 })
    await eventually(() => nodes.every(x => x.mesh.stats().entries >= n), 'every node holds every write', 120_000, 5)
    const secs = (performance.now() - t) / 1000
    const rate = n / secs
    // baseline: the same kind of writes, one gossipsub message each (what batching saves): valid
    // single-entry batches published straight on the mesh topic, through the same validation and merge
    const m = QUICK ? 2_000 : 5_000
    const pubsub = (writer.libp2p.services as { pubsub: GossipSub }).pubsub
    const topic = pubsub.getTopics()[0]
    const value = new TextEncoder().encode('value-of-32-bytes-0123456789abcd')
    const t2 = performance.now()
    for (let i = 0; i < m; i++) {
      const wall = Date.now()
      await pubsub.publish(topic, encodeBatch([new Entry({ key: `base:${i}`, value, wall, counter: i % 65_536, origin: writer.peerId, expiresAt: wall + 600_000 })]))
    }
    await eventually(() => nodes.slice(1).every(x => x.mesh.stats().entries >= n + m), 'baseline messages delivered', 120_000, 5)
    const baseRate = m / ((performance.now() - t2) / 1000)
    results.throughput = { writes: n, seconds: secs, perSecond: rate, unbatchedPerSecond: baseRate }
    rows.push({ name: `replicated writes/s into 3 nodes (${fmt(n, 0)} writes)`, value: fmt(rate, 0), baseline: `1 msg/write ${fmt(baseRate, 0)}`, ratio: `${fmt(rate / baseRate)}x`, target: '>= 50,000' })
  } finally {
    await stopAll(nodes)
  }
}

// ---- 4. convergence after a partition heals ---------------------------------------------------
async function benchConverge (keys: number): Promise<void> {
  const nodes = await startCluster(3, { mdns: false, syncIntervalMs: 2_000 })
  try {
    const [a, b, c] = nodes
    await partition([a, b], [c])
    await eventually(() => c.mesh.peers().length === 0, 'partitioned')
    // divergent state: keys written on the minority side only (half) and on the majority side (half)
    for (let i = 0; i < keys / 2; i++) await c.mesh.set(`c:${i}`, 'v'.repeat(32), { ttl: 600_000 })
    for (let i = 0; i < keys / 2; i++) await a.mesh.set(`a:${i}`, 'v'.repeat(32), { ttl: 600_000 })
    await eventually(() => b.mesh.stats().entries >= keys / 2, 'majority side replicated', 120_000)
    const t = performance.now()
    heal(nodes)
    await reconnect(nodes as Node[])
    await eventually(() => converged(nodes), 'converged after heal', 120_000, 5)
    const ms = performance.now() - t
    results[`converge${keys}`] = { divergentKeys: keys, ms }
    rows.push({ name: `converge after heal, ${fmt(keys, 0)} divergent keys`, value: `${fmt(ms, 0)} ms`, target: keys >= 100_000 ? '<= 3 s' : undefined })
  } finally {
    await stopAll(nodes)
  }
}

// ---- 5. memory per entry (child process with --expose-gc) -------------------------------------
function benchMemory (): void {
  const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', join(here, 'memory.ts')], { encoding: 'utf8' })
  const m = JSON.parse(out.trim().split('\n').pop() as string) as { entries: number, overheadPerEntry: number, baselinePerEntry: number, payloadPerEntry: number, parts: Record<string, number> }
  results.memory = m
  rows.push({ name: `memory overhead per entry beyond key+value (${fmt(m.entries, 0)} entries)`, value: `${fmt(m.overheadPerEntry, 0)} B`, baseline: `Map<string,Uint8Array> ${fmt(m.baselinePerEntry, 0)} B`, ratio: `${fmt(m.overheadPerEntry / m.baselinePerEntry)}x`, target: '<= 150 B' })
  rows.push({ name: '  of which: entry object / Map slot / expiry heap / key string header', value: [m.parts.entryObject, m.parts.mapSlot, m.parts.heapSlot, m.parts.keyString].map(x => fmt(x, 0)).join(' / ') + ' B' })
}

// ---- 6. lock acquire latency ------------------------------------------------------------------
async function benchLocks (): Promise<void> {
  const rounds = QUICK ? 10 : 40
  const figures = await benchMeshLocks(rounds)
  const redis = await benchRedisLocks(rounds)
  if (typeof redis === 'string') rows.push({ name: 'lock acquire: Redis baseline', value: 'not run', baseline: redis })
  else figures.push(redis)
  results.locks = figures
  if (typeof redis === 'string') results.locksRedis = redis
  for (const f of figures) {
    rows.push({ name: `lock acquire, ${f.mode}: uncontended (p50 / p99)`, value: `${fmt(f.uncontended.p50)} / ${fmt(f.uncontended.p99)} ms` })
    rows.push({ name: `lock acquire, ${f.mode}: 5 contenders (p50 / p99)`, value: `${fmt(f.contended.p50)} / ${fmt(f.contended.p99)} ms` })
  }
  const fairness = await benchLockFairness(QUICK ? 50 : 200)
  results.lockFairness = fairness
  for (const f of fairness) {
    rows.push({ name: `lock fairness, ${f.mode}: holds of 5 looping contenders`, value: f.holds.join(' / '), target: 'each a share' })
    rows.push({ name: `lock hand-over, ${f.mode} (p50 / p99)`, value: `${fmt(f.handoff.p50)} / ${fmt(f.handoff.p99)} ms`, baseline: `${fmt(f.holdsPerSecond, 1)} holds/s` })
  }
}

// ---- 6b. counters ------------------------------------------------------------------------------
async function benchCountersRows (): Promise<void> {
  const c = await benchCounters(QUICK ? 1_000 : 5_000, QUICK ? 30 : 200)
  results.counters = c
  const redis = typeof c.redis === 'string' ? undefined : c.redis
  rows.push({ name: 'counter inc, gossip mode, one node of 3, each awaited (inc/s)', value: fmt(c.gossipIncPerSecond, 0), baseline: `mesh.set ${fmt(c.setPerSecond, 0)}/s`, ratio: `${fmt(c.gossipIncPerSecond / c.setPerSecond)}x` })
  rows.push({ name: '  Redis INCR, one client on loopback, each awaited (/s)', value: redis === undefined ? 'not run' : fmt(redis.perSecond, 0), baseline: typeof c.redis === 'string' ? c.redis : `gossip inc ${fmt(c.gossipIncPerSecond, 0)}/s`, ratio: redis === undefined ? undefined : `${fmt(c.gossipIncPerSecond / redis.perSecond)}x` })
  rows.push({ name: '  from the first gossip inc until all 3 nodes count them all', value: `${fmt(c.gossipConvergeMs, 0)} ms` })
  for (const [size, q] of Object.entries(c.quorum)) {
    rows.push({ name: `counter inc, quorum mode, ${size.replace(' rotating', '')} members${size.endsWith('rotating') ? ', from each in turn' : ', from one node'} (p50 / p99)`, value: typeof q === 'string' ? 'not run' : `${fmt(q.p50)} / ${fmt(q.p99)} ms`, baseline: typeof q === 'string' ? q : redis === undefined ? undefined : `Redis INCR ${fmt(redis.latency.p50)} / ${fmt(redis.latency.p99)} ms` })
  }
}

// ---- 6c. quorum registers ------------------------------------------------------------------------
async function benchQuorumRows (): Promise<void> {
  for (const members of [3, 5]) {
    const q = await benchQuorum(members, QUICK ? 50 : 300)
    results[`quorum${members}`] = q
    const ping = `stream round trip ${fmt(q.ping.p50)} / ${fmt(q.ping.p99)} ms`
    const pattern = (f: typeof q.oneWriter): string => `${fmt(f.latency.p50)} / ${fmt(f.latency.p99)} ms, ${fmt(f.roundTrips)} RT, CPU ${fmt(f.cpuMs)} ms`
    rows.push({ name: `quorum change(), ${members} members, one writer (p50 / p99, round trips, CPU per change)`, value: pattern(q.oneWriter), baseline: ping, ratio: `${fmt(q.oneWriter.latency.p50 / q.ping.p50)}x` })
    rows.push({ name: `quorum change(), ${members} members, writers in turn (prepare above the own acceptor's ballot, accept)`, value: pattern(q.rotating), baseline: `blind to own acceptor ${pattern(q.rotatingBlind)}`, ratio: `${fmt(q.rotating.latency.p50 / q.rotatingBlind.latency.p50)}x`, target: members === 5 ? '<= 2 ms p50' : undefined })
  }
}

// ---- 7. the surfaces --------------------------------------------------------------------------
async function benchSurfacesRows (): Promise<void> {
  const f = await benchSurfaces(QUICK ? 10 : 30)
  results.surfaces = f
  rows.push({
    name: '`meshkv get` through the daemon, end to end (p50)',
    value: `${fmt(f.cliGet.p50)} ms`,
    baseline: f.redisCliGet !== undefined ? `redis-cli GET ${fmt(f.redisCliGet.p50)} ms` : f.redisSkipped,
    ratio: f.redisCliGet !== undefined ? `${fmt(f.cliGet.p50 / f.redisCliGet.p50)}x` : undefined,
    target: '<= 2x redis-cli'
  })
  const st = f.startup
  for (const [name, fig] of Object.entries(st.commands)) {
    // a gossip-mode acquire waits its settle window (>= 50 ms) in the daemon: no start-up can hide that
    const settles = name === 'lock acquire'
    rows.push({ name: `\`meshkv ${name}\` start to exit, through the daemon (median)`, value: `${fmt(fig.p50)} ms`, baseline: `node -e 0 ${fmt(st.node.p50)} ms`, ratio: `${fmt(st.ratios[name])}x`, target: settles ? 'settle >= 50 ms' : '<= 1.5x' })
    rows.push({ name: '  less the daemon\'s answer (in process), vs node -e 0', value: `${fmt(fig.p50 - st.daemon[name].p50)} ms`, ratio: `${fmt(st.startupRatios[name])}x`, target: settles ? '<= 1.5x' : undefined })
  }
  rows.push({ name: 'CLI start-up, worst hot command (less the daemon\'s answer)', value: st.worst.command, baseline: `node -e 0 ${fmt(st.node.p50)} ms`, ratio: `${fmt(st.worst.ratio)}x`, target: '<= 1.5x' })
  rows.push({ name: 'HTTP PUT /v1/data ?replicas=0, one peer connected (p50 / p99)', value: `${fmt(f.httpPut.p50)} / ${fmt(f.httpPut.p99)} ms`, baseline: f.redisSet !== undefined ? `Redis SET ${fmt(f.redisSet.p50)} / ${fmt(f.redisSet.p99)} ms` : undefined })
  rows.push({ name: 'HTTP PUT /v1/data ?replicas=1 (the default: 201 once the peer holds it) (p50 / p99)', value: `${fmt(f.httpPutReplicas1.p50)} / ${fmt(f.httpPutReplicas1.p99)} ms`, baseline: `replicas 0 ${fmt(f.httpPut.p50)} / ${fmt(f.httpPut.p99)} ms`, ratio: `${fmt(f.httpPutReplicas1.p50 / f.httpPut.p50)}x` })
  rows.push({ name: 'HTTP GET /v1/data (p50 / p99)', value: `${fmt(f.httpGet.p50)} / ${fmt(f.httpGet.p99)} ms`, baseline: f.redisGet !== undefined ? `Redis GET ${fmt(f.redisGet.p50)} / ${fmt(f.redisGet.p99)} ms` : undefined })
}

// ---- 9. acknowledged writes -----------------------------------------------------------------
async function benchReplicasRows (): Promise<void> {
  for (const size of [3, 5]) {
    const f = await benchReplicas(size, QUICK ? 100 : 500)
    results[`replicas${size}`] = f
    const base = f.latency.replicas0
    for (const level of ['replicas1', 'replicas2']) {
      const s = f.latency[level]
      if (s === undefined) continue
      rows.push({ name: `set, replicas: ${level.slice(-1)}, ${size} nodes, one at a time (p50 / p99)`, value: `${fmt(s.p50)} / ${fmt(s.p99)} ms`, baseline: `replicas: 0 ${fmt(base.p50)} / ${fmt(base.p99)} ms` })
    }
    rows.push({ name: `set, replicas: 1, ${size} nodes, 64 in flight, until held by a peer (writes/s)`, value: fmt(f.perSecond.replicas1, 0), baseline: `replicas: 0 ${fmt(f.perSecond.replicas0, 0)}`, ratio: `${fmt(f.perSecond.replicas1 / f.perSecond.replicas0)}x` })
  }
}

// ---- 10. durable nodes (issue 12) --------------------------------------------------------------
async function benchDurableRows (): Promise<void> {
  const d = await benchDurable(QUICK ? 100_000 : 1_000_000, QUICK ? 20_000 : 100_000)
  results.durable = d
  const mib = (x: number): string => `${fmt(x, 0)} MiB`
  rows.push({ name: `set throughput, durable node (${fmt(d.writes, 0)} writes, 1,000 in flight)`, value: `${fmt(d.durableWritesPerSec, 0)}/s`, baseline: `in memory ${fmt(d.memoryWritesPerSec, 0)}/s`, ratio: `${fmt(d.durableWritesPerSec / d.memoryWritesPerSec)}x` })
  rows.push({ name: `restart: load ${fmt(d.entries, 0)} entries (100 B values) from disk`, value: `${fmt(d.load.loadSecs)} s`, baseline: `in-memory build ${fmt(d.memory.buildSecs)} s`, ratio: `${fmt(d.load.loadSecs / d.memory.buildSecs)}x` })
  const redis = 'rssMiB' in d.redis ? d.redis.rssMiB : undefined
  rows.push({ name: `RSS with ${fmt(d.entries, 0)} x 100 B entries, in memory`, value: mib(d.memory.rssMiB), baseline: redis !== undefined ? `Redis ${mib(redis)}` : (d.redis as { skipped: string }).skipped, ratio: redis !== undefined ? `${fmt(d.memory.rssMiB / redis)}x` : undefined, target: '<= 2x Redis' })
  rows.push({ name: `RSS with ${fmt(d.entries, 0)} x 100 B entries, durable (anonymous + file-mapped)`, value: `${mib(d.load.rssMiB)} (${mib(d.load.anonMiB)} + ${mib(d.load.fileMiB)})`, baseline: `in memory ${mib(d.memory.rssMiB)}`, ratio: `${fmt(d.load.rssMiB / d.memory.rssMiB)}x` })
}

// ---- 11. agent stores (issue 14) -------------------------------------------------------------
async function benchAgentStoresRows (): Promise<void> {
  const f = await benchAgentStores(1_000, QUICK ? 20 : 100)
  results.agentStores = f
  const ms = (s: { p50: number, p99: number }): string => `${fmt(s.p50, 3)} / ${fmt(s.p99, 3)} ms`
  const mem = f.addMessage.memory
  rows.push({ name: 'agent stores: addMessage, 1 node (p50 / p99)', value: ms(f.addMessage.meshOneNode), baseline: `in memory ${ms(mem)}`, ratio: `${fmt(f.addMessage.meshOneNode.p50 / mem.p50)}x` })
  rows.push({ name: 'agent stores: addMessage, 3 nodes, replicas: 1 (p50 / p99)', value: ms(f.addMessage.meshThreeNodes), baseline: `in memory ${ms(mem)}`, ratio: `${fmt(f.addMessage.meshThreeNodes.p50 / mem.p50)}x` })
  const get = f.getMessages.memory
  rows.push({ name: `agent stores: getMessages, ${fmt(f.history, 0)} messages, 3 nodes (p50 / p99)`, value: ms(f.getMessages.meshThreeNodes), baseline: `in memory ${ms(get)}`, ratio: `${fmt(f.getMessages.meshThreeNodes.p50 / get.p50)}x` })
}

// ---- 12. queues (issue 13) ---------------------------------------------------------------------
async function benchQueuesRows (): Promise<void> {
  const n = QUICK ? 500 : 2_000
  const g = await benchQueueThroughput(n)
  results.queues = { gossip: g }
  rows.push({ name: `queue push, gossip mode, one node, each awaited (${fmt(n, 0)} items, /s)`, value: fmt(g.pushPerSec, 0), baseline: `mesh.set ${fmt(g.setPerSec, 0)}/s`, ratio: `${fmt(g.pushPerSec / g.setPerSec)}x` })
  rows.push({ name: 'queue pop + ack, gossip mode, one node, each awaited (/s)', value: fmt(g.popAckPerSec, 0), baseline: `mesh.set ${fmt(g.setPerSec, 0)}/s`, ratio: `${fmt(g.popAckPerSec / g.setPerSec)}x` })
  const dd = await benchDoubleDelivery(300, 1)
  results.queues = { ...results.queues as object, doubleDelivery: dd }
  rows.push({ name: 'gossip-mode double deliveries: 2 nodes drain 300 items at once (1 ms work each)', value: `${dd.twice} of ${dd.items}`, baseline: `per node ${dd.perNode.join(' / ')}` })
  const q = await benchQuorumQueue(QUICK ? 20 : 100)
  results.queues = { ...results.queues as object, quorum: q }
  if (typeof q === 'string') {
    rows.push({ name: 'queue, quorum mode, 3 members', value: 'not run', baseline: q })
  } else {
    rows.push({ name: 'queue push, quorum mode, 3 members, one producer (/s)', value: fmt(q.pushPerSec, 0), baseline: `gossip ${fmt(g.pushPerSec, 0)}/s`, ratio: `${fmt(q.pushPerSec / g.pushPerSec)}x` })
    rows.push({ name: 'queue pop + ack, quorum mode, 3 members, one consumer (/s)', value: fmt(q.popAckPerSec, 0), baseline: `gossip ${fmt(g.popAckPerSec, 0)}/s`, ratio: `${fmt(q.popAckPerSec / g.popAckPerSec)}x` })
    rows.push({ name: 'queue pop, quorum mode, 3 members, from each node in turn (p50 / p99)', value: `${fmt(q.pop.p50)} / ${fmt(q.pop.p99)} ms` })
  }
  const rq = benchReviewQueue()
  results.queues = { ...results.queues as object, reviewQueue: typeof rq === 'string' ? rq : { wallMs: rq.wallMs } }
  rows.push({ name: 'review-queue scenario: 5 shell agents drain 10 items (wall)', value: typeof rq === 'string' ? 'not run' : `${fmt(rq.wallMs / 1000, 1)} s`, baseline: typeof rq === 'string' ? rq : 'examples/shell/review-queue.sh' })
}

// ---- 8. trust ---------------------------------------------------------------------------------
async function benchTrust (): Promise<void> {
  await benchVisible(3, generateSwarmKey())
  const d = await benchDrops(QUICK ? 500 : 3_000)
  results.drops = d
  rows.push({ name: `drop seal + open, ${d.payloadBytes} B payload (crypto only)`, value: `${fmt(d.sealOpenPerSecond, 0)}/s` })
  rows.push({ name: `mesh.drops.seal (encrypt + write), ${d.payloadBytes} B`, value: `${fmt(d.meshSealPerSecond, 0)}/s`, baseline: `mesh.set ${fmt(d.meshSetPerSecond, 0)}/s`, ratio: `${fmt(d.meshSealPerSecond / d.meshSetPerSecond)}x` })
}

// ---- 11. the HTTP gateway's throughput, a fresh node's sync (issue 15) ----------------------------
async function benchGateway (): Promise<void> {
  const f = await benchHttp(QUICK ? 10_000 : 50_000, QUICK ? 2_000 : 10_000)
  results.http = f
  rows.push({ name: 'HTTP PUT /v1/data ?replicas=0, 32 in flight, no peer (PUT/s)', value: fmt(f.meshkv.putsPerSec, 0), baseline: `bare fastify ${fmt(f.bare.putsPerSec, 0)}`, ratio: `${fmt(f.meshkv.putsPerSec / f.bare.putsPerSec)}x`, target: '>= 30,000' })
  rows.push({ name: '  server CPU per PUT (1e6 / this = PUT/s on one idle core)', value: `${fmt(f.meshkv.serverCpuUsPerPut, 1)} us`, baseline: `bare fastify ${fmt(f.bare.serverCpuUsPerPut, 1)} us`, ratio: `${fmt(f.meshkv.serverCpuUsPerPut / f.bare.serverCpuUsPerPut)}x` })
  const ms = (s: { p50: number, p99: number }): string => `${fmt(s.p50, 3)} / ${fmt(s.p99, 3)} ms`
  rows.push({ name: 'HTTP GET /v1/data, one at a time, lean client (p50 / p99)', value: ms(f.meshkv.get), baseline: `bare fastify ${ms(f.bare.get)}`, ratio: `${fmt(f.meshkv.get.p99 / f.bare.get.p99)}x`, target: 'p99 <= 0.5 ms' })
  const cpu = (x: HttpFigures): string => `${fmt(x.serverCpuUsPerGet, 1)} us (user ${fmt(x.serverUserUsPerGet, 1)})`
  rows.push({ name: '  server CPU per GET, all (user); ratio of user time', value: cpu(f.meshkv), baseline: `bare fastify ${cpu(f.bare)}`, ratio: `${fmt(f.meshkv.serverUserUsPerGet / f.bare.serverUserUsPerGet)}x` })
  const gc = (g: { count: number, ms: number, maxMs: number }): string => `${g.count} / ${fmt(g.ms, 1)} / ${fmt(g.maxMs, 1)} ms`
  rows.push({ name: '  server GC pauses meanwhile (count / total / longest)', value: gc(f.meshkv.serverGc), baseline: `bare fastify ${gc(f.bare.serverGc)}` })
  rows.push({ name: '  the same GETs through node:http\'s client (p50 / p99)', value: ms(f.meshkv.nodeClientGet), baseline: `bare fastify ${ms(f.bare.nodeClientGet)}` })
}

async function benchFresh (): Promise<void> {
  const keys = QUICK ? 20_000 : 100_000
  const f = await benchFreshSync(keys)
  results.freshSync = f
  rows.push({ name: `a fresh node syncs ${fmt(keys, 0)} keys from two peers`, value: `${fmt(f.ms, 0)} ms`, baseline: `their frames over one stream ${fmt(f.transport.ms, 0)} ms`, ratio: `${fmt(f.ms / f.transport.ms)}x`, target: '<= 1 s' })
  rows.push({ name: '  CPU meanwhile, all nodes (the wall time on an idle machine)', value: `${fmt(f.cpuMs, 0)} ms`, baseline: `their frames over one stream ${fmt(f.transport.cpuMs, 0)} ms (${fmt(f.transport.bytes / 1e6, 1)} MB)`, ratio: `${fmt(f.cpuMs / f.transport.cpuMs)}x` })
  rows.push({ name: '  sync rounds the fresh node took part in', value: fmt(f.rounds, 0) })
  rows.push({ name: '  then a round on the unchanged store (p50 / p99)', value: `${fmt(f.unchangedRound.p50)} / ${fmt(f.unchangedRound.p99)} ms`, target: 'O(buckets)' })
}

async function benchScaleRows (): Promise<void> {
  const f = await benchScale(10, QUICK ? 50 : 200)
  results.scale = f
  rows.push({ name: 'set-to-visible on all 9 peers, 10 nodes, a process each (p50 / p99)', value: `${fmt(f.visible.p50)} / ${fmt(f.visible.p99)} ms` })
  rows.push({ name: '  gossip messages sent per write, per node (median / most)', value: `${fmt(f.messagesPerWritePerNode.p50, 1)} / ${fmt(f.messagesPerWritePerNode.p99, 1)}`, target: 'O(D), not O(N)' })
}

// MESHKV_BENCH_ONLY=get,memory,... runs only the sections named (the names below)
const only = process.env.MESHKV_BENCH_ONLY?.split(',')
const sections: Array<[string, () => unknown]> = [
  ['get', benchGet],
  ['memory', benchMemory],
  ['visible', async () => { await benchVisible(3); await benchVisible(5) }],
  ['trust', benchTrust],
  ['throughput', benchThroughput],
  ['replicas', benchReplicasRows],
  ['converge', async () => { await benchConverge(10_000); await benchConverge(QUICK ? 20_000 : 100_000) }],
  ['locks', benchLocks],
  ['counters', benchCountersRows],
  ['quorum', benchQuorumRows],
  ['surfaces', benchSurfacesRows],
  ['durable', benchDurableRows],
  ['agent-stores', benchAgentStoresRows],
  ['http', benchGateway],
  ['fresh', benchFresh],
  ['queues', benchQueuesRows],
  ['scale', benchScaleRows]
]
for (const [name, run] of sections) if (only === undefined || only.includes(name)) await run()

const widths = [62, 20, 34, 8, 18]
const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i])).join(' ')
console.log(line(['measure', 'meshkv', 'baseline (same run)', 'ratio', 'target']))
console.log('-'.repeat(widths.reduce((a, b) => a + b + 1, 0)))
for (const r of rows) console.log(line([r.name, r.value, r.baseline ?? '', r.ratio ?? '', r.target ?? '']))
const file = join(here, 'results', 'latest.json')
mkdirSync(dirname(file), { recursive: true })
writeFileSync(file, JSON.stringify(results, null, 2) + '\n')
console.log(`\nwrote ${file}`)
process.exit(0)
