/**
 * Deterministic simulation: N replicas of the product's core (`Store`, digest, merge, the sync
 * planning, the gossip admission rule, the lock client and the acceptor) over a simulated network in virtual time, driven by a
 * seeded PRNG. The network delays, drops, duplicates and reorders messages and partitions the
 * nodes; nodes crash and restart, empty (an in-memory node: a new identity) or from what their
 * storage holds (a durable node: the same identity); clocks are skewed and jump. Only the transport is
 * simulated: every decision about what wins, expires or is sent is the product's code.
 */
import { admitBatch } from '../src/core/admit.js'
import type { Entry } from '../src/core/entry.js'
import { InvalidMessageError } from '../src/core/errors.js'
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

export type PartitionKind = 'split-brain' | 'isolated' | 'bridge' | 'flapping'

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
  history: History
}

export interface Phase {
  t: number
  groups: number[]
  bridge: number | undefined
  alive: boolean[]
}

/** Settings of the simulated product: small so that expiry and purges happen within a run. */
export const SIM_STORE = { maxTtlMs: 20_000, tombstoneGraceMs: 5_000, defaultTtlMs: 10_000, maxDriftMs: 1_000 } as const
const SKEW_MS = 400 // |skew| bound per node; pairwise within maxDriftMs
const SYNC_INTERVAL_MS = 1_000
const CONVERGE_LIMIT_MS = 60_000

interface Replica {
  id: string
  index: number
  store: Store
  acceptor: Acceptor
  alive: boolean
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
}

type Message =
  | { type: 'gossip', entries: Entry[] }
  | { type: 'digest', round: number, buckets: Uint32Array }
  | { type: 'summary', round: number, diff: number[], versions: Entry[] }
  | { type: 'push', round: number, entries: Entry[], want: string[] }
  | { type: 'reply', round: number, entries: Entry[] }
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
    const r: Replica = { id: `n${index}.${incarnation}`, index, store: undefined as unknown as Store, acceptor: undefined as unknown as Acceptor, alive: true, skew: rng.range(-SKEW_MS, SKEW_MS), queue: [], flushAt: undefined, tickAt: undefined, synced: incarnation === 0, storage, unacked: [] }
    r.store = new Store(storage !== undefined ? `n${index}` : r.id, { ...SIM_STORE, clock: () => q.now + r.skew, mergeOrder: options.mergeOrder, storage: storage?.reopen() })
    // a replica's first incarnation has a new identity: it never granted, so it grants at once
    const kept = storage?.getMeta(ACCEPTOR_META)
    r.acceptor = new Acceptor(() => q.now + r.skew, SIM_MAX_LEASE_TTL_MS, { fresh: incarnation === 0, restored: kept === undefined ? undefined : decodeAcceptorState(kept) })
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
    r.store.onApply = (e, local) => { if (!local) rec.apply(q.now, r.id, e) }
    if (r.store.journal !== undefined) r.store.journal.onDirty = () => { endOfTurn(r) }
    replicas[index] = r
    armTick(r)
    return r
  }
  const armTick = (r: Replica): void => {
    const at = r.store.nextDeadline()
    if (at === undefined) return
    const when = Math.max(q.now, at - r.skew)
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
    r.store.merge(entries)
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
        try {
          admitBatch(msg.entries, from.store.node, to.store.hlc) // the sender is its identity, as a peer id is
          merge(to, msg.entries)
        } catch (err) {
          if (!(err instanceof InvalidMessageError)) throw err
        }
        return
      case 'digest': {
        const { diff, versions } = summarize(to.store, msg.buckets)
        send(to, from, { type: 'summary', round: msg.round, diff, versions })
        return
      }
      case 'summary': {
        if (msg.diff.length === 0) { to.synced = true; return }
        const p = plan(to.store, msg.diff, msg.versions)
        send(to, from, { type: 'push', round: msg.round, entries: p.push, want: p.want })
        return
      }
      case 'push':
        merge(to, msg.entries)
        to.synced = true
        send(to, from, { type: 'reply', round: msg.round, entries: lookup(to.store, msg.want).entries })
        return
      case 'reply':
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
      for (const other of replicas) if (other !== r && other.alive) send(r, other, { type: 'gossip', entries: batch })
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
      if (held === undefined && a.version.wall + r.store.retentionMs <= now + 2 * SKEW_MS) continue
      durability.push({ check: 'durability', message: `${r.id} restarted without ${label(a.version)}, acknowledged by an earlier incarnation` })
    }
  }
  const startRound = (a: Replica, b: Replica): void => {
    if (!a.alive || !b.alive || a === b) return
    send(a, b, { type: 'digest', round: ++round, buckets: a.store.digest.snapshot() })
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
  const crash = (r: Replica): void => {
    stats.crashes++
    faultKinds.add('crash')
    r.alive = false
    leases?.crashed(r)
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
    if (old.storage !== undefined && options.loseDurableState === true) r.skew = -SKEW_MS // and its clock set back
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
    const e = roll < 0.45 ? r.store.delete(key) : r.store.set(key, `v${stats.writes}`, rng.pick(ttlChoices))
    rec.write(q.now, r.id, e)
    if (r.storage !== undefined) r.unacked.push(e)
    gossip(r, e)
  }

  // ---- the schedule ------------------------------------------------------------------------
  let leases: LeaseRun | undefined
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
  for (const r of replicas) periodicSync(r)
  const opGap = rng.pick([5, 20, 60])
  for (let t = rng.float() * opGap; t < duration; t += rng.float() * 2 * opGap) q.at(t, workload)
  // faults act only while the workload runs; the final heal ends them all
  let faultsOn = true
  const fault = (t: number, fn: () => void): void => { q.at(t, () => { if (faultsOn) fn() }) }
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
        const r = replicas[index]
        faultKinds.add('clock-jump')
        const to = rng.range(-SKEW_MS, SKEW_MS)
        rec.fault(q.now, `clock of ${r.id} jumps ${to - r.skew > 0 ? '+' : ''}${to - r.skew} ms`)
        say(`clock of ${r.id} jumps ${to - r.skew} ms`)
        r.skew = to
      })
    }
  }
  q.runUntil(duration)

  // ---- heal, restart the crashed, quiesce --------------------------------------------------
  faultsOn = false
  leases.finish()
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
  let checkAt = q.now + 100
  while (deadlines.some(d => Math.abs(d - checkAt) <= 2 * SKEW_MS + 50)) checkAt += 50
  q.runUntil(checkAt)
  for (const r of replicas) r.store.tick()

  const history: History = {
    ops: rec.ops,
    keys,
    final: replicas.map(r => ({ node: r.id, skew: r.skew, digest: r.store.digest.root(), visible: new Map(keys.map(k => [k, r.store.get(k)])) })),
    checkedAt: q.now,
    skewBoundMs: 2 * SKEW_MS,
    timerSlackMs: 0,
    retentionMs: Math.max(SIM_STORE.maxTtlMs, SIM_STORE.tombstoneGraceMs),
    exactApplies: true
  }
  const holds = leases.holds
  const violations = check(history, options.checks ?? { ...CHECKS, ...leaseChecks(() => holds, 2 * SKEW_MS) })
  violations.push(...durability)
  if (convergeMs === undefined) violations.unshift({ check: 'convergence', message: `replicas did not converge within ${CONVERGE_LIMIT_MS} ms of the final heal` })
  const gossipOverlapList = overlaps(holds.filter(h => h.mode === 'gossip'))
  const gossipOverlaps = gossipOverlapList.length
  const beyondSkew = gossipOverlapList.filter(o => o.ms > 2 * SKEW_MS)
  // gossip mode promises one holder when every claim arrives within the settle window: no
  // partition, no loss, no node catching up after a restart (clock skew aside)
  if (stats.partitions === 0 && dropRate === 0 && stats.crashes === 0) {
    for (const o of beyondSkew) violations.push({ check: 'gossip-one-holder', message: `lock ${o.a.lock}: ${o.a.node} and ${o.b.node} both held it for ${o.ms.toFixed(0)} ms from ${o.b.start.toFixed(0)} on a network without partitions or loss` })
  }
  const holdEnds: SimResult['holdEnds'] = { gossip: {}, quorum: {} }
  for (const h of holds) holdEnds[h.mode][h.how] = (holdEnds[h.mode][h.how] ?? 0) + 1
  return { seed, violations, nodes: n, ...stats, leaseCounts: leases.counts, holdEnds, holds: holds.length, holdList: holds, gossipOverlaps, gossipOverlapsBeyondSkew: beyondSkew.length, dropRate, convergeMs, virtualMs: q.now, timeline: lines, phases, faults: [...faultKinds].sort(), healedAt, history }
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
