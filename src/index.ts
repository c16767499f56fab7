/**
 * meshkv: a shared, self-forgetting memory for agent processes. Each process embeds a libp2p
 * node; nodes of one mesh replicate TTL-tagged writes, last-writer-wins by hybrid logical clock,
 * and repair what gossip lost by anti-entropy.
 *
 * @example
 * ```ts
 * import { createMesh } from 'meshkv'
 * const mesh = await createMesh({ name: 'agents' })
 * await mesh.set('task:42', JSON.stringify({ state: 'running' }), { ttl: 30_000 })
 * mesh.get('task:42')?.json()
 * ```
 */
// first: on a Node.js older than 22 the import stops here, saying so (api/runtime.ts)
import './api/runtime.js'
import { Mesh } from './api/mesh.js'
import type { MeshOptions } from './api/options.js'

/**
 * Starts a mesh node: listens, discovers peers (mDNS, bootstrap), joins the mesh's topic and
 * begins anti-entropy. Every option is optional; see {@link MeshOptions} for the defaults.
 */
export async function createMesh (options: MeshOptions = {}): Promise<Mesh> {
  return Mesh.create(options)
}

export { Mesh }
export type { SetOptions, DeleteOptions, ReplicationOptions, DeliveryReport, WatchOptions, WaitOptions, MeshEvent, ListPage } from './api/mesh-types.js'
export type { ReadyOptions } from './api/readiness.js'
export { DEFAULT_MESH_NAME, DEFAULT_LISTEN, type MeshOptions } from './api/options.js'
export { STATS_FIELDS, REJECTED_FIELD, CLOCK_SKEWED_FIELD, statAt, type MeshStats, type StatPath, type StatField } from './api/stats.js'
export type { ClockStatus, ClockLevel } from './core/clock-offset.js'
export { CLOCK_WARNING_CODE } from './api/start.js'
export type { ListOptions } from './core/store.js'
export type { SyncResult } from './net/sync.js'
export { Entry } from './core/entry.js'
export {
  MeshError, InvalidKeyError, ReservedKeyError, InvalidValueError, ValueTooLargeError, InvalidTtlError, InvalidOptionError,
  MeshClosedError, WaitTimeoutError, AbortError, ClockDriftError, ClockSkewError, InvalidMessageError, type RejectReason,
  LockUnavailableError, type LockUnavailableReason, ElectionLostError, StoreFullError, StorageError, WatchOverflowError, NotLockHolderError, NotLeaderError, LeaseLostError, type LeaseLossReason,
  ReplicationError, ReplicationTimeoutError, NotEnoughPeersError, type WriteRef,
  InvalidTokenError, DropNotFoundError, DropTamperedError, UnsupportedRuntimeError,
  QuorumUnavailableError, QuorumNotConfiguredError,
  InvalidReceiptError, StaleReceiptError, QueueFullError
} from './core/errors.js'
export { UNCHANGED, type QuorumHost, type Change, type RegisterState } from './core/quorum.js'
export { CounterBoundError, ConditionFailedError } from './core/errors.js'
export { Counters, type CounterOptions, type IncOptions, type DecOptions } from './features/counters/counters.js'
export { Sets, MAX_MEMBERS_PER_CALL, type SetReadOptions, type SetAddOptions } from './features/sets/sets.js'
export type { Condition } from './features/conditional/conditional.js'
export type { Mode } from './features/data-host.js'
export { Lease, DEFAULT_LOCK_TTL_MS, DEFAULT_MAX_LEASE_TTL_MS, MIN_SETTLE_MS, MAX_SETTLE_MS, type LockOptions, type QuorumOptions } from './features/locks/locks.js'
export type { LockStatus, LeaseMode } from './core/lease.js'
export { Leadership, DEFAULT_ELECTION_TTL_MS, electionLock, type ElectOptions } from './features/election/election.js'
export { Heartbeat, DEFAULT_HEARTBEAT_INTERVAL_MS, type HeartbeatOptions, type Member } from './features/presence/presence.js'
export { DEFAULT_MAX_DRIFT_MS } from './core/hlc.js'
export { DEFAULT_MAX_KEY_BYTES, DEFAULT_MAX_VALUE_BYTES, DEFAULT_TTL_MS, DEFAULT_MAX_TTL_MS, DEFAULT_TOMBSTONE_GRACE_MS } from './core/limits.js'
export { DEFAULT_SYNC_INTERVAL_MS } from './net/node.js'
export { DEFAULT_WATCH_MAX_QUEUED, DEFAULT_WATCH_MAX_QUEUED_BYTES } from './api/watch.js'
export { DEFAULT_REPLICA_TIMEOUT_MS, DEFAULT_CLOSE_TIMEOUT_MS } from './net/delivery.js'
export { Drops, type SealOptions, type OpenOptions, type Sealed, type InboxResult, type OpenedDrop, type FailedDrop } from './features/drops/drops.js'
export { Logs, type LogRecord, type AppendOptions, type RangeOptions, type LogWatchOptions } from './features/logs/logs.js'
export { Queues, DEFAULT_VISIBILITY_TIMEOUT_MS, DEFAULT_PEEK_LIMIT, DEAD_SUFFIX, type PoppedItem, type PeekedItem, type QueueOptions, type PushOptions, type PopOptions, type PeekOptions } from './features/queues/queues.js'
export { generateDropKeyPair, type DropKeyPair } from './features/drops/crypto.js'
export { generateSwarmKey } from './net/trust.js'
