/**
 * The replica: entries by key, merged last-writer-wins, with absolute expiry, tombstone retention
 * and an incremental digest. Pure and deterministic for a given clock and input sequence: no
 * timers (the owner calls `tick()` at `nextDeadline()`), no I/O, no libp2p.
 *
 * Beside it: its options, events and counters (store-types.ts), what it holds against its
 * limits (capacity.ts), when its node may stamp writes (clock-guard.ts), who may write an owned
 * key and how it is signed (signed.ts), and its storage's read-back (storage.ts).
 */
import { Digest, bucketOf, DEFAULT_BUCKETS } from './digest.js'
import { EMPTY_VALUE, type Entry } from './entry.js'
import { ClockOffsets } from './clock-offset.js'
import { MeshClosedError, StoreFullError } from './errors.js'
import { checkOwnWrite, ownEntry, verifyOwnership, type Signer, type Verifier } from './signed.js'
import { hiddenUnder } from './keys.js'
import { DeadlineHeap } from './heap.js'
import { ValuePool } from './value-pool.js'
import { forgedReserved } from './reserved.js'
import { Hlc, type Timestamp } from './hlc.js'
import { decodeCursor, encodeCursor, KeyIndex } from './key-index.js'
import {
  checkKey, checkNumberOption, resolveTtl, toValueBytes,
  DEFAULT_MAX_BYTES, DEFAULT_MAX_ENTRIES, DEFAULT_MAX_KEY_BYTES, DEFAULT_MAX_TTL_MS, DEFAULT_MAX_VALUE_BYTES, DEFAULT_TOMBSTONE_GRACE_MS, DEFAULT_TTL_MS
} from './limits.js'
import { compareVersionIds, compareVersions } from './merge.js'
import { DEFAULT_HLC_RESERVE_MS, Journal } from './journal.js'
import { readBack, type Storage } from './storage.js'
import { Capacity } from './capacity.js'
import { checkClock, clockRefusal } from './clock-guard.js'
import type { ListOptions, ListResult, MergeOutcome, StoreCounters, StoreEvent, StoreOptions } from './store-types.js'

export type { ListOptions, ListResult, MergeOutcome, StoreCounters, StoreEvent, StoreOptions } from './store-types.js'

const EXPIRE = 0
const PURGE = 1

export class Store {
  readonly hlc: Hlc
  /**
   * This node's clock against the mesh's: the network feeds it the peers' clock readings, and the
   * HLC runs on its corrected time (the physical clock less the offset, bounded by maxDriftMs).
   */
  readonly offsets: ClockOffsets
  readonly digest: Digest
  readonly maxKeyBytes: number
  readonly maxValueBytes: number
  readonly defaultTtlMs: number
  readonly maxTtlMs: number
  readonly tombstoneGraceMs: number
  /** How long a tombstone is kept after its write: `max(maxTtlMs, tombstoneGraceMs)`. */
  readonly retentionMs: number
  readonly maxEntries: number
  readonly maxBytes: number
  /** Keys, tombstones and bytes held against maxEntries and maxBytes (capacity.ts). */
  private readonly capacity: Capacity
  readonly counters: StoreCounters = { applied: 0, stale: 0, drift: 0, lateArrivals: 0, expired: 0, purged: 0, full: 0, forged: 0, forgedClaims: 0 }

  private readonly mergeOrder: ((held: Entry, incoming: Entry) => number) | undefined
  private readonly signer: Signer | undefined
  private readonly verify: Verifier | undefined
  private readonly map = new Map<string, Entry>()
  private readonly heap = new DeadlineHeap<Entry>()
  private readonly listeners = new Set<(event: StoreEvent) => void>()
  private readonly index = new KeyIndex(() => this.map.keys())
  /** Where the small values held in memory are kept (value-pool.ts). */
  private readonly values = new ValuePool()
  /** Called when the earliest deadline moves earlier, so the owner can re-arm its timer. */
  onDeadline: ((at: number) => void) | undefined
  /** Called for every version that replaces the held one (local or remote), in order. */
  onApply: ((entry: Entry, local: boolean) => void) | undefined
  /** What a store with a storage writes through (undefined in memory). */
  readonly journal: Journal | undefined
  /** With a durable storage: lets go of a committed version's value if it is still the one held. */
  private readonly evict: ((e: Entry) => void) | undefined
  private closed = false

  constructor (node: string, options: StoreOptions = {}) {
    this.hlc = new Hlc(node, { clock: () => this.offsets.now(), maxDriftMs: options.maxDriftMs })
    if (options.clockWarningMs !== undefined) checkNumberOption('clockWarningMs', options.clockWarningMs, 0, 2 ** 40)
    this.offsets = new ClockOffsets({ clock: options.clock, monotonic: options.monotonic, maxDriftMs: this.hlc.maxDriftMs, warnMs: options.clockWarningMs, sampleTtlMs: options.clockSampleTtlMs })
    this.digest = new Digest(options.buckets ?? DEFAULT_BUCKETS)
    this.maxKeyBytes = checkNumberOption('maxKeyBytes', options.maxKeyBytes ?? DEFAULT_MAX_KEY_BYTES, 1, 65_536)
    this.maxValueBytes = checkNumberOption('maxValueBytes', options.maxValueBytes ?? DEFAULT_MAX_VALUE_BYTES, 0, 64 * 1024 * 1024)
    this.maxTtlMs = checkNumberOption('maxTtlMs', options.maxTtlMs ?? DEFAULT_MAX_TTL_MS, 1, 2 ** 40)
    this.defaultTtlMs = checkNumberOption('defaultTtlMs', options.defaultTtlMs ?? Math.min(DEFAULT_TTL_MS, this.maxTtlMs), 1, this.maxTtlMs, true)
    this.tombstoneGraceMs = checkNumberOption('tombstoneGraceMs', options.tombstoneGraceMs ?? DEFAULT_TOMBSTONE_GRACE_MS, 0, 2 ** 40)
    this.retentionMs = Math.max(this.maxTtlMs, this.tombstoneGraceMs)
    this.mergeOrder = options.mergeOrder
    this.signer = options.signer
    this.verify = options.verify
    this.maxEntries = checkNumberOption('maxEntries', options.maxEntries ?? DEFAULT_MAX_ENTRIES, 1, 2 ** 40)
    this.maxBytes = checkNumberOption('maxBytes', options.maxBytes ?? DEFAULT_MAX_BYTES, 1, 2 ** 50)
    this.capacity = new Capacity(this.maxEntries, this.maxBytes)
    if (options.storage !== undefined) {
      this.journal = new Journal(options.storage, this.hlc, options.hlcReserveMs ?? Math.min(DEFAULT_HLC_RESERVE_MS, this.hlc.maxDriftMs / 4))
      if (options.storage.durable) {
        // committed values live on disk only: read back (memory-mapped) when asked for
        const storage = options.storage
        const read = (e: Entry): Uint8Array => readBack(storage, e)
        this.evict = e => { if (this.map.get(e.key) === e) e.evict(read) }
        this.journal.onCommitted = entries => { for (const e of entries) this.evict?.(e) }
      }
      this.load(options.storage)
    }
  }

  /**
   * Loads what a storage holds, as the store was when it last wrote: every version, tombstones
   * included. What expired while the node was down is kept as a tombstone without its value,
   * and tombstones past their retention are purged, silently: no event is emitted for anything
   * loaded, so nothing stale is announced. The clock resumes above every timestamp held and
   * above the reserved high-water mark.
   */
  private load (storage: Storage): void {
    const now = this.hlc.physical()
    let top = { wall: Journal.reservedIn(storage), counter: 0 }
    for (const loaded of storage.scan()) {
      if (loaded.wall > top.wall || (loaded.wall === top.wall && loaded.counter > top.counter)) top = loaded
      let e = loaded
      if (e.tombstone || e.isExpired(now)) {
        if (e.wall + this.retentionMs <= now) {
          this.journal?.remove(e.key)
          this.counters.purged++
          continue
        }
        if (!e.tombstone) {
          e = e.stripped()
          this.journal?.put(e)
          this.counters.expired++
        }
        this.heap.push(e.wall + this.retentionMs, e, PURGE)
      } else if (e.expiresAt !== undefined) {
        this.heap.push(e.expiresAt, e, EXPIRE)
      }
      this.remember(e, false)
      this.index.added(e.key)
      this.evict?.(e)
    }
    this.hlc.advance(top)
  }

  /**
   * Writes every change since the last flush to the storage as one atomic write; resolves when
   * it and every earlier one are committed (on disk, for a durable storage). At once without a storage.
   */
  async flush (): Promise<void> {
    await this.journal?.flush()
  }

  get node (): string {
    return this.hlc.node
  }

  /** The signature check for owned keys (gossip admission uses it too). */
  get verifier (): Verifier | undefined {
    return this.verify
  }

  /** The mesh's time now: the physical clock corrected by its estimated offset (see `offsets`). */
  now (): number {
    return this.hlc.physical()
  }

  /** Subscribes to visible changes; returns the unsubscribe function. */
  subscribe (fn: (event: StoreEvent) => void): () => void {
    this.listeners.add(fn)
    return () => { this.listeners.delete(fn) }
  }

  // ---- local writes ------------------------------------------------------------------------

  /**
   * A local write: validates, stamps with the HLC, applies. `stamp`, when given, must come from
   * `this.hlc.now()` just before (a caller that needs the timestamp inside the key: lease claims).
   */
  set (key: string, value: string | Uint8Array, ttl?: number, stamp?: Timestamp): Entry {
    this.assertOpen()
    this.checkClock()
    checkKey(key, this.maxKeyBytes)
    const bytes = toValueBytes(value, this.maxValueBytes)
    const ttlMs = resolveTtl(ttl, this.defaultTtlMs, this.maxTtlMs)
    const held = this.map.get(key)
    const room = this.capacity.room(this.map.size, key, held, bytes.byteLength)
    if (room !== undefined) throw new StoreFullError(room)
    checkOwnWrite(key, this.node, this.signer)
    const t = stamp ?? this.hlc.now()
    const entry = ownEntry({
      key,
      value: bytes,
      wall: t.wall,
      counter: t.counter,
      origin: t.node,
      expiresAt: ttlMs === Infinity ? undefined : t.wall + ttlMs
    }, this.node, this.signer)
    this.apply(entry, true, this.hlc.physical(), held)
    return entry
  }

  /** Throws ClockSkewError when what this node would stamp now is something its peers refuse (clock-guard.ts). */
  checkClock (): void {
    checkClock(this.hlc, this.offsets)
  }

  /** Why local writes are refused now, without throwing: `skewed`, `ahead` (clock-guard.ts), or undefined. */
  clockRefusal (): 'skewed' | 'ahead' | undefined {
    return clockRefusal(this.hlc, this.offsets)
  }

  /** A local delete: a tombstone write with its own HLC. */
  delete (key: string): Entry {
    this.assertOpen()
    this.checkClock()
    checkKey(key, this.maxKeyBytes)
    checkOwnWrite(key, this.node, this.signer)
    const held = this.map.get(key)
    // a tombstone is held like any version: deleting a key not held adds one
    const room = this.capacity.room(this.map.size, key, held, 0)
    if (room !== undefined) throw new StoreFullError(room)
    const t = this.hlc.now()
    const entry = ownEntry({ key, value: EMPTY_VALUE, wall: t.wall, counter: t.counter, origin: t.node, deleted: true }, this.node, this.signer)
    this.apply(entry, true, this.hlc.physical(), held)
    return entry
  }

  // ---- reads ---------------------------------------------------------------------------------

  /** The live entry of a key, or undefined when absent, deleted or expired (checked lazily). */
  get (key: string): Entry | undefined {
    const e = this.map.get(key)
    if (e === undefined || e.deleted) return undefined
    if (e.expiresAt !== undefined && (e.expiresAt <= this.hlc.physical() || e.tombstone)) return undefined
    return this.evict === undefined ? e : e.detached()
  }

  has (key: string): boolean {
    return this.get(key) !== undefined
  }

  /** The version held for a key, live or not (tombstones included). */
  version (key: string): Entry | undefined {
    return this.map.get(key)
  }

  /**
   * Live entries in key order, paginated. The cursor is the last key of the previous page. Keys
   * starting with `@` (meshkv's own under `@meshkv/`, peers' owned namespaces `@<peer>/`) are left
   * out unless the prefix starts with `@`.
   */
  list (options: ListOptions = {}): ListResult {
    const prefix = options.prefix ?? ''
    const limit = options.limit ?? Infinity
    checkNumberOption('limit', limit, 1, Number.MAX_SAFE_INTEGER, true)
    const after = options.cursor !== undefined ? decodeCursor(options.cursor) : undefined
    const now = this.hlc.physical()
    const keys: string[] = []
    const entries: Entry[] = []
    let more = false
    for (const key of this.index.range(prefix, after)) {
      if (hiddenUnder(key, prefix)) continue
      const e = this.map.get(key)
      if (e === undefined || !e.isLive(now)) continue
      if (keys.length >= limit) { more = true; break }
      keys.push(key)
      entries.push(this.evict === undefined ? e : e.detached())
    }
    return more ? { keys, entries, nextCursor: encodeCursor(keys[keys.length - 1]) } : { keys, entries }
  }

  /** Every version held under a key prefix, tombstones included, in key order. */
  versionsWithPrefix (prefix: string): Entry[] {
    const out: Entry[] = []
    for (const key of this.index.range(prefix)) {
      const e = this.map.get(key)
      if (e !== undefined) out.push(e)
    }
    return out
  }

  /** Every version held, tombstones included (for sync and checks). */
  versions (): IterableIterator<Entry> {
    return this.map.values()
  }

  /** Versions held whose keys fall in the given digest buckets. */
  versionsInBuckets (buckets: Iterable<number>): Entry[] {
    const wanted = new Set(buckets)
    const out: Entry[] = []
    if (wanted.size === 0) return out
    const n = this.digest.bucketCount
    for (const e of this.map.values()) {
      if (wanted.has(bucketOf(e.key, n))) out.push(e)
    }
    return out
  }

  // ---- remote writes -------------------------------------------------------------------------

  /**
   * Merges remote versions (already validated for shape). The clock observes the greatest of
   * them once; each is then applied if it wins. Returns one outcome per input.
   */
  merge (entries: readonly Entry[]): MergeOutcome[] {
    this.assertOpen()
    const now = this.hlc.physical()
    const horizon = now + this.hlc.maxDriftMs
    let max: Entry | undefined
    for (const e of entries) {
      if (e.wall <= horizon && (max === undefined || e.wall > max.wall || (e.wall === max.wall && e.counter > max.counter))) max = e
    }
    if (max !== undefined) this.hlc.receive(max)
    return entries.map(e => this.mergeOne(e, now, horizon))
  }

  private mergeOne (e: Entry, now: number, horizon: number): MergeOutcome {
    if (e.wall > horizon) {
      this.counters.drift++
      return 'drift'
    }
    if (!verifyOwnership(e, this.verify)) {
      this.counters.forged++
      return 'forged'
    }
    if (forgedReserved(e) !== undefined) {
      this.counters.forgedClaims++
      return 'forged-claim'
    }
    const held = this.map.get(e.key)
    if (held !== undefined && this.holds(held, e)) {
      this.counters.stale++
      return 'stale'
    }
    if (e.wall + this.retentionMs <= now) {
      if (e.deleted || e.expiresAt !== undefined) {
        // Past its retention: dead everywhere. Only useful to supersede an older version held here.
        if (held === undefined) return 'obsolete'
      } else if (held === undefined) {
        this.counters.lateArrivals++
      }
    }
    if (this.capacity.room(this.map.size, e.key, held, e.deleted ? 0 : e.value.byteLength) !== undefined) {
      this.counters.full++
      return 'full'
    }
    this.counters.applied++
    this.apply(e, false, now, held)
    return 'applied'
  }

  // ---- time ----------------------------------------------------------------------------------

  /** When `tick()` next has work, in epoch ms; undefined when nothing is scheduled. */
  nextDeadline (): number | undefined {
    return this.heap.peek()
  }

  /** Expires and purges whatever is due at the clock's now. Emits `expire` events. */
  tick (): void {
    const now = this.hlc.physical()
    while ((this.heap.peek() ?? Infinity) <= now) {
      this.heap.pop((e, tag) => {
        if (this.map.get(e.key) !== e) return // superseded since it was scheduled
        if (tag === EXPIRE) this.expire(e)
        else this.purge(e)
      })
    }
    // Superseded versions linger in the heap until their deadline; compact when they dominate.
    if (this.heap.size > 2 * this.map.size + 1024) {
      this.heap.filter(e => this.map.get(e.key) === e)
    }
  }

  // ---- state ---------------------------------------------------------------------------------

  /** Number of keys held, tombstones included. */
  get size (): number {
    return this.map.size
  }

  /** Live entries, tombstones and the bytes counted against maxBytes (see {@link StoreOptions.maxBytes}). */
  stats (): { entries: number, tombstones: number, bytes: number } {
    return { entries: this.map.size - this.capacity.tombstones, tombstones: this.capacity.tombstones, bytes: this.capacity.bytes }
  }

  /**
   * True when a key not held would not fit: the store is at maxEntries, or has no bytes left for
   * even the smallest version. Anti-entropy tells peers, so they stop offering new keys.
   */
  get atCapacity (): boolean {
    return this.capacity.full(this.map.size)
  }

  /** Stops accepting writes and merges; drops the state. */
  close (): void {
    this.closed = true
    this.listeners.clear()
    this.heap.clear()
  }

  get isClosed (): boolean {
    return this.closed
  }

  // ---- internals -----------------------------------------------------------------------------

  private assertOpen (): void {
    if (this.closed) throw new MeshClosedError('the mesh is closed')
  }

  /** Replaces the held version of `e.key` (`held`, looked up by the caller) by `e`, which already won; schedules it, emits. */
  private apply (e: Entry, local: boolean, now: number, held = this.map.get(e.key)): void {
    if (held !== undefined) {
      this.forget(held)
      // An expiry that the timer has not processed yet still deserves its event.
      if (!held.tombstone && held.isExpired(now)) {
        this.counters.expired++
        this.emit({ type: 'expire', key: held.key, entry: held, local: false })
      }
    } else {
      this.index.added(e.key)
    }
    if (this.onApply !== undefined) this.onApply(e, local)
    this.journal?.reserve()
    let stored = e
    if (!e.deleted && e.expiresAt !== undefined && e.expiresAt <= now) stored = e.stripped()
    this.remember(stored)
    // a tombstone (a delete, or a version that had expired when it arrived, stripped here or by
    // the sender) waits for its purge; a live value for its expiry
    if (stored.tombstone) {
      this.schedule(stored.wall + this.retentionMs, stored, PURGE)
    } else if (stored.expiresAt !== undefined) {
      this.schedule(stored.expiresAt, stored, EXPIRE)
    }
    const wasVisible = held !== undefined && held.isLive(now)
    if (stored.isLive(now)) {
      this.emit({ type: 'set', key: e.key, entry: stored, local })
    } else if (wasVisible) {
      // superseded by a delete, or by a newer version that had already expired when it arrived
      this.emit({ type: e.deleted ? 'delete' : 'expire', key: e.key, entry: e.deleted ? stored : e, local })
    }
  }

  private expire (e: Entry): void {
    const s = e.stripped()
    this.forget(e)
    this.remember(s)
    this.schedule(s.wall + this.retentionMs, s, PURGE)
    this.counters.expired++
    this.emit({ type: 'expire', key: e.key, entry: e, local: false })
  }

  /** Whether the held version wins over (or is the same as) an incoming one. */
  private holds (held: Entry, incoming: Entry): boolean {
    if (this.mergeOrder !== undefined) return this.mergeOrder(held, incoming) >= 0
    // An expired version held without its value is the same version as one arriving with it.
    return (held.tombstone ? compareVersionIds(held, incoming) : compareVersions(held, incoming)) >= 0
  }

  private schedule (at: number, e: Entry, tag: number): void {
    const earliest = this.heap.peek()
    this.heap.push(at, e, tag)
    if ((earliest === undefined || at < earliest) && this.onDeadline !== undefined) this.onDeadline(at)
  }

  private purge (e: Entry): void {
    this.journal?.remove(e.key)
    this.forget(e)
    this.map.delete(e.key)
    this.index.removed(e.key)
    this.counters.purged++
  }

  /** Holds `e` (the held version of its key already forgotten); `write` false for what was loaded. */
  private remember (e: Entry, write = true): void {
    if (write) this.journal?.put(e)
    if (this.evict === undefined) e.pool(this.values)
    this.map.set(e.key, e)
    this.digest.add(e)
    this.capacity.add(e)
  }

  private forget (e: Entry): void {
    e.rehydrate() // an evicted value, read back before the disk's copy goes: whoever holds `e` keeps it
    this.digest.remove(e)
    this.capacity.remove(e)
  }

  private emit (event: StoreEvent): void {
    // listeners (watchers, waits) may read the entry long after: one whose value stays readable
    if (this.evict !== undefined && this.listeners.size > 0) event = { ...event, entry: event.entry.detached() }
    for (const fn of this.listeners) fn(event)
  }
}
