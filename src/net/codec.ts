/**
 * Entries to and from the wire. Everything decoded here is untrusted: every field is checked and
 * a bad input becomes an InvalidMessageError with a reason, never a thrown TypeError and never a
 * partially applied message.
 */
import { EMPTY_VALUE, Entry } from '../core/entry.js'
import { SignedEntry } from '../core/signed.js'
import { InvalidKeyError, InvalidMessageError } from '../core/errors.js'
import { MAX_COUNTER, MAX_WALL } from '../core/hlc.js'
import { checkKey, copyBytes } from '../core/limits.js'
import { Batch, type WireEntry } from './proto/meshkv.js'

/** Wire format version carried in every envelope. Messages of any other version are rejected. */
export const WIRE_VERSION = 1
/** The longest origin (peer id) string accepted. */
export const MAX_ORIGIN_LENGTH = 128

export interface DecodeLimits {
  maxKeyBytes: number
  maxValueBytes: number
  /** Most entries in one message. */
  maxEntries: number
}

/** Builds the origin table and wire entries for a list of versions. */
export function toWire (entries: Iterable<Entry>, withValues = true): { origins: string[], entries: WireEntry[] } {
  const origins: string[] = []
  const index = new Map<string, number>()
  const out: WireEntry[] = []
  for (const e of entries) {
    let o = index.get(e.origin)
    if (o === undefined) {
      o = origins.length
      origins.push(e.origin)
      index.set(e.origin, o)
    }
    out.push({
      key: e.key,
      value: (withValues ? e.value : EMPTY) as Uint8Array<ArrayBuffer>,
      wall: e.wall,
      counter: e.counter,
      origin: o,
      expiresAt: e.expiresAt,
      deleted: e.deleted,
      stripped: e.tombstone && !e.deleted,
      signature: e instanceof SignedEntry ? e.signature as Uint8Array<ArrayBuffer> : undefined,
      valueHash: e instanceof SignedEntry ? e.valueHash as Uint8Array<ArrayBuffer> : undefined
    })
  }
  return { origins, entries: out }
}

const EMPTY = new Uint8Array(0)

/** Interned origin strings: one string per writer, however many entries name it. */
const interned = new Map<string, string>()
function intern (s: string): string {
  const hit = interned.get(s)
  if (hit !== undefined) return hit
  if (interned.size >= 10_000) interned.clear()
  interned.set(s, s)
  return s
}

/**
 * Validates wire entries against their origin table and turns them into entries. Values (and
 * signatures) are copied, unless `owned`: the caller owns the decoded message's bytes, so the
 * entries may keep views of them (a store copies what it holds into its own slabs; one that evicts
 * values to disk keeps the view until then).
 */
export function fromWire (origins: string[], entries: WireEntry[], limits: DecodeLimits, options: { owned?: boolean } = {}): Entry[] {
  const owned = options.owned === true
  if (entries.length > limits.maxEntries) {
    throw new InvalidMessageError('oversized', `at most ${limits.maxEntries} entries per message, got ${entries.length}`)
  }
  for (const o of origins) {
    if (o.length === 0 || o.length > MAX_ORIGIN_LENGTH) {
      throw new InvalidMessageError('invalid-entry', `origin must be 1 to ${MAX_ORIGIN_LENGTH} characters, got ${o.length}`)
    }
  }
  const out: Entry[] = new Array(entries.length)
  for (let i = 0; i < entries.length; i++) {
    const w = entries[i]
    try {
      checkKey(w.key, limits.maxKeyBytes)
    } catch (err) {
      if (err instanceof InvalidKeyError) throw new InvalidMessageError('invalid-entry', `entry ${i}: ${err.message}`)
      throw err
    }
    if (w.value.byteLength > limits.maxValueBytes) {
      throw new InvalidMessageError('oversized', `entry ${i}: value must be at most ${limits.maxValueBytes} bytes, got ${w.value.byteLength}`)
    }
    if (!Number.isSafeInteger(w.wall) || w.wall < 0 || w.wall > MAX_WALL) {
      throw new InvalidMessageError('invalid-entry', `entry ${i}: wall must be an integer from 0 to 2^48-1, got ${w.wall}`)
    }
    if (w.counter > MAX_COUNTER) {
      throw new InvalidMessageError('invalid-entry', `entry ${i}: counter must be at most ${MAX_COUNTER}, got ${w.counter}`)
    }
    if (w.origin >= origins.length) {
      throw new InvalidMessageError('invalid-entry', `entry ${i}: origin index ${w.origin} is outside the table of ${origins.length}`)
    }
    if (w.expiresAt !== undefined && (!Number.isSafeInteger(w.expiresAt) || w.expiresAt <= w.wall || w.expiresAt > MAX_WALL)) {
      throw new InvalidMessageError('invalid-entry', `entry ${i}: expiresAt must be an integer after wall ${w.wall}, got ${w.expiresAt}`)
    }
    if (w.deleted && (w.value.byteLength > 0 || w.expiresAt !== undefined || w.stripped)) {
      throw new InvalidMessageError('invalid-entry', `entry ${i}: a delete carries neither value nor expiry`)
    }
    if (w.stripped && (w.value.byteLength > 0 || w.expiresAt === undefined)) {
      throw new InvalidMessageError('invalid-entry', `entry ${i}: an expired version without its value has an expiry and no value`)
    }
    if ((w.signature !== undefined && w.signature.byteLength !== 64) || (w.valueHash !== undefined && w.valueHash.byteLength !== 32) || (w.signature === undefined) !== (w.valueHash === undefined)) {
      throw new InvalidMessageError('invalid-entry', `entry ${i}: a signature is 64 bytes and comes with a 32-byte value hash`)
    }
    const fields = {
      key: w.key,
      // a stripped version keeps the shared empty value, which marks it a tombstone
      value: w.stripped ? EMPTY_VALUE : owned ? w.value : copyBytes(w.value),
      wall: w.wall,
      counter: w.counter,
      origin: intern(origins[w.origin]),
      expiresAt: w.expiresAt,
      deleted: w.deleted
    }
    out[i] = w.signature !== undefined && w.valueHash !== undefined
      ? new SignedEntry(fields, owned ? w.signature : w.signature.slice(), owned ? w.valueHash : w.valueHash.slice())
      : new Entry(fields)
  }
  return out
}

/**
 * Checks a message's `time` (the sender's physical clock reading; absent from older senders):
 * undefined or epoch milliseconds a timestamp can carry.
 */
export function checkTime (time: number | undefined, what: string): number | undefined {
  if (time !== undefined && (!Number.isSafeInteger(time) || time < 0 || time > MAX_WALL)) {
    throw new InvalidMessageError('malformed', `${what} time must be an integer from 0 to 2^48-1, got ${time}`)
  }
  return time
}

/** The physical time to put on an outgoing message. */
export function wireTime (clock: () => number): number {
  const t = Math.floor(clock())
  return t < 0 ? 0 : t > MAX_WALL ? MAX_WALL : t
}

/** Encodes a gossip batch; `time` is the sender's physical clock. */
export function encodeBatch (entries: Iterable<Entry>, time?: number): Uint8Array {
  const { origins, entries: wire } = toWire(entries)
  return Batch.encode({ version: WIRE_VERSION, origins, entries: wire, time })
}

/** Decodes and validates a gossip batch: its entries and the sender's clock reading. */
export function decodeBatch (data: Uint8Array, limits: DecodeLimits): { entries: Entry[], time: number | undefined } {
  let batch: Batch
  try {
    batch = Batch.decode(data, { limits: { origins: limits.maxEntries, entries: limits.maxEntries } })
  } catch (err) {
    throw new InvalidMessageError('malformed', `gossip batch does not decode: ${(err as Error).message}`)
  }
  if (batch.version !== WIRE_VERSION) {
    throw new InvalidMessageError('version', `gossip batch version must be ${WIRE_VERSION}, got ${batch.version}`)
  }
  return { entries: fromWire(batch.origins, batch.entries, limits), time: checkTime(batch.time, 'gossip batch') }
}
