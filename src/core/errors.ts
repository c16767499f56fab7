/**
 * Named errors. Callers tell them apart by `err.name` (or `instanceof`), never by message text.
 * Every message says what was expected and what came.
 */
/** Base class of every error meshkv throws on purpose. */
export class MeshError extends Error {
  static override name = 'MeshError'
  constructor (message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = (this.constructor as typeof MeshError).name
  }
}

/** A key is empty, too long, not a string, or contains NUL. */
export class InvalidKeyError extends MeshError {
  static override name = 'InvalidKeyError'
}

/**
 * A public write (set or delete, through the library, HTTP, CLI or MCP) to a key under
 * `@meshkv/`: those keys hold meshkv's own state (lock claims, drops) and only meshkv writes them.
 */
export class ReservedKeyError extends InvalidKeyError {
  static override name = 'ReservedKeyError'
}

/** A value is larger than `maxValueBytes`, or of a type that is neither string nor Uint8Array. */
export class ValueTooLargeError extends MeshError {
  static override name = 'ValueTooLargeError'
}

/** A value is neither a string nor a Uint8Array. */
export class InvalidValueError extends MeshError {
  static override name = 'InvalidValueError'
}

/** A `ttl` is not a positive number of milliseconds, or exceeds `maxTtlMs`. */
export class InvalidTtlError extends MeshError {
  static override name = 'InvalidTtlError'
}

/** An option passed to `createMesh` or a method is out of range or of the wrong type. */
export class InvalidOptionError extends MeshError {
  static override name = 'InvalidOptionError'
}

/** The mesh was closed; no further operations are possible. */
export class MeshClosedError extends MeshError {
  static override name = 'MeshClosedError'
}

/** A wait (`waitFor`) ran past its `timeout`. */
export class WaitTimeoutError extends MeshError {
  static override name = 'WaitTimeoutError'
}

/** An operation was aborted through its `signal`. */
export class AbortError extends MeshError {
  static override name = 'AbortError'
}

/** The store is at `maxEntries` or `maxBytes`: a local write that would grow it is refused. */
export class StoreFullError extends MeshError {
  static override name = 'StoreFullError'
}

/**
 * A watch fell further behind than its `maxQueued` events or `maxQueuedBytes`: it was ended and
 * the events queued for it dropped, as etcd cancels a slow watcher and Redis drops a client over
 * its output buffer limit. Read the current state with `list()` and watch again.
 */
export class WatchOverflowError extends MeshError {
  static override name = 'WatchOverflowError'
}

/**
 * Why a lock could not be acquired: `held` by another owner; `contended` (another claim won the
 * race, or the acceptors answered no majority); `acceptor-restarting` (acceptors that restarted
 * grant nothing for `maxLeaseTtlMs`, and without them there is no majority); `acceptors-full`
 * (acceptors keep state for a bounded number of locks and refuse new ones while full).
 */
export type LockUnavailableReason = 'held' | 'contended' | 'acceptor-restarting' | 'acceptors-full'

/** A lock could not be acquired (and `wait` ran out, or was not given); `reason` says why. The CLI exits 4. */
export class LockUnavailableError extends MeshError {
  static override name = 'LockUnavailableError'
  readonly reason: LockUnavailableReason
  /** How long the caller waited (its `wait`) before giving up; 0 when it did not wait. */
  readonly waitedMs: number
  constructor (reason: LockUnavailableReason, message: string, options: ErrorOptions & { waitedMs?: number } = {}) {
    super(message, options)
    this.reason = reason
    this.waitedMs = options.waitedMs ?? 0
  }
}

/** Another leader is live (and `wait` ran out, or was not given). The CLI exits 4. */
export class ElectionLostError extends MeshError {
  static override name = 'ElectionLostError'
  /** How long the candidate campaigned (its `wait`) before giving up; 0 when it did not wait. */
  readonly waitedMs: number
  constructor (message: string, options: ErrorOptions & { waitedMs?: number } = {}) {
    super(message, options)
    this.waitedMs = options.waitedMs ?? 0
  }
}

/** Only the holder of a lock may renew or release it (a free lock has no holder). */
export class NotLockHolderError extends MeshError {
  static override name = 'NotLockHolderError'
}

/** Only the live leader of a group may resign it (a group without a leader has none). */
export class NotLeaderError extends MeshError {
  static override name = 'NotLeaderError'
}

/** This Node.js is too old for meshkv (it needs >= 22); thrown when the library is imported. */
export class UnsupportedRuntimeError extends MeshError {
  static override name = 'UnsupportedRuntimeError'
}

/** Why a lease ended without its holder releasing it. */
export type LeaseLossReason = 'expired' | 'superseded' | 'quorum-lost' | 'released' | 'closed'

/** The reason a lease's `signal` aborts with: the lease is over. */
export class LeaseLostError extends MeshError {
  static override name = 'LeaseLostError'
  readonly reason: LeaseLossReason
  constructor (reason: LeaseLossReason, message: string) {
    super(message)
    this.reason = reason
  }
}

/** The write a replication error is about: at run time the Entry itself (errors.ts imports no model). */
export interface WriteRef {
  readonly key: string
  readonly hlc: string
  readonly origin: string
  readonly deleted: boolean
}

/**
 * A write asked for `replicas: k` and was not confirmed by k peers. It is applied locally all the
 * same and keeps replicating (gossip, anti-entropy); `entry` is that write, `confirmed` how many
 * peers confirmed holding it when the error was raised, `wanted` the `replicas` asked for.
 */
export class ReplicationError extends MeshError {
  static override name = 'ReplicationError'
  readonly confirmed: number
  readonly wanted: number
  readonly entry: WriteRef
  constructor (message: string, fields: { confirmed: number, wanted: number, entry: WriteRef }) {
    super(message)
    this.confirmed = fields.confirmed
    this.wanted = fields.wanted
    this.entry = fields.entry
  }
}

/** Fewer than `replicas` peers confirmed a write within `replicaTimeout`. */
export class ReplicationTimeoutError extends ReplicationError {
  static override name = 'ReplicationTimeoutError'
}

/**
 * A write asked for `replicas: k` while fewer than k mesh peers were connected: it fails at once
 * (`confirmed` 0; `connected` says how many there were) rather than wait for peers to appear.
 */
export class NotEnoughPeersError extends ReplicationError {
  static override name = 'NotEnoughPeersError'
  readonly connected: number
  constructor (message: string, fields: { connected: number, wanted: number, entry: WriteRef }) {
    super(message, { confirmed: 0, wanted: fields.wanted, entry: fields.entry })
    this.connected = fields.connected
  }
}

/** A drop token is malformed (not a meshkv drop token), or a drop key or shared secret has the wrong size. */
export class InvalidTokenError extends MeshError {
  static override name = 'InvalidTokenError'
}

/** No drop for this token: never sealed, wrong token, expired, or already burnt (indistinguishable by design). */
export class DropNotFoundError extends MeshError {
  static override name = 'DropNotFoundError'
}

/** A drop's ciphertext failed authentication: tampered, or sealed with another secret. */
export class DropTamperedError extends MeshError {
  static override name = 'DropTamperedError'
}

/** A remote timestamp is further ahead of the local physical clock than `maxDriftMs` allows. */
export class ClockDriftError extends MeshError {
  static override name = 'ClockDriftError'
}

/**
 * A local write was refused because this node's clock is too far from the mesh's for the others to
 * accept what it would stamp: a majority of its peers put its clock more than `maxDriftMs` away,
 * or it has already issued timestamps that far ahead (its clock ran ahead and was set back).
 * `offsetMs` is this clock minus the mesh's (signed), `aheadMs` how far its timestamps run ahead.
 */
export class ClockSkewError extends MeshError {
  static override name = 'ClockSkewError'
  readonly offsetMs: number
  readonly aheadMs: number
  constructor (message: string, fields: { offsetMs: number, aheadMs: number }) {
    super(message)
    this.offsetMs = fields.offsetMs
    this.aheadMs = fields.aheadMs
  }
}

/** An input from the network could not be decoded or breaks a limit. Never escapes a handler. */
export class InvalidMessageError extends MeshError {
  static override name = 'InvalidMessageError'
  /** Why the message was rejected; used as the metrics label. */
  readonly reason: RejectReason
  constructor (reason: RejectReason, message: string) {
    super(message)
    this.reason = reason
  }
}

/** Why a network input was rejected (the label under which `stats().rejected` counts it). */
export type RejectReason = 'malformed' | 'oversized' | 'version' | 'drift' | 'invalid-entry' | 'origin-mismatch' | 'forged' | 'forged-claim' | 'rate-limited'

/**
 * A data directory holds something meshkv cannot read: a record that does not decode, a format
 * version it does not know, or a directory another meshkv process has open.
 */
export class StorageError extends MeshError {
  static override name = 'StorageError'
}

/**
 * A quorum-mode operation found no majority of the quorum members: `answered` of `members`
 * replied in time (refusals included), or the register stayed contended past the operation's
 * time limit. When `inDoubt`, a proposal of the change reached some member and may still take
 * effect (a later quorum operation on the register settles it either way), as after any timeout
 * of a consensus system. The CLI exits 4; HTTP answers 503.
 */
export class QuorumUnavailableError extends MeshError {
  static override name = 'QuorumUnavailableError'
  readonly answered: number
  readonly members: number
  readonly inDoubt: boolean
  constructor (message: string, fields: { answered: number, members: number, inDoubt?: boolean }, options?: ErrorOptions) {
    super(message, options)
    this.answered = fields.answered
    this.members = fields.members
    this.inDoubt = fields.inDoubt ?? false
  }
}

/** `mode: 'quorum'` on a mesh created without `quorum: { members }`. */
export class QuorumNotConfiguredError extends MeshError {
  static override name = 'QuorumNotConfiguredError'
}

/**
 * A bounded decrement (`dec` with `min`, quorum mode) would take the counter below its bound: the
 * counter is left as it was. `value` is the counter's value when it was refused.
 */
export class CounterBoundError extends MeshError {
  static override name = 'CounterBoundError'
  readonly value: number
  readonly min: number
  constructor (message: string, fields: { value: number, min: number }) {
    super(message)
    this.value = fields.value
    this.min = fields.min
  }
}

/**
 * A conditional write's condition did not hold (`ifNotExists` on a key with a live value,
 * `ifValue` on a key holding another value or none): nothing was written. In gossip mode the
 * condition was checked on this node's replica; in quorum mode, linearizably.
 */
export class ConditionFailedError extends MeshError {
  static override name = 'ConditionFailedError'
}

/** A queue receipt that is not one `pop` returned (garbled, or from another mode). */
export class InvalidReceiptError extends MeshError {
  static override name = 'InvalidReceiptError'
}

/**
 * An `ack` or `nack` whose delivery is no longer the item's latest: its visibility timeout ran out
 * and another consumer popped the item since (quorum mode), or (nack, gossip mode) another claim
 * superseded this one. The item is that consumer's now.
 */
export class StaleReceiptError extends MeshError {
  static override name = 'StaleReceiptError'
}

/** A quorum-mode queue is at its bound (its state is one register of at most `maxValueBytes`). */
export class QueueFullError extends MeshError {
  static override name = 'QueueFullError'
}
