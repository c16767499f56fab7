/**
 * What queues need from the mesh (built in api/data-hosts.ts), and the shapes they return.
 */
import type { Entry } from '../../core/entry.js'
import type { Outcome, RegisterState } from './quorum-state.js'

/** An item handed to one consumer by `pop`. */
export interface PoppedItem {
  /** The item's id (its push's HLC): the same on every delivery. */
  id: string
  data: Uint8Array
  /** Pass to `ack` (done) or `nack` (give it back now). */
  receipt: string
  /** Which delivery this is: 1 the first time, more after a visibility timeout or a nack. */
  deliveries: number
}

/** An item `peek` shows (not claimed by it). */
export interface PeekedItem {
  id: string
  data: Uint8Array
  deliveries: number
}

/** The quorum engine as queues use it (core/quorum.ts's QuorumHost). */
export interface QuorumRegisters {
  change: <R>(key: string, change: (current: RegisterState | undefined, now: number) => Outcome<R>, options?: { signal?: AbortSignal }) => Promise<R>
}

export interface QueueHost {
  readonly node: string
  readonly maxValueBytes: number
  readonly defaultTtlMs: number
  readonly maxTtlMs: number
  /** The mesh's time now (ms): visibility timeouts and expiry are measured on it. */
  now: () => number
  /** A fresh HLC timestamp of this node, as a string (a quorum-mode item's id). */
  stamp: () => string
  /** Writes at a key made from the write's own HLC (gossip-mode items); resolves once applied. */
  writeStamped: (keyOf: (position: string) => string, value: string | Uint8Array, options: { ttl?: number }) => Promise<Entry>
  /** Applied synchronously when called (so a check before it and the write are one step on this node); resolves once durable. */
  write: (key: string, value: string | Uint8Array, options: { ttl?: number }) => Promise<Entry>
  erase: (key: string) => Promise<Entry>
  get: (key: string) => Entry | undefined
  list: (options: { prefix: string, cursor?: string, limit?: number }) => { entries?: Entry[] }
  watch: (options: { prefix: string, signal?: AbortSignal }) => AsyncIterable<{ type: string, key: string, entry?: Entry }>
  /** Every change to the store, as it happens (local and remote), until the mesh closes. */
  subscribe: (fn: (e: { type: string, key: string, local: boolean }) => void) => void
  quorum: QuorumRegisters
}
