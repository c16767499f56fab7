/**
 * The storage under the store: where versions (live entries and tombstones), a few meta
 * records (the HLC high-water mark, the lease acceptor's grants) and the quorum registers'
 * acceptor slots (core/cas-acceptor.ts) are kept so that a node survives a restart. The store keeps its working state in memory and writes every change
 * through; on open it loads everything back with `scan()`.
 *
 * Two implementations pass one conformance suite (test/core/storage.conformance.ts):
 * `MemoryStorage` (src/core/memory-storage.ts; the simulator's durable restarts) and
 * `LmdbStorage` (src/storage/lmdb.ts; a data directory on disk).
 */
import type { Entry } from './entry.js'
import { StorageError } from './errors.js'

/** One change in a write: a version put (a tombstone is a version too), a key removed, a meta record set. */
export type StorageOp =
  | { type: 'put', entry: Entry }
  | { type: 'remove', key: string }
  | { type: 'meta', name: string, value: Uint8Array }
  /** A quorum register's acceptor slot (core/caspaxos.ts `encodeSlot`); undefined removes it. */
  | { type: 'register', key: string, slot: Uint8Array | undefined }

export interface ScanOptions {
  /** Only keys starting with this. @default '' */
  prefix?: string
  /** Start after this key. */
  after?: string
  /** At most this many. @default Infinity */
  limit?: number
}

export interface Storage {
  /** True when what `write` resolved for survives the process (a crash, `kill -9`, a power cut). */
  readonly durable: boolean
  /**
   * Applies `ops` as one atomic transaction, in order, and resolves once it is committed (on
   * disk, for a durable storage): after a crash either all of it or none of it is there. Writes
   * started in the same event-loop turn may share one commit. Reads see a write once it resolved.
   */
  write (ops: readonly StorageOp[]): Promise<void>
  /** The version held for a key (a tombstone included), or undefined. */
  get (key: string): Entry | undefined
  /** Versions in key order (by Unicode code point, which is UTF-8 byte order). */
  scan (options?: ScanOptions): IterableIterator<Entry>
  /** A meta record, or undefined. */
  getMeta (name: string): Uint8Array | undefined
  /** Every quorum register slot kept, as `[key, slot]` (any order): loaded once at start. */
  registers (): IterableIterator<[string, Uint8Array]>
  /** Resolves when every write started before has committed. */
  flushed (): Promise<void>
  /** Waits for pending writes, then releases the storage. Idempotent. */
  close (): Promise<void>
}

/** Code point order of two strings (JS `<` is UTF-16 order, which differs above U+D7FF). */
export function compareKeys (a: string, b: string): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i)
    const y = b.charCodeAt(i)
    if (x === y) continue
    // a surrogate stands for a code point above U+FFFF: greater than any other UTF-16 unit
    const sx = x >= 0xd800 && x <= 0xdfff
    const sy = y >= 0xd800 && y <= 0xdfff
    if (sx !== sy) return sx ? 1 : -1
    return x < y ? -1 : 1
  }
  return a.length - b.length
}

/**
 * The value of `e` as `storage` holds it (a durable store keeps committed values on disk only
 * and reads them back from here). @throws StorageError when the storage holds another version.
 */
export function readBack (storage: Storage, e: Entry): Uint8Array {
  let stored: Entry | undefined
  try {
    stored = storage.get(e.key)
  } catch (err) {
    throw new StorageError(`the value of ${JSON.stringify(e.key.slice(0, 200))} is kept on disk and the data directory cannot be read (closed?): ${(err as Error).message}`, { cause: err })
  }
  if (stored === undefined || stored.wall !== e.wall || stored.counter !== e.counter || stored.origin !== e.origin) {
    throw new StorageError(`the value of ${JSON.stringify(e.key.slice(0, 200))} (${e.hlc}) is no longer in the data directory`)
  }
  return stored.value
}
