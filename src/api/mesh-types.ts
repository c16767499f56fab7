/**
 * What the calls of `Mesh` take and give: the options of writes (replication, TTL, conditions),
 * of watches and waits, the events a watch yields, a page of `list`, what `flush` and `close`
 * report.
 */
import type { Entry } from '../core/entry.js'
import { InvalidOptionError } from '../core/errors.js'
import { checkNumberOption } from '../core/limits.js'
import type { Condition } from '../features/conditional/conditional.js'

/** How far a write must get before its promise resolves (`set`, `delete`). */
export interface ReplicationOptions {
  /**
   * Connected mesh peers that must have applied the write before the promise resolves. 0: applied
   * locally (it is then gossiped and handed to a peer shortly). With fewer peers connected than
   * asked the call fails at once with NotEnoughPeersError; the write stays applied either way.
   * @default 0
   */
  replicas?: number
  /** Milliseconds to wait for `replicas` acks before rejecting with ReplicationTimeoutError. @default 5_000 */
  replicaTimeout?: number
  /** Stops waiting for acks (AbortError); the write stays applied. */
  signal?: AbortSignal
}

export interface SetOptions extends ReplicationOptions, Condition {
  /** Time to live in ms; `Infinity` never expires. @default the mesh's `defaultTtlMs` */
  ttl?: number
}

/** `delete`'s options: replication, and a condition (`ifValue`, `mode`). */
export interface DeleteOptions extends ReplicationOptions, Omit<Condition, 'ifNotExists'> {}

/** What `flush()` and `close()` could not hand to a peer. */
export interface DeliveryReport {
  /** Local writes (the latest per key) no peer has confirmed holding. */
  undelivered: number
}

export interface WatchOptions {
  /** Only keys starting with this. @default '' */
  prefix?: string
  /** Ends the iteration when aborted. */
  signal?: AbortSignal
  /**
   * Most events held for a consumer that has not taken them yet. Past it (or `maxQueuedBytes`) the
   * watch ends: its queued events are dropped and the iteration throws WatchOverflowError.
   * @default 10_000
   */
  maxQueued?: number
  /** Most bytes held for the consumer: key characters + value bytes + 64 per event; the same rule. @default 67_108_864 (64 MiB) */
  maxQueuedBytes?: number
}

export interface WaitOptions {
  signal?: AbortSignal
  /** Milliseconds to wait before rejecting with WaitTimeoutError. @default no limit */
  timeout?: number
}

/** A visible change: a value set, deleted, or expired. */
export interface MeshEvent {
  type: 'set' | 'delete' | 'expire'
  key: string
  /** The new entry (`set`), the tombstone (`delete`), or the version that expired (`expire`). */
  entry?: Entry
  /** True when this node made the change. */
  local: boolean
}

export interface ListPage {
  keys: string[]
  entries?: Entry[]
  /** Pass as `cursor` to get the next page; absent on the last page. */
  nextCursor?: string
}

/** Validates `replicas` and `replicaTimeout`; returns the replicas asked for. */
export function checkReplication (options: ReplicationOptions): number {
  const replicas = checkNumberOption('replicas', options.replicas ?? 0, 0, 1_000)
  if (!Number.isInteger(replicas)) throw new InvalidOptionError(`\`replicas\` must be a whole number of peers, got ${replicas}`)
  if (options.replicaTimeout !== undefined) checkNumberOption('replicaTimeout', options.replicaTimeout, 0, 2 ** 31 - 1)
  return replicas
}
