/**
 * Deterministic simulation: N replicas of the product's core (`Store`, digest, merge, the sync
 * planning, the gossip admission rule, the lock client and the acceptor) over a simulated network in virtual time, driven by a
 * seeded PRNG. The network delays, drops, duplicates and reorders messages and partitions the
 * nodes; nodes crash and restart, empty (an in-memory node: a new identity) or from what their
 * storage holds (a durable node: the same identity); clocks are skewed and jump, one may lie beyond
 * maxDriftMs and be corrected later, one may lag within it. Every message carries its sender's
 * clock, as the product's do, and every node estimates its offset from them. Only the transport is
 * simulated: every decision about what wins, expires or is sent is the product's code.
 */
import { admitBatch, penalises as productPenalises } from '../src/core/admit.js'
import type { Entry } from '../src/core/entry.js'
import { InvalidMessageError, type RejectReason } from '../src/core/errors.js'
import { compareVersionIds } from '../src/core/merge.js'
import { Store, type StoreOptions } from '../src/core/store.js'
import { lookup, plan, summarize } from '../src/core/sync.js'
import { check, CHECKS, type Check, type Violation } from './checker.js'
import { label, Recorder, type History } from './history.js'
import { Prng } from './prng.js'
import { EventQueue } from './queue.js'
import { Acceptor, ACCEPTOR_META, decodeAcceptorState, encodeAcceptorState } from '../src/core/acceptor.js'
import type { LeaseMode } from '../src/core/lease.js'
import { MemoryStorage } from '../src/core/memory-storage.js'
import { leaseChecks, leaseWorkload, overlaps, SIM_MAX_LEASE_TTL_MS, type Hold, type LeaseCounts, type LeaseRun } from './leases.js'
import { clockChecks, emptyClockRecord, median, ttlTracked, type ClockHistory, type ClockView } from './clocks.js'
import { cpWorkload, type CpCounts, type CpHistories, type CpRun } from './cp.js'

export type PartitionKind = 'split-brain' | 'isolated' | 'bridge' | 'flapping'

/**
 * How a schedule's clocks behave. `jumpy`: every clock within ±400 ms, jumping within that bound.
 * `skewed`: clocks within ±50 ms but one node's runs 2-5 s ahead or behind (beyond maxDriftMs),
 * from the start or from a jump, until its clock is corrected (during the run or at the end).
 * `lagging`: clocks within ±50 ms but one writer's lags 500-900 ms (within maxDriftMs, longer than
 * the shortest TTLs).
 */
export type ClockMode = 'jumpy' | 'skewed' | 'lagging'

export interface SimOptions {
  /** Replicas (2 to 64). @default random 3..8 */
  nodes?: number
  /** Virtual duration of the workload, ms. @default random 5_000..30_000 */
  durationMs?: number
  /** Fault injection: a broken merge order to prove the checker catches it. */
  mergeOrder?: StoreOptions['mergeOrder']
  /** Record a text timeline (for --verbose). @default false */
  timeline?: boolean
  /** Checks to run. @default CHECKS */
  checks?: Record<string, Check>
  /**
   * Fault injection for the durability checks: a durable node restarts with its identity but
   * an empty storage (its data directory lost) and its clock set back as far as the skew bound
   * allows, so acknowledged writes vanish and it may issue timestamps below ones it issued.
   */
  loseDurableState?: boolean
  /** Force a clock mode. @default random: jumpy 50 %, skewed 25 %, lagging 25 % */
  clockMode?: ClockMode
  /** Fault injection: `false` withholds every clock sample (no node learns its offset). @default true */
  clockSamples?: boolean
  /** Fault injection: which gossip refusals penalise the sender. @default the product's `penalises` */
  penalises?: (reason: RejectReason) => boolean
  /** Fault injection: CASPaxos acceptors accept below the ballot they promised (`linearizable` must catch it). */
  skipPromiseCheck?: boolean
}

export interface SimResult {
  seed: number
  violations: Violation[]
  nodes: number
  ops: number
  writes: number
  partitions: number
  crashes: number
  messages: number
  dropped: number
  /** Virtual ms from the final heal to convergence; undefined when it never converged. */
  convergeMs: number | undefined
  /** Virtual ms simulated. */
  virtualMs: number
  timeline: string[]
  /** The network's shape over time: for each change, every node's group and liveness. */
  phases: Phase[]
  /** Fault kinds the schedule injected. */
  faults: string[]
  /** Virtual time of the final heal. */
  healedAt: number
  /** What the lock clients did (attempts, queued, unavailable, renewals), holds, and gossip-mode holds that overlapped another node's. */
  leaseCounts: LeaseCounts
  /** How holds ended, by mode. */
  holdEnds: Record<LeaseMode, Partial<Record<Hold['how'], number>>>
  holds: number
  /** Every hold of a lock, in true time. */
  holdList: Hold[]
  /** Gossip-mode overlaps longer than clock skew can explain. */
  gossipOverlapsBeyondSkew: number
  gossipOverlaps: number
  dropRate: number
  clockMode: ClockMode
  /** Local writes refused with ClockSkewError. */
  skewRefusals: number
  history: History
  clock: ClockHistory
  /** What the CP workload's clients did (sim/cp.ts), and how the linearizability checks went. */
  cp: CpCounts
  /** The quorum members of the CP workload (node indices). */
  cpMembers: number[]
  cpHistories: CpHistories
}

export interface Phase {
  t: number
  groups: number[]
  bridge: number | undefined
  alive: boolean[]
}

/** Settings of the simulated product: small so that expiry and purges happen within a run. */
export const SIM_STORE = { maxTtlMs: 20_000, tombstoneGraceMs: 5_000, defaultTtlMs: 10_000, maxDriftMs: 1_000, clockSampleTtlMs: 5_000 } as const
const SKEW_MS = 400 // |skew| bound per node in jumpy schedules; pairwise within maxDriftMs
const TIGHT_SKEW_MS = 50 // the honest nodes' bound in skewed and lagging schedules
const SYNC_INTERVAL_MS = 1_000
const CONVERGE_LIMIT_MS = 60_000

interface Replica {
  id: string
  index: number
  store: Store
  acceptor: Acceptor
  alive: boolean
  /** Its physical clock minus true time. */
  skew: number
  queue: Entry[]
  flushAt: number | undefined
  tickAt: number | undefined
  /** Has completed an anti-entropy round since it started (locks wait for it, as the product's do). */
  synced: boolean
  /** A durable node's storage (kept across its restarts); undefined for an in-memory node. */
  storage: MemoryStorage | undefined
  /** Local writes staged but not yet flushed: acknowledged (and gossiped) by the next flush. */
  unacked: Entry[]
  /**
   * Peers it has heard from (a message carrying their clock), and when: what it could know of
   * their clocks, whatever it made of it. The checks call a node `established` from this.
   */
  heard: Map<string, { at: number, connected: boolean }>
  /** When it last had two connected peers heard within the sample TTL (its estimate then stands that long). */
  establishedAt: number
}

/**
 * Messages carry the sender's physical clock (`time`); the sync messages also the sender's
 * monotonic instant (`mark`) and the one they answer (`echo`), for round-trip samples.
 */
type Message =
  | { type: 'gossip', entries: Entry[], time: number }
  | { type: 'digest', round: number, buckets: Uint32Array, time: number, mark: number }
  | { type: 'summary', round: number, diff: number[], versions: Entry[], time: number, mark: number, echo: number }
  | { type: 'push', round: number, entries: Entry[], want: string[], time: number, mark: number, echo: number }
  | { type: 'reply', round: number, entries: Entry[], time: number, echo: number }
  | { type: 'call', run: () => void }

export function simulate (seed: number, options: SimOptions = {}): SimResult {
  const rng = new Prng(seed)
  const rec = new Recorder()
  const q = new EventQueue()
  const lines: string[] = []
  const say = (msg: string): void => { if (options.timeline === true) lines.push(`${q.now.toFixed(0).padStart(7)} ms  ${msg}`) }
  const n = options.nodes ?? rng.range(3, 8)
  const duration = options.durationMs ?? rng.range(5_000, 30_000)
  const dropRate = rng.pick([0, 0.01, 0.1, 0.3])
  const dupRate = rng.pick([0, 0.02, 0.1])
  const meanLatency = rng.pick([1, 5, 30])
  const clockMode = options.clockMode ?? rng.pick<ClockMode>(['jumpy', 'jumpy', 'skewed', 'lagging'])
  const baseSkew = clockMode === 'jumpy' ? SKEW_MS : TIGHT_SKEW_MS
  const odd = rng.int(n) // the node whose clock lies (skewed) or lags (lagging)
  const oddSkew = clockMode === 'skewed' ? rng.pick([-1, 1]) * rng.range(2_000, 5_000) : -rng.range(500, 900)
  const oddFromStart = clockMode === 'lagging' || rng.chance(0.5)
  const withSamples = options.clockSamples !== false
  const penalises = options.penalises ?? productPenalises
  const clockRecord = emptyClockRecord()
  const clock: ClockHistory = { maxDriftMs: SIM_STORE.maxDriftMs, toleranceMs: 2 * baseSkew + 100, marginMs: 2 * baseSkew + 100, record: clockRecord }
  const tracked = new Set<Entry>() // writes whose lifetime on the others clock-ttl checks
  let oddFaulty = clockMode === 'lagging' || (clockMode === 'skewed' && oddFromStart)
  // faults act only while the workload runs; the final heal ends them all
  let faultsOn = true
  let skewRefusals = 0
  let maxAbsSkew = baseSkew
  const keys = Array.from({ length: rng.range(4, 40) }, (_, i) => `k${i}`)
  const hot = keys.slice(0, Math.max(1, keys.length >> 3))
  const stats = { ops: 0, writes: 0, partitions: 0, crashes: 0, messages: 0, dropped: 0 }
  const replicas: Replica[] = []
  let groupOf: number[] = Array(n).fill(0) // nodes talk when their groups may talk
  let bridge: number | undefined // in a bridge partition, the group that talks to both others
  let round = 0
  const phases: Phase[] = []
  const faultKinds = new Set<string>()
  const phase = (): void => { phases.push({ t: q.now, groups: [...groupOf], bridge, alive: replicas.map(r => r.alive) }) }

  const canTalk = (a: number, b: number): boolean => {
    const ga = groupOf[a]; const gb = groupOf[b]
    return ga === gb || (bridge !== undefined && (ga === bridge || gb === bridge))
  }

  // ---- replicas ----------------------------------------------------------------------------
  /**
   * Starts incarnation `incarnation` of node `index`. A durable node keeps its identity (the
   * store's node id, `n<index>`) and its storage across restarts; an in-memory one is new each time.
   */
  const boot = (index: number, incarnation: number, storage: MemoryStorage | undefined): Replica => {
    // a restarted node keeps its machine's clock: the odd one comes back as odd as it went
    const skew = index === odd && oddFaulty ? oddSkew : rng.range(-baseSkew, baseSkew)
    const r: Replica = { id: `n${index}.${incarnation}`, index, store: undefined as unknown as Store, acceptor: undefined as unknown as Acceptor, alive: true, skew, queue: [], flushAt: undefined, tickAt: undefined, synced: incarnation === 0, storage, unacked: [], heard: new Map(), establishedAt: -Infinity }
    maxAbsSkew = Math.max(maxAbsSkew, Math.abs(skew))
    meshSkew = undefined
    r.store = new Store(storage !== undefined ? `n${index}` : r.id, { ...SIM_STORE, clock: () => q.now + r.skew, monotonic: () => q.now, mergeOrder: options.mergeOrder, storage: storage?.reopen() })
    // a replica's first incarnation has a new identity: it never granted, so it grants at once
    const kept = storage?.getMeta(ACCEPTOR_META)
    // the acceptor runs on the node's corrected clock, as the product's does
    r.acceptor = new Acceptor(() => r.store.now(), SIM_MAX_LEASE_TTL_MS, { fresh: incarnation === 0, restored: kept === undefined ? undefined : decodeAcceptorState(kept) })
    const journal = r.store.journal
    if (storage !== undefined && journal !== undefined) {
      // a durable acceptor writes its state before it answers a grant (Acceptor.grant; here at once)
      const handle = r.acceptor.handle.bind(r.acceptor)
      r.acceptor.handle = req => {
        const reply = handle(req)
        if (reply.granted) {
          journal.meta(ACCEPTOR_META, encodeAcceptorState(r.acceptor.state()))
          storage.writeSync(journal.drain())
        }
        return reply
      }
    }
    // what a durable node loaded, it holds: known to the checker as applied there
    for (const v of r.store.versions()) rec.apply(q.now, r.id, v)
    r.store.subscribe(e => { if (r.alive) rec.event(q.now, r.id, e.type, e.entry) })
    r.store.onDeadline = () => { armTick(r) }
    r.store.onApply = (e, local) => {
      if (local) return
      rec.apply(q.now, r.id, e)
      if (tracked.has(e)) clockRecord.receipts.push({ t: q.now, node: r.id, version: e, ...view(r) }) // for the TTL check
    }
    if (r.store.journal !== undefined) r.store.journal.onDirty = () => { endOfTurn(r) }
    replicas[index] = r
    armTick(r)
    return r
  }
  /** How a node's clock stands, in truth and in its own estimate. */
  let meshSkew: number | undefined // the true median clock, recomputed when a clock or liveness changes
  const view = (r: Replica): ClockView => {
    if (meshSkew === undefined) {
      // every machine's clock, crashed or not (it still ticks), but the one the schedule makes odd
      const others = clockMode === 'jumpy' ? replicas : replicas.filter(o => o.index !== odd)
      meshSkew = median(others.map(o => o.skew))
    }
    let connected = 0
    for (const h of r.heard.values()) if (h.connected && h.at + SIM_STORE.clockSampleTtlMs > q.now) connected++
    if (connected >= 2) r.establishedAt = q.now
    const established = q.now - r.establishedAt < SIM_STORE.clockSampleTtlMs
    return { trueOffset: r.skew - meshSkew, established, corrected: established, liar: clockMode === 'skewed' && r.index === odd }
  }
  const armTick = (r: Replica): void => {
    const at = r.store.nextDeadline()
    if (at === undefined) return
    // the deadline is on the node's (corrected) clock
    const when = Math.max(q.now, q.now + at - r.store.now())
    if (r.tickAt !== undefined && r.tickAt <= when) return
    r.tickAt = when
    q.at(when, () => {
      if (!r.alive || r.tickAt !== when) return
      r.tickAt = undefined
      r.store.tick()
      armTick(r)
    })
  }
  const merge = (r: Replica, entries: Entry[]): void => {
    if (!r.alive || entries.length === 0) return
    const outcomes = r.store.merge(entries)
    outcomes.forEach((o, i) => { if (o === 'drift') clockRecord.refusals.push({ t: q.now, node: r.id, version: entries[i], ...view(r) }) })
  }
  const time = (r: Replica): number => r.store.offsets.physical()
  /** A clock sample at `to` from `from`: round trip when `echo` is the instant `to` sent what this answers. */
  const sample = (to: Replica, from: Replica, peerTime: number, echo?: number): void => {
    // a crashed sender's connection is gone: nothing of it arrives after its peers saw it go
    if (!to.alive || !from.alive || replicas[from.index] !== from) return
    to.heard.set(from.id, { at: q.now, connected: true })
    if (!withSamples) return
    if (echo === undefined) to.store.offsets.oneWay(from.id, peerTime)
    else to.store.offsets.roundTrip(from.id, echo, peerTime)
  }

  // ---- network -----------------------------------------------------------------------------
  const send = (from: Replica, to: Replica, msg: Message): void => {
    stats.messages++
    if (!canTalk(from.index, to.index) || rng.chance(dropRate)) { stats.dropped++; return }
    const copies = rng.chance(dupRate) ? 2 : 1
    for (let c = 0; c < copies; c++) {
      const latency = 0.2 + rng.float() * meanLatency * (rng.chance(0.05) ? 20 : 1)
      q.at(q.now + latency, () => {
        // a partition or a crash drops what is in flight (the connection is gone)
        if (!to.alive || replicas[to.index] !== to || !canTalk(from.index, to.index)) { stats.dropped++; return }
        receive(from, to, msg)
      })
    }
  }
  const receive = (from: Replica, to: Replica, msg: Message): void => {
    switch (msg.type) {
      case 'gossip':
        sample(to, from, msg.time)
        try {
          admitBatch(msg.entries, from.store.node, to.store.hlc) // the sender is its identity, as a peer id is
          merge(to, msg.entries)
        } catch (err) {
          if (!(err instanceof InvalidMessageError)) throw err
          if (err.reason === 'drift') {
            for (const e of msg.entries) if (!to.store.hlc.withinDrift(e.wall)) clockRecord.refusals.push({ t: q.now, node: to.id, version: e, ...view(to) })
          }
          if (penalises(err.reason)) clockRecord.penalties.push({ t: q.now, node: to.id, sender: from.id, senderOffset: view(from).trueOffset, reason: err.reason })
        }
        return
      case 'digest': {
        sample(to, from, msg.time)
        const { diff, versions } = summarize(to.store, msg.buckets)
        send(to, from, { type: 'summary', round: msg.round, diff, versions, time: time(to), mark: q.now, echo: msg.mark })
        return
      }
      case 'summary': {
        sample(to, from, msg.time, msg.echo)
        if (msg.diff.length === 0) { to.synced = true; return }
        const p = plan(to.store, msg.diff, msg.versions)
        send(to, from, { type: 'push', round: msg.round, entries: p.push, want: p.want, time: time(to), mark: q.now, echo: msg.mark })
        return
      }
      case 'push':
        sample(to, from, msg.time, msg.echo)
        merge(to, msg.entries)
        to.synced = true
        send(to, from, { type: 'reply', round: msg.round, entries: lookup(to.store, msg.want).entries, time: time(to), echo: msg.mark })
        return
      case 'reply':
        sample(to, from, msg.time, msg.echo)
        merge(to, msg.entries)
        to.synced = true
        return
      case 'call':
        msg.run()
    }
  }
  const gossip = (r: Replica, e: Entry): void => {
    r.queue.push(e)
    endOfTurn(r)
  }
  /**
   * The end of this turn of the event loop: a durable node writes what changed to its storage
   * (a local write is acknowledged then, and only then gossiped, as Mesh does), then gossip goes out.
   */
  const endOfTurn = (r: Replica): void => {
    if (r.flushAt !== undefined) return
    r.flushAt = q.now + 0.1
    q.at(r.flushAt, () => {
      r.flushAt = undefined
      if (!r.alive) return
      if (r.storage !== undefined) {
        if (r.store.journal !== undefined) r.storage.writeSync(r.store.journal.drain())
        for (const e of r.unacked) acked.push({ index: r.index, version: e })
        r.unacked = []
      }
      const batch = r.queue
      r.queue = []
      if (batch.length === 0) return
      for (const other of replicas) if (other !== r && other.alive) send(r, other, { type: 'gossip', entries: batch, time: time(r) })
    })
  }
  /** Local writes a durable node acknowledged (flushed to its storage), by node index. */
  const acked: Array<{ index: number, version: Entry }> = []
  const durability: Violation[] = []
  /** After a durable restart: every write the node acknowledged before is held, or a newer version, or legitimately purged. */
  const checkRestored = (r: Replica): void => {
    const now = r.store.now()
    for (const a of acked) {
      if (a.index !== r.index) continue
      const held = r.store.version(a.version.key)
      if (held !== undefined && compareVersionIds(held, a.version) >= 0) continue
      // purged after its retention, by this clock or the previous incarnation's (within the skew bound)
      if (held === undefined && a.version.wall + r.store.retentionMs <= now + 2 * maxAbsSkew) continue
      durability.push({ check: 'durability', message: `${r.id} restarted without ${label(a.version)}, acknowledged by an earlier incarnation` })
    }
  }
  const startRound = (a: Replica, b: Replica): void => {
    if (!a.alive || !b.alive || a === b) return
    send(a, b, { type: 'digest', round: ++round, buckets: a.store.digest.snapshot(), time: time(a), mark: q.now })
  }
  /** New connections sync at once; of each pair the smaller id starts. */
  const connected = (a: Replica, b: Replica): void => {
    const [i, r] = a.id < b.id ? [a, b] : [b, a]
    q.at(q.now + 1 + rng.float() * 5, () => { startRound(i, r) })
  }
  const periodicSync = (r: Replica): void => {
    q.at(q.now + SYNC_INTERVAL_MS * (0.8 + 0.4 * rng.float()), () => {
      if (!r.alive || replicas[r.index] !== r) return
      const peers = replicas.filter(o => o !== r && o.alive && canTalk(r.index, o.index))
      if (peers.length > 0) startRound(r, rng.pick(peers))
      periodicSync(r)
    })
  }

  // ---- faults --------------------------------------------------------------------------------
  const setGroups = (groups: number[], bridgeGroup: number | undefined, what: string): void => {
    const before = replicas.map((_, a) => replicas.map((__, b) => canTalk(a, b)))
    groupOf = groups
    bridge = bridgeGroup
    phase()
    rec.fault(q.now, what)
    say(what)
    for (let a = 0; a < n; a++) {
      for (let b = a + 1; b < n; b++) {
        if (!before[a][b] && canTalk(a, b) && replicas[a].alive && replicas[b].alive) connected(replicas[a], replicas[b])
        // a cut connection: each forgets the other's clock, as the product does on peer:disconnect
        if (before[a][b] && !canTalk(a, b)) disconnected(replicas[a], replicas[b])
      }
    }
  }
  const healAll = (): void => { setGroups(Array(n).fill(0), undefined, 'heal') }
  const partitionNow = (kind: PartitionKind): void => {
    stats.partitions++
    faultKinds.add(kind === 'bridge' && n < 3 ? 'split-brain' : kind)
    const order = rng.shuffle([...Array(n).keys()])
    const groups = Array(n).fill(0)
    if (kind === 'isolated') {
      groups[order[0]] = 1
      setGroups(groups, undefined, `partition: isolate n${order[0]}`)
    } else if (kind === 'bridge' && n >= 3) {
      const cut = 1 + rng.int(n - 2)
      order.forEach((node, i) => { groups[node] = i === 0 ? 2 : i <= cut ? 1 : 0 })
      setGroups(groups, 2, `partition: bridge n${order[0]} between {${order.slice(1, cut + 1).map(x => 'n' + x).join(',')}} and {${order.slice(cut + 1).map(x => 'n' + x).join(',')}}`)
    } else {
      const cut = 1 + rng.int(n - 1)
      order.forEach((node, i) => { groups[node] = i < cut ? 1 : 0 })
      setGroups(groups, undefined, `partition: split {${order.slice(0, cut).map(x => 'n' + x).join(',')}} | {${order.slice(cut).map(x => 'n' + x).join(',')}}`)
    }
  }
  const disconnected = (a: Replica, b: Replica): void => {
    a.store.offsets.forget(b.id)
    b.store.offsets.forget(a.id)
    for (const [x, y] of [[a, b], [b, a]]) {
      const h = x.heard.get(y.id)
      if (h !== undefined) h.connected = false
    }
  }
  const crash = (r: Replica): void => {
    stats.crashes++
    faultKinds.add('crash')
    for (const o of replicas) {
      if (o === r || !o.alive) continue
      o.store.offsets.forget(r.id)
      const h = o.heard.get(r.id)
      if (h !== undefined) h.connected = false
    }
    r.alive = false
    meshSkew = undefined
    leases?.crashed(r)
    cp?.crashed(r.index)
    r.store.close() // what was staged and not flushed is lost with the process
    phase()
    rec.fault(q.now, `crash ${r.id}`)
    say(`crash ${r.id}`)
  }
  const restart = (index: number): void => {
    const old = replicas[index]
    const inc = Number(old.id.split('.')[1]) + 1
    const storage = old.storage === undefined ? undefined : options.loseDurableState === true ? new MemoryStorage() : old.storage
    const r = boot(index, inc, storage)
    if (old.storage !== undefined && options.loseDurableState === true) { r.skew = -SKEW_MS; meshSkew = undefined } // and its clock set back
    cp?.restarted(index) // a quorum member reopens its acceptor's storage
    const how = storage === undefined ? 'empty' : `durable, ${r.store.size} versions`
    if (storage !== undefined) { checkRestored(r); faultKinds.add('durable-restart') }
    phase()
    rec.fault(q.now, `restart n${index} as ${r.id} (${how})`)
    say(`restart n${index} as ${r.id} (${how})`)
    periodicSync(r)
    for (const o of replicas) if (o !== r && o.alive && canTalk(index, o.index)) connected(r, o)
  }

  // ---- workload ------------------------------------------------------------------------------
  const ttlChoices = [50, 300, 1_500, 5_000, 20_000, Infinity, undefined]
  const workload = (): void => {
    const live = replicas.filter(r => r.alive)
    if (live.length === 0) return
    const r = rng.pick(live)
    const key = rng.chance(0.3) ? rng.pick(hot) : rng.pick(keys)
    const roll = rng.float()
    stats.ops++
    if (roll < 0.35) {
      rec.read(q.now, r.id, key, r.store.get(key))
      return
    }
    stats.writes++
    const v = view(r)
    // what Store.set and delete would throw ClockSkewError for (asked first: a throw costs)
    const refusal = r.store.clockRefusal()
    if (refusal !== undefined) {
      skewRefusals++
      clockRecord.attempts.push({ t: q.now, node: r.id, result: refusal === 'ahead' ? 'ahead' : 'skew', ...v })
      return
    }
    const e = roll < 0.45 ? r.store.delete(key) : r.store.set(key, `v${stats.writes}`, rng.pick(ttlChoices))
    clockRecord.attempts.push({ t: q.now, node: r.id, result: 'ok', version: e, ...v })
    if (ttlTracked(clock, v, e)) tracked.add(e)
    rec.write(q.now, r.id, e)
    if (r.storage !== undefined) r.unacked.push(e)
    gossip(r, e)
  }

  // ---- the schedule ------------------------------------------------------------------------
  let leases: LeaseRun | undefined
  let cp: CpRun | undefined
  // about half the nodes are durable (a daemon), the others in memory (a library default)
  const durableNodes = Array.from({ length: n }, () => rng.chance(0.5))
  for (let i = 0; i < n; i++) boot(i, 0, durableNodes[i] ? new MemoryStorage() : undefined)
  phase()
  leases = leaseWorkload({
    q,
    rng,
    live: () => replicas.filter(r => r.alive),
    ready: node => (node as Replica).synced,
    call: (from, to, run) => { send(from as Replica, to as Replica, { type: 'call', run: () => { if ((to as Replica).alive) run() } }) },
    publish: (node, e) => { rec.write(q.now, node.id, e); if ((node as Replica).storage !== undefined) (node as Replica).unacked.push(e); gossip(node as Replica, e) },
    settleMs: 0.2 + meanLatency * 20 + 10,
    size: n
  }, duration)
  // the CP workload draws on its own PRNG, so the rest of a schedule is what it was without it
  const cpRng = new Prng((seed ^ 0x5bd1e995) >>> 0)
  cp = cpWorkload({
    q,
    rng: cpRng,
    size: n,
    node: i => replicas[i],
    clock: node => (node as Replica).store.now(),
    call: (from, to, run) => {
      const a = from as Replica
      const b = to as Replica
      if (!canTalk(a.index, b.index) || cpRng.chance(dropRate)) return
      const copies = cpRng.chance(dupRate) ? 2 : 1
      for (let c = 0; c < copies; c++) {
        const latency = 0.2 + cpRng.float() * meanLatency * (cpRng.chance(0.05) ? 20 : 1)
        // a partition or a crash drops what is in flight
        q.at(q.now + latency, () => { if (b.alive && replicas[b.index] === b && canTalk(a.index, b.index)) run() })
      }
    },
    meanLatency,
    skipPromiseCheck: options.skipPromiseCheck
  }, duration)
  for (const r of replicas) periodicSync(r)
  // how far apart the clocks the nodes run on (corrected once they have an estimate) are, sampled
  // every 50 virtual ms: leases end by these clocks, so this bounds how long two holders can overlap
  let runSpread = 0
  const sampleSpread = (): void => {
    const live = replicas.filter(r => r.alive)
    const eff = live.map(r => r.store.now() - q.now)
    const mid = median(eff)
    for (const e of eff) runSpread = Math.max(runSpread, Math.abs(e - mid))
    if (q.now < duration) q.at(q.now + 50, sampleSpread)
  }
  q.at(0, sampleSpread)
  const opGap = rng.pick([5, 20, 60])
  for (let t = rng.float() * opGap; t < duration; t += rng.float() * 2 * opGap) q.at(t, workload)
  const fault = (t: number, fn: () => void): void => { q.at(t, () => { if (faultsOn) fn() }) }
  const setClock = (index: number, to: number, what: string): void => {
    const r = replicas[index]
    rec.fault(q.now, `clock of ${r.id} ${what}: ${to - r.skew > 0 ? '+' : ''}${to - r.skew} ms to ${to} ms`)
    say(`clock of ${r.id} ${what}: ${to - r.skew} ms to ${to} ms`)
    r.skew = to
    meshSkew = undefined
    maxAbsSkew = Math.max(maxAbsSkew, Math.abs(to))
  }
  /** The odd clock is set right (NTP): back among the others. */
  const correctOdd = (): void => {
    if (!oddFaulty || clockMode !== 'skewed') return
    oddFaulty = false
    faultKinds.add('clock-fix')
    setClock(odd, rng.range(-baseSkew, baseSkew), 'is corrected')
  }
  if (clockMode === 'lagging') faultKinds.add('clock-lag')
  if (clockMode === 'skewed') {
    faultKinds.add('clock-skew')
    const from = oddFromStart ? 0 : rng.float() * duration / 2
    if (!oddFromStart) fault(from, () => { oddFaulty = true; setClock(odd, oddSkew, `jumps beyond maxDriftMs`) })
    if (rng.chance(0.6)) fault(from + rng.float() * (duration - from), correctOdd)
  }
  const faults = rng.range(0, 6)
  for (let f = 0; f < faults; f++) {
    const at = rng.float() * duration
    const roll = rng.float()
    if (roll < 0.5) {
      const kind = rng.pick<PartitionKind>(['split-brain', 'isolated', 'bridge', 'flapping'])
      if (kind === 'flapping') {
        faultKinds.add('flapping')
        const period = rng.range(200, 2_000)
        for (let k = 0; k < rng.range(2, 6); k++) {
          fault(at + 2 * k * period, () => { partitionNow(rng.pick<PartitionKind>(['split-brain', 'isolated'])); faultKinds.add('flapping') })
          fault(at + (2 * k + 1) * period, healAll)
        }
      } else {
        fault(at, () => { partitionNow(kind) })
        fault(at + rng.range(100, 8_000), healAll)
      }
    } else if (roll < 0.7) {
      const index = rng.int(n)
      fault(at, () => { if (replicas[index].alive && replicas.filter(r => r.alive).length > 1) crash(replicas[index]) })
      // some restarts are quick (a supervisor), so a clock set back on restart can fall below what the node issued
      fault(at + (rng.chance(0.3) ? rng.range(5, 200) : rng.range(50, 5_000)), () => { if (!replicas[index].alive) restart(index) })
    } else {
      const index = rng.int(n)
      fault(at, () => {
        if (index === odd && clockMode !== 'jumpy') return
        faultKinds.add('clock-jump')
        setClock(index, rng.range(-baseSkew, baseSkew), 'jumps')
      })
    }
  }
  q.runUntil(duration)

  // ---- heal, restart the crashed, quiesce --------------------------------------------------
  faultsOn = false
  leases.finish()
  cp.finish()
  correctOdd() // a clock still beyond maxDriftMs would refuse what the others write: no convergence to check
  healAll()
  for (let i = 0; i < n; i++) if (!replicas[i].alive) restart(i)
  const healedAt = q.now
  let convergeMs: number | undefined
  const digestsAgree = (): boolean => new Set(replicas.map(r => r.store.digest.root())).size === 1
  // Converged: the same versions everywhere, but for tombstones this close to their purge
  // instant, which skewed clocks reach at different moments (a steady stream of them, from the
  // lease workload's released claims and waiting markers, would otherwise keep the digests apart
  // until the last purge). The convergence check itself compares whole digests at a quiet instant.
  const settled = (): boolean => new Set(replicas.map(r => stableVersions(r.store, q.now, 2 * SKEW_MS + 100))).size === 1
  while (q.now < healedAt + CONVERGE_LIMIT_MS) {
    q.runUntil(q.now + 50)
    if (digestsAgree() || settled()) { convergeMs = q.now - healedAt; break }
  }
  say(convergeMs === undefined ? `did not converge within ${CONVERGE_LIMIT_MS} ms of the heal` : `converged ${convergeMs} ms after the heal`)
  // check at an instant no expiry or purge falls near, so skewed clocks agree on what is live
  const deadlines = replicas.flatMap(r => [...r.store.versions()].flatMap(v => [v.wall + r.store.retentionMs, v.expiresAt ?? -Infinity]))
  const skewBoundMs = 2 * maxAbsSkew // how far apart two physical clocks may be
  // two holders overlap by at most the disagreement of the clocks leases run on (plus a tick)
  const leaseBoundMs = Math.min(skewBoundMs, 2 * runSpread + 50)
  let checkAt = q.now + 100
  while (deadlines.some(d => Math.abs(d - checkAt) <= skewBoundMs + 50)) checkAt += 50
  q.runUntil(checkAt)
  for (const r of replicas) r.store.tick()

  const history: History = {
    ops: rec.ops,
    keys,
    final: replicas.map(r => ({ node: r.id, skew: r.store.now() - q.now, digest: r.store.digest.root(), visible: new Map(keys.map(k => [k, r.store.get(k)])) })),
    checkedAt: q.now,
    skewBoundMs,
    timerSlackMs: 0,
    retentionMs: Math.max(SIM_STORE.maxTtlMs, SIM_STORE.tombstoneGraceMs),
    exactApplies: true
  }
  const holds = leases.holds
  const violations = check(history, options.checks ?? { ...CHECKS, ...leaseChecks(() => holds, leaseBoundMs), ...clockChecks(() => clock) })
  violations.push(...durability)
  violations.push(...cp.check())
  if (convergeMs === undefined) violations.unshift({ check: 'convergence', message: `replicas did not converge within ${CONVERGE_LIMIT_MS} ms of the final heal` })
  const gossipOverlapList = overlaps(holds.filter(h => h.mode === 'gossip'))
  const gossipOverlaps = gossipOverlapList.length
  const beyondSkew = gossipOverlapList.filter(o => o.ms > leaseBoundMs)
  // gossip mode promises one holder when every claim arrives within the settle window: no
  // partition, no loss, no node catching up after a restart (clock skew aside)
  if (stats.partitions === 0 && dropRate === 0 && stats.crashes === 0) {
    for (const o of beyondSkew) violations.push({ check: 'gossip-one-holder', message: `lock ${o.a.lock}: ${o.a.node} and ${o.b.node} both held it for ${o.ms.toFixed(0)} ms from ${o.b.start.toFixed(0)} on a network without partitions or loss` })
  }
  const holdEnds: SimResult['holdEnds'] = { gossip: {}, quorum: {} }
  for (const h of holds) holdEnds[h.mode][h.how] = (holdEnds[h.mode][h.how] ?? 0) + 1
  return { seed, violations, nodes: n, ...stats, leaseCounts: leases.counts, holdEnds, holds: holds.length, holdList: holds, gossipOverlaps, gossipOverlapsBeyondSkew: beyondSkew.length, dropRate, convergeMs, virtualMs: q.now, timeline: lines, phases, faults: [...faultKinds].sort(), healedAt, clockMode, skewRefusals, history, clock, cp: cp.counts, cpMembers: cp.members, cpHistories: cp.histories }
}

/** An order-free fingerprint of a store's versions, leaving out tombstones purged within `windowMs` of `now`. */
function stableVersions (store: Store, now: number, windowMs: number): string {
  let count = 0
  let sum = 0
  let xor = 0
  for (const v of store.versions()) {
    if (v.tombstone && Math.abs(v.wall + store.retentionMs - now) <= windowMs) continue
    const id = `${v.key}\0${v.wall}.${v.counter}.${v.origin}`
    let h = 2166136261
    for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 16777619)
    count++
    sum = (sum + (h >>> 0)) % 4294967296
    xor ^= h
  }
  return `${count}:${sum}:${xor}`
}

/** A merge order that keeps whatever arrived first: the deliberately broken merge. */
export const firstArrivalWins = (): number => 1

/** True when two histories' final states are identical version for version (determinism check). */
export function sameOutcome (a: SimResult, b: SimResult): boolean {
  if (a.history.ops.length !== b.history.ops.length) return false
  return a.history.final.every((r, i) => r.digest === b.history.final[i].digest &&
    [...r.visible].every(([k, v]) => { const w = b.history.final[i].visible.get(k); return v === undefined || w === undefined ? v === w : compareVersionIds(v, w) === 0 }))
}
