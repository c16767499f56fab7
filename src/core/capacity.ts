/**
 * What a store holds against its limits: keys (live and tombstones), tombstones, and bytes, where
 * every version held costs its key characters, its value bytes (none for a tombstone) and
 * {@link ENTRY_OVERHEAD_BYTES}. The store tells it every version it starts or stops holding.
 */
import type { Entry } from './entry.js'
import { ENTRY_OVERHEAD_BYTES } from './limits.js'

export class Capacity {
  readonly maxEntries: number
  readonly maxBytes: number
  /** Tombstones held (deleted and expired versions). */
  tombstones = 0
  /** The bytes counted against maxBytes. */
  bytes = 0

  constructor (maxEntries: number, maxBytes: number) {
    this.maxEntries = maxEntries
    this.maxBytes = maxBytes
  }

  /** A version is now held. */
  add (e: Entry): void {
    if (e.tombstone) this.tombstones++
    this.bytes += costOf(e)
  }

  /** A version is no longer held. */
  remove (e: Entry): void {
    if (e.tombstone) this.tombstones--
    this.bytes -= costOf(e)
  }

  /**
   * Why holding a version of `key` with `valueBytes` (0 for a tombstone) in place of `held`, in a
   * store of `size` keys, would break maxEntries or maxBytes; undefined when it fits. A write that
   * does not grow the total always fits.
   */
  room (size: number, key: string, held: Entry | undefined, valueBytes: number): string | undefined {
    if (held === undefined && size >= this.maxEntries) return `the store holds ${size} keys (tombstones included), its maxEntries`
    const after = this.bytes - (held === undefined ? 0 : costOf(held)) + key.length + valueBytes + ENTRY_OVERHEAD_BYTES
    if (after > this.maxBytes && after > this.bytes) return `the write would bring the store to ${after} bytes (tombstones included), over its maxBytes of ${this.maxBytes}`
    return undefined
  }

  /** True when, at `size` keys, a key not held would not fit, not even as the smallest version. */
  full (size: number): boolean {
    return size >= this.maxEntries || this.bytes + 1 + ENTRY_OVERHEAD_BYTES > this.maxBytes
  }
}

/** What a held version counts against maxBytes: key characters, value bytes (none for a tombstone), fixed overhead. */
function costOf (e: Entry): number {
  return e.key.length + e.valueBytes + ENTRY_OVERHEAD_BYTES
}
