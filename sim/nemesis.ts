/**
 * The real-node nemesis: real `createMesh` nodes on loopback in this process, a workload, and a
 * nemesis that partitions them by group (connection gater plus closed connections), heals,
 * restarts nodes empty, and skews a node's injected clock (within maxDriftMs, or 5 minutes off and
 * then set right). The same checker judges the history; the clock scenarios also measure each
 * node's clock-offset estimate against the truth.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import type { Store } from '../src/core/store.js'
import { createMesh, type Mesh } from '../src/index.js'
import { check, type Violation } from './checker.js'
import { runCrash } from './crash.js'
import { median } from './clocks.js'
import { Gate } from './gate.js'
import { Recorder, type History } from './history.js'
import { Prng } from './prng.js'
import { byScenario, formatTable } from './report.js'

/** Settings of the nodes under test: short TTL bounds so a run exercises expiry. */
const MESH = { maxTtlMs: 60_000, tombstoneGraceMs: 10_000, defaultTtlMs: 5_000, syncIntervalMs: 500, mdns: false } as const
const TIMER_SLACK_MS = 250
const CONVERGE_LIMIT_MS = 30_000

interface RealNode {
  index: number
  incarnation: number
  mesh: Mesh
  gate: Gate
  /** Its clock minus the real one, ms (the nemesis may change it: a clock step). */
  skew: number
  stopWatch: AbortController
}

/** A node's clock-offset estimate against the truth, at one instant. */
export interface OffsetError {
  node: string
  /** Its clock minus the median of every node's clock (what `stats().clock.offsetMs` estimates). */
  trueMs: number
  estimateMs: number
  errorMs: number
}

export interface ScenarioResult {
  name: string
  violations: Violation[]
  ops: number
  writes: number
  partitions: number
  restarts: number
  convergeMs: number | undefined
  faults: string[]
  /** Local writes refused with ClockSkewError. */
  skewRefusals: number
  /** The clock-offset estimates measured by the scenario (clock scenarios). */
  offsets: OffsetError[]
}

class Cluster {
  readonly nodes: RealNode[] = []
  readonly rec = new Recorder()
  readonly rng: Prng
  partitions = 0
  restarts = 0
  ops = 0
  writes = 0
  skewRefusals = 0
  readonly offsets: OffsetError[] = []
  private running = false
  private loop: Promise<void> | undefined

  constructor (seed: number) {
    this.rng = new Prng(seed)
  }

  id (n: RealNode): string {
    return `n${n.index}.${n.incarnation}`
  }

  async start (count: number, skews: number[] = []): Promise<void> {
    for (let i = 0; i < count; i++) this.nodes.push(await this.boot(i, 0, skews[i] ?? 0))
    await this.reconnect()
    await this.until(() => this.nodes.every(n => n.mesh.peers().length === count - 1), 'every node sees the others')
    // every node knows two peers' clocks (the sync rounds on connection carry them) before anyone writes
    await this.until(() => this.nodes.every(n => n.mesh.stats().clock.peers >= Math.min(2, count - 1)), 'every node knows its peers\' clocks')
  }

  /** Sets a node's clock (a step: NTP fixing it, or breaking it). */
  setSkew (index: number, skew: number): void {
    const n = this.nodes[index]
    this.rec.fault(Date.now(), `clock of ${this.id(n)} steps ${skew - n.skew > 0 ? '+' : ''}${skew - n.skew} ms to ${skew} ms`)
    n.skew = skew
  }

  /** Records every node's offset estimate against the truth (its clock minus the median of all). */
  measureOffsets (): OffsetError[] {
    const mid = median(this.nodes.map(n => n.skew))
    const out = this.nodes.map(n => {
      const estimateMs = n.mesh.stats().clock.offsetMs
      const trueMs = n.skew - mid
      return { node: this.id(n), trueMs, estimateMs, errorMs: estimateMs - trueMs }
    })
    this.offsets.push(...out)
    return out
  }

  private async boot (index: number, incarnation: number, skew: number): Promise<RealNode> {
    const gate = new Gate()
    const bootstrap = this.nodes.filter(n => n !== undefined && n.index !== index).map(n => n.mesh.multiaddrs[0])
    const clock = { skew }
    const mesh = await createMesh({ ...MESH, name: 'nemesis', listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap, connectionGater: gate, clock: () => Date.now() + clock.skew })
    const node: RealNode = {
      index,
      incarnation,
      mesh,
      gate,
      get skew () { return clock.skew },
      set skew (v: number) { clock.skew = v },
      stopWatch: new AbortController()
    }
    const id = `n${index}.${incarnation}`
    // Record every change synchronously, in the order the node made it (a watch() iterator would
    // deliver them a few microtasks late, interleaved with the workload's own records).
    const unsubscribe = (mesh as unknown as { store: Store }).store.subscribe(e => { this.rec.event(Date.now(), id, e.type, e.entry) })
    node.stopWatch.signal.addEventListener('abort', unsubscribe, { once: true })
    return node
  }

  /** Nodes in different groups cannot talk, unless one of them is in the bridge group. */
  async partition (groups: number[], bridge?: number, what = 'partition'): Promise<void> {
    this.partitions++
    this.rec.fault(Date.now(), `${what}: groups ${groups.join(',')}${bridge !== undefined ? ` bridge ${bridge}` : ''}`)
    const talk = (a: number, b: number): boolean => groups[a] === groups[b] || groups[a] === bridge || groups[b] === bridge
    for (const n of this.nodes) n.gate.blocked.clear()
    for (const a of this.nodes) {
      for (const b of this.nodes) {
        if (a !== b && !talk(a.index, b.index)) a.gate.blocked.add(b.mesh.peerId)
      }
    }
    for (const a of this.nodes) {
      for (const b of this.nodes) {
        if (a !== b && !talk(a.index, b.index)) await a.mesh.libp2p.hangUp(b.mesh.libp2p.peerId).catch(() => {})
      }
    }
  }

  async heal (): Promise<void> {
    this.rec.fault(Date.now(), 'heal')
    for (const n of this.nodes) n.gate.blocked.clear()
    await this.reconnect()
  }

  /** Closes node `index` and starts an empty replacement (a new identity) bootstrapped to the others. */
  async restart (index: number): Promise<void> {
    const old = this.nodes[index]
    this.restarts++
    this.rec.fault(Date.now(), `restart ${this.id(old)}`)
    old.stopWatch.abort()
    await old.mesh.close()
    this.nodes[index] = await this.boot(index, old.incarnation + 1, old.skew)
  }

  /** Dials every pair that is not connected (and not blocked). */
  async reconnect (): Promise<void> {
    for (const a of this.nodes) {
      for (const b of this.nodes) {
        if (a.index < b.index && !a.gate.blocked.has(b.mesh.peerId) && a.mesh.libp2p.getConnections(b.mesh.libp2p.peerId).length === 0) {
          await a.mesh.dial(b.mesh.multiaddrs[0]).catch(() => {})
        }
      }
    }
  }

  /** A background workload: random sets (short and long TTLs), deletes and reads on random nodes. */
  startWorkload (keys: string[]): void {
    this.running = true
    const ttls = [300, 1_000, 3_000, 30_000, Infinity, undefined]
    this.loop = (async () => {
      while (this.running) {
        await new Promise(resolve => setImmediate(resolve))
        const n = this.rng.pick(this.nodes)
        const key = this.rng.pick(keys)
        const roll = this.rng.float()
        const id = this.id(n)
        this.ops++
        try {
          if (roll < 0.3) {
            this.rec.read(Date.now(), id, key, n.mesh.get(key))
          } else if (roll < 0.4) {
            this.writes++
            this.rec.write(Date.now(), id, await n.mesh.delete(key))
          } else {
            this.writes++
            const e = await n.mesh.set(key, `v${this.writes}`, { ttl: this.rng.pick(ttls) })
            this.rec.write(Date.now(), id, e)
          }
        } catch (err) {
          const name = (err as Error).name
          if (name === 'ClockSkewError') this.skewRefusals++ // a node that knows its clock is off writes nothing
          else if (name !== 'MeshClosedError') throw err
        }
        await sleep(this.rng.range(2, 25))
      }
    })()
  }

  async stopWorkload (): Promise<void> {
    this.running = false
    await this.loop
  }

  async until (cond: () => boolean, what: string, limitMs = CONVERGE_LIMIT_MS): Promise<void> {
    const end = Date.now() + limitMs
    while (!cond()) {
      if (Date.now() > end) throw new Error(`timed out waiting until ${what}`)
      await sleep(10)
    }
  }

  digestsAgree (): boolean {
    return new Set(this.nodes.map(n => n.mesh.stats().digest)).size === 1
  }

  history (keys: string[], skewBoundMs: number): History {
    const checkedAt = Date.now()
    return {
      ops: this.rec.ops,
      keys,
      final: this.nodes.map(n => ({ node: this.id(n), skew: n.skew, digest: n.mesh.stats().digest, visible: new Map(keys.map(k => [k, n.mesh.get(k)])) })),
      checkedAt,
      skewBoundMs,
      timerSlackMs: TIMER_SLACK_MS,
      retentionMs: Math.max(MESH.maxTtlMs, MESH.tombstoneGraceMs),
      exactApplies: false
    }
  }

  async stop (): Promise<void> {
    for (const n of this.nodes) n.stopWatch.abort()
    await Promise.all(this.nodes.map(async n => n.mesh.close()))
  }
}

export interface Scenario {
  name: string
  nodes: number
  /** Per-node clock offsets in ms. */
  skews?: number[]
  /** The nemesis: runs while the workload does, leaves the cluster partitioned or not. */
  nemesis: (c: Cluster) => Promise<void>
  /** A scenario with its own harness (the crash scenario) runs this instead. */
  run?: (seed: number) => Promise<ScenarioResult>
  /** Scenario-specific promises, checked after the nemesis, before the heal. */
  verify?: (c: Cluster) => Promise<Violation[]>
}

/**
 * A node 5 minutes off (ahead or behind) among three honest ones: it learns it (the estimate is
 * measured), refuses its writes, nobody penalises anyone; then its clock is set right and, once the
 * cluster converges, nothing is lost. The history's skew bound is the 5 minutes.
 */
function fiveMinutesOff (sign: 1 | -1): Scenario {
  const off = sign * 300_000
  return {
    name: `clock-skew${sign > 0 ? '+' : '-'}5min`,
    nodes: 4,
    skews: [off],
    nemesis: async c => {
      await sleep(1_500)
      c.measureOffsets()
      await c.partition([0, 0, 1, 1]) // the skewed node with one honest peer: a majority of two still says it is off
      await sleep(1_000)
      await c.heal()
      await sleep(500)
    },
    verify: async c => {
      const out: Violation[] = []
      const [skewed, ...honest] = c.nodes
      if (skewed.mesh.stats().clock.level !== 'skewed') out.push({ check: 'clock-skew-refused', message: `${c.id(skewed)}, ${off} ms off, reports level ${skewed.mesh.stats().clock.level}` })
      if (c.skewRefusals === 0) out.push({ check: 'clock-skew-refused', message: `${c.id(skewed)} refused no write` })
      for (const n of honest) {
        if (n.mesh.stats().clock.level === 'skewed') out.push({ check: 'clock-skew-false-alarm', message: `${c.id(n)} thinks its honest clock is skewed` })
        const invalid = invalidFrom(n, skewed) + invalidFrom(skewed, n)
        if (invalid > 0) out.push({ check: 'clock-no-penalty', message: `gossipsub counts ${invalid} invalid messages between ${c.id(n)} and ${c.id(skewed)}` })
      }
      c.setSkew(0, 0) // NTP sets it right: it wrote nothing ahead, so it writes again at once
      await c.until(() => skewed.mesh.stats().clock.level === 'ok', 'the fixed node sees its clock is fine')
      c.measureOffsets()
      await skewed.mesh.set('fixed', 'writes again').catch((err: Error) => { out.push({ check: 'clock-recovery', message: `after the fix ${c.id(skewed)} still refuses: ${err.message}` }) })
      return out
    }
  }
}

/** The gossipsub invalid-message count `n` holds against `peer` (what its score penalises). */
function invalidFrom (n: RealNode, peer: RealNode): number {
  const pubsub = (n.mesh.libp2p.services as { pubsub: { dumpPeerScoreStats: () => Record<string, { topics: Record<string, { invalidMessageDeliveries: number }> }> } }).pubsub
  return Object.values(pubsub.dumpPeerScoreStats()[peer.mesh.peerId]?.topics ?? {}).reduce((sum, t) => sum + t.invalidMessageDeliveries, 0)
}

export const SCENARIOS: Scenario[] = [
  {
    name: 'split',
    nodes: 5,
    nemesis: async c => { await sleep(1_000); await c.partition([0, 0, 0, 1, 1], undefined, 'majority/minority split'); await sleep(3_000) }
  },
  {
    name: 'isolated',
    nodes: 4,
    nemesis: async c => { await sleep(1_000); await c.partition([0, 0, 0, 1], undefined, 'isolate n3'); await sleep(3_000) }
  },
  {
    name: 'bridge',
    nodes: 5,
    nemesis: async c => { await sleep(1_000); await c.partition([0, 0, 2, 1, 1], 2, 'bridge n2 between {n0,n1} and {n3,n4}'); await sleep(3_000) }
  },
  {
    name: 'flapping',
    nodes: 4,
    nemesis: async c => {
      for (let i = 0; i < 4; i++) {
        await c.partition(i % 2 === 0 ? [0, 0, 1, 1] : [0, 1, 0, 1], undefined, 'flap')
        await sleep(2_000)
        await c.heal()
        await sleep(500)
      }
    }
  },
  {
    name: 'rolling-restarts',
    nodes: 4,
    nemesis: async c => {
      for (let i = 0; i < c.nodes.length; i++) {
        await sleep(800)
        await c.until(() => c.digestsAgree(), 'converged before the restart')
        await c.restart(i)
        await c.until(() => c.nodes.every(n => n.mesh.peers().length === c.nodes.length - 1), 'restarted node joined')
      }
    }
  },
  { name: 'clock-skew+30s', nodes: 4, skews: [30_000], nemesis: async c => { await sleep(1_500); await c.partition([0, 0, 1, 1]); await sleep(2_000) } },
  { name: 'clock-skew-30s', nodes: 4, skews: [-30_000], nemesis: async c => { await sleep(1_500); await c.partition([0, 0, 1, 1]); await sleep(2_000) } },
  {
    // a writer process awaits set with replicas: 1 and is SIGKILLed right after 200 acks:
    // every acknowledged write must survive on both remaining nodes (sim/crash.ts)
    name: 'crash',
    nodes: 3,
    nemesis: async () => {},
    run: async () => {
      const r = await runCrash(1, 200)
      return { name: 'crash', violations: r.violations, ops: r.acked, writes: r.acked, partitions: 0, restarts: 1, convergeMs: r.convergeMs, faults: ['crash'], skewRefusals: 0, offsets: [] }
    }
  },
  fiveMinutesOff(1),
  fiveMinutesOff(-1),
  {
    // a writer 3 s behind (within maxDriftMs): it runs on corrected time, so its short TTLs live on the others
    name: 'clock-lag-3s',
    nodes: 4,
    skews: [-3_000],
    nemesis: async c => { await sleep(1_500); c.measureOffsets(); await sleep(1_000) },
    verify: async c => {
      const [lagging, other] = c.nodes
      const written = Date.now()
      await lagging.mesh.set('lag/short', 'v', { ttl: 2_000 })
      const e = await other.mesh.waitFor('lag/short', { timeout: 1_500 }).catch(() => undefined)
      if (e === undefined) return [{ check: 'clock-ttl', message: `${c.id(lagging)}'s 2 s TTL write never showed on ${c.id(other)}` }]
      const lives = (e.expiresAt ?? Infinity) - written
      return lives < 1_800 ? [{ check: 'clock-ttl', message: `${c.id(lagging)}'s 2 s TTL write lives ${lives} ms on ${c.id(other)}` }] : []
    }
  }
]

/** Runs one scenario: workload + nemesis, heal, wait for convergence, check the history. */
export async function runScenario (s: Scenario, seed = 1): Promise<ScenarioResult> {
  if (s.run !== undefined) return s.run(seed)
  const c = new Cluster(seed)
  const keys = Array.from({ length: 24 }, (_, i) => `k${i}`)
  const skewBound = Math.max(100, ...(s.skews ?? []).map(Math.abs)) + 50
  try {
    await c.start(s.nodes, s.skews)
    c.startWorkload(keys)
    await s.nemesis(c)
    await c.stopWorkload()
    const promised = s.verify !== undefined ? await s.verify(c) : []
    for (const n of c.nodes) await n.mesh.flush()
    await c.heal()
    const healed = Date.now()
    let convergeMs: number | undefined
    try {
      await c.until(() => c.digestsAgree(), 'converged after the heal')
      convergeMs = Date.now() - healed
    } catch {
      convergeMs = undefined
    }
    await sleep(TIMER_SLACK_MS) // let expiry timers that are due run before the final read
    const violations = [...promised, ...check(c.history(keys, skewBound))]
    if (convergeMs === undefined) violations.unshift({ check: 'convergence', message: `did not converge within ${CONVERGE_LIMIT_MS} ms of the heal` })
    return { name: s.name, violations, ops: c.ops, writes: c.writes, partitions: c.partitions, restarts: c.restarts, convergeMs, faults: [s.name], skewRefusals: c.skewRefusals, offsets: c.offsets }
  } finally {
    await c.stop()
  }
}

/** Runs the named scenario, or all; prints a table. Resolves true when there were no violations. */
export async function runScenarios (only?: string): Promise<boolean> {
  const chosen = SCENARIOS.filter(s => only === undefined || s.name === only)
  if (chosen.length === 0) {
    console.error(`no scenario named ${only}; there are: ${SCENARIOS.map(s => s.name).join(', ')}`)
    return false
  }
  const results: ScenarioResult[] = []
  for (const s of chosen) {
    const r = await runScenario(s)
    results.push(r)
    for (const v of r.violations) console.log(`FAIL ${s.name}: [${v.check}] ${v.message}`)
  }
  console.log(formatTable(byScenario(results.map(r => ({ ...r, crashes: r.restarts }))), 'ms'))
  const measured = results.filter(r => r.offsets.length > 0)
  if (measured.length > 0) console.log(`\n${formatOffsets(measured)}`)
  return results.every(r => r.violations.length === 0)
}

/** The clock-offset estimates of the clock scenarios: the largest error per scenario, and each node's. */
export function formatOffsets (results: ScenarioResult[]): string {
  const lines = ['clock-offset estimate (stats().clock.offsetMs) against the truth (clock minus the median of all clocks):']
  for (const r of results) {
    const worst = Math.max(...r.offsets.map(o => Math.abs(o.errorMs)))
    lines.push(`  ${r.name.padEnd(16)} max |error| ${worst.toFixed(1)} ms; ${r.skewRefusals} writes refused with ClockSkewError; ` +
      r.offsets.map(o => `${o.node} ${o.estimateMs.toFixed(0)} (true ${o.trueMs})`).join(', '))
  }
  return lines.join('\n')
}
