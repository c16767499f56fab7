/**
 * `mesh.stats()`: the store's and the network's counters in one object.
 */
import type { Acceptor } from '../core/acceptor.js'
import type { ClockStatus } from '../core/clock-offset.js'
import type { Store } from '../core/store.js'
import type { NetCounters } from '../net/metrics.js'
import type { DeliveryCounters } from '../net/delivery.js'
import type { MeshNode } from '../net/node.js'
import type { PushCounters } from '../net/push.js'

export interface MeshStats {
  /** Live entries. */
  entries: number
  /** Deleted or expired keys kept to stop older versions coming back. */
  tombstones: number
  /** Bytes counted against maxBytes: key characters + value bytes + 64 per version held, tombstones included. */
  bytes: number
  /** Peers connected in this mesh. */
  peers: number
  /** Root of the state digest: equal on two converged nodes. */
  digest: string
  messagesIn: number
  messagesOut: number
  entriesIn: number
  entriesOut: number
  publishErrors: number
  /** Gossip batches not published: in a small clique of peers, pushing each write directly to every peer already reached every node (docs/replication.md). */
  directOnly: number
  /** Network inputs refused, by reason, and their total. */
  rejected: NetCounters['rejected'] & { total: number }
  syncs: NetCounters['syncs']
  /**
   * Remote versions applied, stale, refused for drift, dropped at capacity, refused as forged
   * (an owned key without its owner's signature; a lock claim whose token is not its own clock).
   */
  merges: { applied: number, stale: number, drift: number, full: number, forged: number, forgedClaims: number }
  expired: number
  purged: number
  /** Possible resurrections: see docs/semantics.md, "Tombstone grace". */
  lateArrivals: number
  /** Watches open now, and those ended because their consumer fell too far behind (WatchOverflowError). */
  watches: { active: number, overflowed: number }
  /**
   * Local writes no peer has confirmed holding yet (the latest write per key; a write made with
   * no peer connected stays here until one connects and takes it).
   */
  undelivered: number
  /** The push protocol (direct delivery with acks) and the delivery ledger: see docs/api.md. */
  replication: PushCounters & DeliveryCounters
  /**
   * This node's quorum-mode acceptor: locks it keeps state for (at most `maxLocks`), acquisitions
   * of new lock names refused while full, locks forgotten after their grants ended, and until
   * when it grants nothing after a restart (epoch ms; absent when it grants now).
   */
  acceptor: { locks: number, maxLocks: number, full: number, forgotten: number, recoveringUntil?: number }
  /**
   * This node's quorum register acceptor (CASPaxos): registers it keeps (`held`, at most
   * `maxRegisters`), requests naming new registers refused while full, registers forgotten
   * (empty or expired, and idle), and `amnesic` (1 when it refuses everything: restarted in
   * memory under an identity file it had before; else 0).
   */
  registers: { held: number, maxRegisters: number, full: number, forgotten: number, amnesic: number }
  /**
   * This node's clock against the mesh's: `offsetMs` (this clock minus the mesh's median, signed,
   * whole ms), `peers` (how many connected peers' clocks that median is over), `correctionMs` (what
   * this node subtracts from its clock: offsetMs bounded by ±maxDriftMs), `level` (`skewed`: local
   * writes refused with ClockSkewError; `warn`: |offsetMs| over the warning threshold). See
   * docs/semantics.md, "Clocks that lie".
   */
  clock: ClockStatus
}

/** `'entries'`, `'syncs.initiated'`: the path of every number in MeshStats (a nested one as `group.field`). */
type NumberPaths<T> = {
  [K in keyof T & string]: T[K] extends number ? K : T[K] extends object ? `${K}.${keyof T[K] & string}` : never
}[keyof T & string]

/** The path of a number in MeshStats; `rejected` (counted by reason) is exported on its own. */
export type StatPath = Exclude<NumberPaths<MeshStats>, `rejected.${string}` | 'clock.level'>

/** How one number of `stats()` is exported: its Prometheus name and what it counts. */
export interface StatField {
  /** Prometheus metric name; monotonic counters end in `_total`. */
  metric: string
  /** What it counts (the metric's HELP line and the docs' description). */
  help: string
}

/**
 * Every number of `stats()`, once: the Prometheus exposition (`GET /v1/metrics`) is made from this
 * table, and a test holds docs/api.md to it. The type requires exactly one row per field.
 */
export const STATS_FIELDS: { readonly [P in StatPath]: StatField } = {
  entries: { metric: 'meshkv_entries', help: 'Live entries held by this node' },
  tombstones: { metric: 'meshkv_tombstones', help: 'Deleted or expired keys kept to stop older versions coming back' },
  bytes: { metric: 'meshkv_bytes', help: 'Bytes counted against maxBytes: key characters, value bytes and 64 per version held, tombstones included' },
  peers: { metric: 'meshkv_peers', help: 'Connected peers in this mesh' },
  messagesIn: { metric: 'meshkv_gossip_messages_in_total', help: 'Gossip messages received' },
  messagesOut: { metric: 'meshkv_gossip_messages_out_total', help: 'Gossip messages published' },
  entriesIn: { metric: 'meshkv_gossip_entries_in_total', help: 'Entries received by gossip' },
  entriesOut: { metric: 'meshkv_gossip_entries_out_total', help: 'Entries published by gossip' },
  publishErrors: { metric: 'meshkv_gossip_publish_errors_total', help: 'Gossip publishes that failed (anti-entropy repairs them)' },
  directOnly: { metric: 'meshkv_gossip_direct_only_total', help: 'Gossip batches not published because direct pushes to a small clique of peers covered every node' },
  'syncs.initiated': { metric: 'meshkv_sync_rounds_initiated_total', help: 'Anti-entropy rounds started' },
  'syncs.served': { metric: 'meshkv_sync_rounds_served_total', help: 'Anti-entropy rounds served' },
  'syncs.failed': { metric: 'meshkv_sync_rounds_failed_total', help: 'Anti-entropy rounds that failed' },
  'syncs.inSync': { metric: 'meshkv_sync_rounds_in_sync_total', help: 'Anti-entropy rounds whose digests already matched' },
  'syncs.entriesSent': { metric: 'meshkv_sync_entries_sent_total', help: 'Entries sent by anti-entropy' },
  'syncs.entriesReceived': { metric: 'meshkv_sync_entries_received_total', help: 'Entries received by anti-entropy' },
  'syncs.full': { metric: 'meshkv_sync_rounds_full_total', help: 'Anti-entropy rounds that found a side at capacity' },
  'syncs.backedOff': { metric: 'meshkv_sync_rounds_backed_off_total', help: 'Anti-entropy rounds skipped while a pair backs off from a full side' },
  'syncs.partial': { metric: 'meshkv_sync_rounds_partial_total', help: "Anti-entropy rounds that left versions for the next (a phase's byte budget)" },
  'merges.applied': { metric: 'meshkv_merges_applied_total', help: 'Remote versions applied' },
  'merges.stale': { metric: 'meshkv_merges_stale_total', help: 'Remote versions older than the one held' },
  'merges.drift': { metric: 'meshkv_merges_drift_total', help: 'Remote versions refused: dated beyond the drift bound' },
  'merges.full': { metric: 'meshkv_merges_full_total', help: 'Remote versions dropped: the store was at capacity' },
  'merges.forged': { metric: 'meshkv_merges_forged_total', help: "Remote versions refused: an owned key without its owner's signature" },
  'merges.forgedClaims': { metric: 'meshkv_merges_forged_claims_total', help: 'Remote lock claims refused: the token is not their own clock' },
  'acceptor.locks': { metric: 'meshkv_acceptor_locks', help: 'Locks the quorum acceptor keeps state for' },
  'acceptor.maxLocks': { metric: 'meshkv_acceptor_max_locks', help: 'Most locks the quorum acceptor keeps state for' },
  'acceptor.full': { metric: 'meshkv_acceptor_full_total', help: 'Acquisitions of new lock names refused while the acceptor was full' },
  'acceptor.forgotten': { metric: 'meshkv_acceptor_forgotten_total', help: 'Locks the acceptor dropped after their grants ended' },
  'registers.held': { metric: 'meshkv_registers_held', help: 'Quorum registers the register acceptor keeps' },
  'registers.maxRegisters': { metric: 'meshkv_registers_max', help: 'Most quorum registers the register acceptor keeps' },
  'registers.full': { metric: 'meshkv_registers_full_total', help: 'Register requests naming new registers refused while the acceptor was full' },
  'registers.forgotten': { metric: 'meshkv_registers_forgotten_total', help: 'Empty or expired idle registers the acceptor dropped' },
  'registers.amnesic': { metric: 'meshkv_registers_amnesic', help: '1 while the register acceptor refuses everything (restarted in memory under an identity it had before)' },
  'acceptor.recoveringUntil': { metric: 'meshkv_acceptor_recovering_until', help: 'Epoch ms until which the acceptor grants nothing after a restart (0: it grants now)' },
  expired: { metric: 'meshkv_expired_total', help: 'Entries that expired here' },
  purged: { metric: 'meshkv_purged_total', help: 'Tombstones purged after their retention' },
  lateArrivals: { metric: 'meshkv_late_arrivals_total', help: 'Possible resurrections after the tombstone grace' },
  'watches.active': { metric: 'meshkv_watches', help: 'Watches open now' },
  'watches.overflowed': { metric: 'meshkv_watches_overflowed_total', help: 'Watches cut off with WatchOverflowError (their consumer fell behind)' },
  undelivered: { metric: 'meshkv_undelivered', help: 'Local writes no peer has confirmed holding yet (the latest per key)' },
  'replication.framesOut': { metric: 'meshkv_push_frames_out_total', help: 'Push frames sent' },
  'replication.framesFailed': { metric: 'meshkv_push_frames_failed_total', help: 'Push frames that failed (stream error, timeout, refusal)' },
  'replication.pushed': { metric: 'meshkv_push_entries_pushed_total', help: 'Writes pushed with their values' },
  'replication.offered': { metric: 'meshkv_push_entries_offered_total', help: 'Versions offered without their values' },
  'replication.held': { metric: 'meshkv_push_entries_held_total', help: 'Entries peers answered they hold' },
  'replication.framesIn': { metric: 'meshkv_push_frames_in_total', help: 'Push frames received and answered' },
  'replication.entriesIn': { metric: 'meshkv_push_entries_in_total', help: 'Writes received by push and applied (or already held)' },
  'replication.confirmed': { metric: 'meshkv_delivery_confirmed_total', help: 'Ledger writes a peer confirmed' },
  'replication.superseded': { metric: 'meshkv_delivery_superseded_total', help: 'Ledger writes overwritten or expired before delivery' },
  'replication.timeouts': { metric: 'meshkv_delivery_timeouts_total', help: '`replicas` waits that timed out' },
  'replication.notEnoughPeers': { metric: 'meshkv_delivery_not_enough_peers_total', help: '`replicas` waits that failed at once for lack of peers' },
  'replication.undeliveredAtClose': { metric: 'meshkv_delivery_undelivered_at_close', help: 'Writes left undelivered by the last close()' },
  'clock.offsetMs': { metric: 'meshkv_clock_offset_ms', help: "This node's clock minus the mesh's median clock, ms (signed)" },
  'clock.peers': { metric: 'meshkv_clock_peers', help: "Connected peers whose clock this node knows" },
  'clock.correctionMs': { metric: 'meshkv_clock_correction_ms', help: 'What this node subtracts from its clock to run on mesh time, ms' }
}

/** `stats().clock.level` as a number: 1 while local writes are refused with ClockSkewError. */
export const CLOCK_SKEWED_FIELD = { metric: 'meshkv_clock_skewed', help: "1 while this node's clock is beyond maxDriftMs of the mesh's (local writes refused)" } as const

/** `stats().rejected`, exported as one counter labelled by reason (its `total` is left to the sum). */
export const REJECTED_FIELD = { metric: 'meshkv_rejected_total', help: 'Network inputs refused, by reason', label: 'reason' } as const

/** The number at `path` in a stats object; an optional one that is absent reads as 0. */
export function statAt (stats: MeshStats, path: StatPath): number {
  const dot = path.indexOf('.')
  if (dot < 0) return stats[path as keyof MeshStats] as number
  const group = stats[path.slice(0, dot) as keyof MeshStats] as unknown as Record<string, number | undefined>
  return group[path.slice(dot + 1)] ?? 0
}

export function statsOf (store: Store, node: MeshNode, watches: MeshStats['watches']): MeshStats {
  const c = node.counters
  const m = store.counters
  const rejected = c.rejected
  return {
    ...store.stats(),
    peers: node.meshPeers().length,
    digest: store.digest.root(),
    messagesIn: c.messagesIn,
    messagesOut: c.messagesOut,
    entriesIn: c.entriesIn,
    entriesOut: c.entriesOut,
    publishErrors: c.publishErrors,
    directOnly: c.directOnly,
    rejected: { ...rejected, total: Object.values(rejected).reduce((a, b) => a + b, 0) },
    syncs: { ...c.syncs },
    merges: { applied: m.applied, stale: m.stale, drift: m.drift, full: m.full, forged: m.forged, forgedClaims: m.forgedClaims },
    expired: m.expired,
    purged: m.purged,
    lateArrivals: m.lateArrivals,
    watches,
    undelivered: node.delivery.undelivered,
    replication: { ...node.pushCounters, ...node.delivery.counters },
    acceptor: acceptorStats(node.acceptor, store.now()),
    registers: { held: node.casAcceptor.size, maxRegisters: node.casAcceptor.maxRegisters, full: node.casAcceptor.counters.full, forgotten: node.casAcceptor.counters.forgotten, amnesic: node.casAcceptor.amnesic ? 1 : 0 },
    clock: clockStats(store)
  }
}

function clockStats (store: Store): ClockStatus {
  const s = store.offsets.status()
  return { offsetMs: Math.round(s.offsetMs), peers: s.peers, correctionMs: Math.round(s.correctionMs), level: s.level }
}

function acceptorStats (a: Acceptor, now: number): MeshStats['acceptor'] {
  const out: MeshStats['acceptor'] = { locks: a.size, maxLocks: a.maxLocks, full: a.counters.full, forgotten: a.counters.forgotten }
  if (a.recoverUntil > now) out.recoveringUntil = a.recoverUntil
  return out
}
