/**
 * The entry model: `{ key, value | tombstone, hlc, expiresAt?, origin }` and its total order.
 */
import { formatTimestamp, type Timestamp } from './hlc.js'
import { MAX_POOLED_BYTES, pooledLength, pooledValue, type ValuePool } from './value-pool.js'

const EMPTY = new Uint8Array(0)
const decoder = new TextDecoder()

/** The fields an entry is made of; what travels on the wire. */
export interface EntryFields {
  key: string
  value: Uint8Array
  wall: number
  counter: number
  origin: string
  expiresAt?: number
  deleted?: boolean
}

/** Where an evicted value is read back from, and its size. */
interface Cold {
  size: number
  read: (e: Entry) => Uint8Array
}

// What `Entry.data` holds, by `Entry.at`: the value itself, where an evicted value is read back
// from, nothing (a delete), or (at >= 0) the slab holding the value at that offset.
const PLAIN = -1
const COLD = -2
const DELETE = -3

/**
 * One version of one key. Immutable. A tombstone (`deleted`, or expired and stripped of its
 * value) keeps the key and the clock so that older versions cannot come back.
 *
 * Compact, as a store holds one per key: seven fields, the expiry kept as its distance from
 * `wall` (a small integer rather than a boxed double), and a held small value as an offset in a
 * shared slab (value-pool.ts) rather than a view object of its own.
 */
export class Entry implements Timestamp {
  /** The key: a non-empty UTF-8 string without NUL. */
  readonly key: string
  /** The value (PLAIN), where it is read back from (COLD), EMPTY (DELETE), or its slab (at >= 0). */
  private data: Uint8Array | Cold
  private at: number
  /** HLC wall milliseconds of the write. */
  readonly wall: number
  /** HLC logical counter of the write. */
  readonly counter: number
  /** The writer's peer id (the HLC tie-break). */
  readonly origin: string
  /** `expiresAt - wall`, or undefined for no expiry. */
  private readonly ttl: number | undefined

  constructor (fields: EntryFields) {
    this.key = fields.key
    const deleted = fields.deleted === true
    this.data = deleted ? EMPTY : fields.value
    this.at = deleted ? DELETE : PLAIN
    this.wall = fields.wall
    this.counter = fields.counter
    this.origin = fields.origin
    this.ttl = fields.expiresAt === undefined ? undefined : fields.expiresAt - fields.wall
  }

  /** Absolute expiry in epoch milliseconds (writer's wall + ttl); undefined never expires. */
  get expiresAt (): number | undefined {
    return this.ttl === undefined ? undefined : this.wall + this.ttl
  }

  /** True for a delete. */
  get deleted (): boolean {
    return this.at === DELETE
  }

  /** The value's bytes; empty for a tombstone. The mesh never parses it. */
  get value (): Uint8Array {
    const at = this.at
    if (at >= 0) return pooledValue(this.data as Uint8Array, at)
    if (at === COLD) return (this.data as Cold).read(this)
    return this.data as Uint8Array
  }

  /** The value's size in bytes, without reading an evicted value back. */
  get valueBytes (): number {
    const at = this.at
    if (at >= 0) return pooledLength(this.data as Uint8Array, at)
    if (at === COLD) return (this.data as Cold).size
    return (this.data as Uint8Array).byteLength
  }

  /**
   * Copies a small live value into `pool`'s shared slab (a store does this for what it holds);
   * a larger one that is a view of a bigger buffer (a received message) into a buffer of its own.
   */
  pool (pool: ValuePool): void {
    if (this.at !== PLAIN || this.data === EMPTY) return
    const bytes = this.data as Uint8Array
    const n = bytes.byteLength
    if (n === 0) return
    if (n <= MAX_POOLED_BYTES) {
      this.at = pool.put(bytes)
      this.data = pool.slab
    } else if (bytes.buffer.byteLength > n + n) {
      this.data = bytes.slice()
    }
  }

  /**
   * Lets go of the value's bytes, to be read back by `read` whenever `value` is asked for (a
   * durable store keeps committed values on disk only). Only a live value is evicted.
   */
  evict (read: (e: Entry) => Uint8Array): void {
    if (this.at === COLD || this.at === DELETE || this.data === EMPTY) return
    this.data = { size: this.valueBytes, read }
    this.at = COLD
  }

  /**
   * This version as an object of its own whose value stays readable whatever happens to this one
   * (a durable store lets go of the values of the versions it holds). Shares the value's bytes.
   */
  detached (): Entry {
    return this.withValue(this.value)
  }

  /** The same version with `value` as its bytes. */
  protected withValue (value: Uint8Array): Entry {
    return new Entry({ ...this.fields(false), value })
  }

  /** Reads an evicted value back and keeps it (before the disk's copy is overwritten). */
  rehydrate (): void {
    if (this.at !== COLD) return
    this.data = this.value
    this.at = PLAIN
  }

  /** Node id of the HLC timestamp: the origin. */
  get node (): string {
    return this.origin
  }

  /** The HLC timestamp as a string that sorts in HLC order. */
  get hlc (): string {
    return formatTimestamp(this)
  }

  /** The value decoded as UTF-8. */
  text (): string {
    return decoder.decode(this.value)
  }

  /** The value parsed as JSON (UTF-8). Throws SyntaxError when it is not JSON. */
  json<T = unknown> (): T {
    return JSON.parse(this.text()) as T
  }

  /** True when the entry has expired at `now`. */
  isExpired (now: number): boolean {
    return this.ttl !== undefined && this.wall + this.ttl <= now
  }

  /**
   * True for a delete, or for an expired version kept without its value. The latter stays dead
   * even if the local clock is later set back before its `expiresAt`.
   */
  get tombstone (): boolean {
    return this.at === DELETE || (this.ttl !== undefined && this.data === EMPTY)
  }

  /** True when the entry is a live value at `now`: not a tombstone and not expired. */
  isLive (now: number): boolean {
    return !this.tombstone && (this.ttl === undefined || this.wall + this.ttl > now)
  }

  /** The same version with its value dropped: what is kept after expiry. */
  stripped (): Entry {
    return this.data === EMPTY ? this : new Entry({ ...this.fields(false), value: EMPTY })
  }

  /** A plain copy of the fields (with `withValue` false, an empty value: nothing read back). */
  fields (withValue = true): EntryFields {
    return {
      key: this.key,
      value: withValue ? this.value : EMPTY,
      wall: this.wall,
      counter: this.counter,
      origin: this.origin,
      expiresAt: this.expiresAt,
      deleted: this.at === DELETE
    }
  }

  /** A JSON-friendly view (value as UTF-8 text) for logs and the CLI. */
  toJSON (): Record<string, unknown> {
    return {
      key: this.key,
      value: this.text(),
      hlc: this.hlc,
      expiresAt: this.expiresAt,
      origin: this.origin,
      deleted: this.deleted || undefined
    }
  }
}

/** The empty value shared by every tombstone. */
export const EMPTY_VALUE = EMPTY
