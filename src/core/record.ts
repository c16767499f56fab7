/**
 * One stored version as bytes (the key is stored beside it, not in it): what a storage keeps.
 *
 *   u8 format (1) · u8 flags · f64 wall · u16 counter · [f64 expiresAt] · u16 origin length ·
 *   origin (UTF-8) · [u8 signature length · signature · 32-byte value hash] · value
 *
 * Flags: 1 deleted, 2 has expiresAt, 4 signed, 8 value dropped (expired, kept as a tombstone).
 * Decoding checks every field, so a damaged record is refused with StorageError rather than
 * loaded as a wrong version.
 */
import { Entry, EMPTY_VALUE, type EntryFields } from './entry.js'
import { StorageError } from './errors.js'
import { MAX_COUNTER, MAX_WALL } from './hlc.js'
import { SignedEntry } from './signed.js'

const FORMAT = 1
const DELETED = 1
const EXPIRES = 2
const SIGNED = 4
const DROPPED = 8
const HASH_BYTES = 32

const enc = new TextEncoder()
const dec = new TextDecoder('utf-8', { fatal: true })

// Loading decodes the same few origins a million times: remember the last one.
let lastOriginBytes = new Uint8Array(0)
let lastOrigin = ''

function originOf (b: Uint8Array): string {
  if (b.length === lastOriginBytes.length && b.length > 0) {
    let same = true
    for (let i = 0; i < b.length; i++) if (b[i] !== lastOriginBytes[i]) { same = false; break }
    if (same) return lastOrigin
  }
  lastOrigin = dec.decode(b)
  lastOriginBytes = b.slice()
  return lastOrigin
}

export function encodeRecord (e: Entry): Uint8Array {
  const origin = enc.encode(e.origin)
  const signed = e instanceof SignedEntry
  const dropped = !e.deleted && e.value === EMPTY_VALUE
  const value = e.deleted ? EMPTY_VALUE : e.value
  const size = 2 + 8 + 2 + (e.expiresAt !== undefined ? 8 : 0) + 2 + origin.length + (signed ? 1 + e.signature.length + HASH_BYTES : 0) + value.length
  const out = new Uint8Array(size)
  const view = new DataView(out.buffer)
  let o = 0
  out[o++] = FORMAT
  out[o++] = (e.deleted ? DELETED : 0) | (e.expiresAt !== undefined ? EXPIRES : 0) | (signed ? SIGNED : 0) | (dropped ? DROPPED : 0)
  view.setFloat64(o, e.wall); o += 8
  view.setUint16(o, e.counter); o += 2
  if (e.expiresAt !== undefined) { view.setFloat64(o, e.expiresAt); o += 8 }
  view.setUint16(o, origin.length); o += 2
  out.set(origin, o); o += origin.length
  if (signed) {
    out[o++] = e.signature.length
    out.set(e.signature, o); o += e.signature.length
    out.set(e.valueHash, o); o += HASH_BYTES
  }
  out.set(value, o)
  return out
}

/**
 * The version stored under `key`. Its value is a copy, unless `share` (the caller hands over
 * `bytes`, which nothing else will write to: a view saves a copy per record at load).
 * @throws StorageError when the bytes are not a record.
 */
export function decodeRecord (key: string, bytes: Uint8Array, share = false): Entry {
  const bad = (why: string): StorageError => new StorageError(`the stored record of ${JSON.stringify(key.slice(0, 200))} is damaged: ${why}`)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let o = 0
  const need = (n: number, what: string): void => { if (o + n > bytes.length) throw bad(`${bytes.length} bytes end inside its ${what}`) }
  need(2, 'header')
  if (bytes[0] !== FORMAT) throw bad(`format ${bytes[0]}, expected ${FORMAT}`)
  const flags = bytes[1]; o = 2
  if ((flags & ~(DELETED | EXPIRES | SIGNED | DROPPED)) !== 0) throw bad(`unknown flags ${flags}`)
  need(10, 'clock')
  const wall = view.getFloat64(o); o += 8
  const counter = view.getUint16(o); o += 2
  if (!Number.isInteger(wall) || wall < 0 || wall > MAX_WALL || counter > MAX_COUNTER) throw bad(`clock ${wall}.${counter}`)
  let expiresAt: number | undefined
  if ((flags & EXPIRES) !== 0) {
    need(8, 'expiry')
    expiresAt = view.getFloat64(o); o += 8
    if (!Number.isFinite(expiresAt)) throw bad(`expiry ${expiresAt}`)
  }
  need(2, 'origin length')
  const originLength = view.getUint16(o); o += 2
  need(originLength, 'origin')
  let origin: string
  try { origin = originOf(bytes.subarray(o, o + originLength)) } catch { throw bad('origin is not UTF-8') }
  if (origin.length === 0) throw bad('empty origin')
  o += originLength
  let signature: Uint8Array | undefined
  let valueHash: Uint8Array | undefined
  if ((flags & SIGNED) !== 0) {
    need(1, 'signature length')
    const n = bytes[o++]
    need(n + HASH_BYTES, 'signature')
    signature = bytes.slice(o, o + n); o += n
    valueHash = bytes.slice(o, o + HASH_BYTES); o += HASH_BYTES
  }
  const deleted = (flags & DELETED) !== 0
  const dropped = (flags & DROPPED) !== 0
  if ((deleted || dropped) && o !== bytes.length) throw bad(`a tombstone with ${bytes.length - o} value bytes`)
  if (dropped && expiresAt === undefined) throw bad('an expired version without an expiry')
  const value = deleted || dropped ? EMPTY_VALUE : share ? bytes.subarray(o) : bytes.slice(o)
  const fields: EntryFields = { key, value, wall, counter, origin, expiresAt, deleted }
  return signature !== undefined && valueHash !== undefined ? new SignedEntry(fields, signature, valueHash) : new Entry(fields)
}
