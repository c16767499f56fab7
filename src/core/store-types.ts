/**
 * What the store takes and gives: its options (each with its default), the events it emits,
 * what merging a remote version did, a page of `list`, and its counters. The class is in
 * store.ts, which re-exports these.
 */
import type { Entry } from './entry.js'
import type { PhysicalClock } from './hlc.js'
import type { Signer, Verifier } from './signed.js'
import type { Storage } from './storage.js'
import type { ENTRY_OVERHEAD_BYTES } from './limits.js'

export interface StoreOptions {
  /** Physical clock, epoch milliseconds. Inject one to control time in tests. @default Date.now */
  clock?: PhysicalClock
  /**
   * A clock that never steps (the product passes `performance.now`): lets a step of `clock` move
   * the clock-offset estimate at once. @default clock
   */
  monotonic?: () => number
  /**
   * Remote timestamps further ahead of the mesh's time than this are rejected; a node whose clock
   * is further than this from the mesh's refuses local writes (ClockSkewError). @default 60_000
   */
  maxDriftMs?: number
  /** A clock offset from the mesh beyond this is reported (`stats().clock.level` `warn`). @default maxDriftMs / 2 */
  clockWarningMs?: number
  /** A peer's clock samples count this long (then it is taken to have left). @default 300_000 */
  clockSampleTtlMs?: number
  /** Largest key, in UTF-8 bytes. @default 1024 */
  maxKeyBytes?: number
  /** Largest value, in bytes. @default 1_048_576 */
  maxValueBytes?: number
  /** TTL of a write that gives none, in ms; `Infinity` for no expiry. @default 3_600_000 (1 hour) */
  defaultTtlMs?: number
  /** Longest finite TTL a write may ask for, in ms. @default 86_400_000 (24 hours) */
  maxTtlMs?: number
  /**
   * Least time a tombstone (deleted or expired key) is kept. Tombstones are kept for
   * `max(maxTtlMs, tombstoneGraceMs)` after their write. @default 600_000 (10 minutes)
   */
  tombstoneGraceMs?: number
  /** Digest buckets. @default 1024 */
  buckets?: number
  /**
   * Most keys held, live and tombstones alike: a write or delete of a key not held beyond it throws
   * StoreFullError when local, and is dropped and counted (`counters.full`) when remote.
   * @default 1_000_000
   */
  maxEntries?: number
  /**
   * Most bytes held: every version held, live or tombstone, costs its key characters plus its value
   * bytes plus {@link ENTRY_OVERHEAD_BYTES}; the same rule. A write that does not grow the total (an
   * overwrite with a value no larger, a delete of a held key) always fits.
   * @default 536_870_912 (512 MiB)
   */
  maxBytes?: number
  /** Signs writes under this node's own `@<node>/` namespace (without it such writes are refused). */
  signer?: Signer
  /** Checks owners' signatures on remote entries under `@<peer>/` (without it they are refused). */
  verify?: Verifier
  /**
   * The order remote versions are merged by. Only for fault injection: the simulator passes a
   * broken order to prove its checker catches it. @default compareVersions
   */
  mergeOrder?: (held: Entry, incoming: Entry) => number
  /**
   * Where versions and the HLC high-water mark are written through, and loaded from when the
   * store is made: see `load()`. Without it the store lives in memory only. @default undefined
   */
  storage?: Storage
  /** How far ahead of the clock the HLC high-water mark is reserved in `storage`. @default 5_000 */
  hlcReserveMs?: number
}

/** A change to the visible state. */
export interface StoreEvent {
  type: 'set' | 'delete' | 'expire'
  key: string
  /** The version now visible (`set`), or the tombstone (`delete`) or the version that expired (`expire`). */
  entry: Entry
  /** True when the change came from this replica's own write. */
  local: boolean
}

/** What merging one remote version did. */
export type MergeOutcome = 'applied' | 'stale' | 'drift' | 'obsolete' | 'full' | 'forged' | 'forged-claim'

export interface ListOptions {
  prefix?: string
  limit?: number
  /** The `nextCursor` of the previous page. */
  cursor?: string
}

export interface ListResult {
  keys: string[]
  entries: Entry[]
  nextCursor?: string
}

export interface StoreCounters {
  /** Remote versions applied. */
  applied: number
  /** Remote versions that were older than (or equal to) what was held. */
  stale: number
  /** Remote versions refused for being too far in the future. */
  drift: number
  /**
   * Remote non-expiring versions of a key with no local record, written longer ago than the
   * tombstone retention: a delete of that key may have been forgotten, so this may be a
   * resurrection (see docs/semantics.md, "Tombstone grace").
   */
  lateArrivals: number
  /** Entries that expired here. */
  expired: number
  /** Tombstones purged after their retention. */
  purged: number
  /** Remote versions dropped because the store was at maxEntries or maxBytes. */
  full: number
  /** Remote versions under a peer's namespace without that peer's valid signature. */
  forged: number
  /** Remote versions under `@meshkv/lease/` or `@meshkv/wait/` that are no genuine lock state (a token not its own clock, a malformed key; core/reserved.ts). */
  forgedClaims: number
}
