/**
 * The entry model: `{ key, value | tombstone, hlc, expiresAt?, origin }` and its total order.
 */
import { formatTimestamp, type Timestamp } from './hlc.js'

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

/**
 * One version of one key. Immutable. A tombstone (`deleted`, or expired and stripped of its
 * value) keeps the key and the clock so that older versions cannot come back.
 */
export class Entry implements Timestamp {
  /** The key: a non-empty UTF-8 string without NUL. */
  readonly key: string
  /** The value's bytes, or undefined while they are kept on disk only (see `evict`). */
  private bytes: Uint8Array | undefined
  /** Where an evicted value is read back from, and its size. */
  private cold: { size: number, read: (e: Entry) => Uint8Array } | undefined
  /** HLC wall milliseconds of the write. */
  readonly wall: number
  /** HLC logical counter of the write. */
  readonly counter: number
  /** The writer's peer id (the HLC tie-break). */
  readonly origin: string
  /** Absolute expiry in epoch milliseconds (writer's wall + ttl); undefined never expires. */
  readonly expiresAt: number | undefined
  /** True for a delete. */
  readonly deleted: boolean

  constructor (fields: EntryFields) {
    this.key = fields.key
    this.bytes = fields.deleted === true ? EMPTY : fields.value
    this.wall = fields.wall
    this.counter = fields.counter
    this.origin = fields.origin
    this.expiresAt = fields.expiresAt
    this.deleted = fields.deleted === true
  }

  /** The value's bytes; empty for a tombstone. The mesh never parses it. */
  get value (): Uint8Array {
    if (this.bytes !== undefined) return this.bytes
    return (this.cold as NonNullable<typeof this.cold>).read(this)
  }

  /** The value's size in bytes, without reading an evicted value back. */
  get valueBytes (): number {
    return this.bytes?.byteLength ?? this.cold?.size ?? 0
  }

  /**
   * Lets go of the value's bytes, to be read back by `read` whenever `value` is asked for (a
   * durable store keeps committed values on disk only). Only a live value is evicted.
   */
  evict (read: (e: Entry) => Uint8Array): void {
    if (this.bytes === undefined || this.bytes === EMPTY || this.deleted) return
    this.cold = { size: this.bytes.byteLength, read }
    this.bytes = undefined
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
    if (this.bytes === undefined) this.bytes = this.value
    this.cold = undefined
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
    return this.expiresAt !== undefined && this.expiresAt <= now
  }

  /**
   * True for a delete, or for an expired version kept without its value. The latter stays dead
   * even if the local clock is later set back before its `expiresAt`.
   */
  get tombstone (): boolean {
    return this.deleted || (this.expiresAt !== undefined && this.bytes === EMPTY)
  }

  /** True when the entry is a live value at `now`: not a tombstone and not expired. */
  isLive (now: number): boolean {
    return !this.tombstone && (this.expiresAt === undefined || this.expiresAt > now)
  }

  /** The same version with its value dropped: what is kept after expiry. */
  stripped (): Entry {
    return this.bytes === EMPTY ? this : new Entry({ ...this.fields(false), value: EMPTY })
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
      deleted: this.deleted
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
