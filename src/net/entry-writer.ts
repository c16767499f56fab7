/**
 * Entries written straight into protobuf bytes: the `origins` and `entries` fields of a SyncFrame
 * (WireEntry, see proto/meshkv.proto), sized first and then written into one buffer. The generated
 * encoder goes through an intermediate WireEntry object and a queued operation per field; a fresh
 * node's sync round carries 100,000 entries, and that was the largest share of its CPU.
 *
 * The fields follow the frame's other fields (encoded by the generated code): protobuf allows
 * fields in any order and appends repeated ones, so the generated decoder reads the result as it
 * reads the generated encoder's (tested).
 */
import type { Entry } from '../core/entry.js'
import { SignedEntry } from '../core/signed.js'

const EMPTY = new Uint8Array(0)
const utf8 = new TextEncoder()

// tags: field number << 3 | wire type (0 varint, 2 length-delimited)
const FRAME_ORIGINS = (6 << 3) | 2
const FRAME_ENTRIES = (7 << 3) | 2
const KEY = (1 << 3) | 2
const VALUE = (2 << 3) | 2
const WALL = 3 << 3
const COUNTER = 4 << 3
const ORIGIN = 5 << 3
const EXPIRES_AT = 6 << 3
const DELETED = 7 << 3
const SIGNATURE = (8 << 3) | 2
const VALUE_HASH = (9 << 3) | 2
const STRIPPED = 10 << 3

/**
 * `frame` (an encoded SyncFrame without origins and entries) followed by the origin table and the
 * entries, with their values or (`withValues` false) without: what the generated encoder writes
 * for the frame with `toWire(entries, withValues)`'s origins and entries, in another field order.
 */
export function encodeFrameWithEntries (frame: Uint8Array, entries: readonly Entry[], withValues: boolean): Uint8Array {
  const n = entries.length
  const origins: string[] = []
  const index = new Map<string, number>()
  const originOf = new Uint32Array(n)
  const keyBytes = new Uint32Array(n)
  const bodyBytes = new Uint32Array(n)
  const values: Uint8Array[] = new Array(n)
  let total = frame.byteLength
  for (let i = 0; i < n; i++) {
    const e = entries[i]
    let o = index.get(e.origin)
    if (o === undefined) {
      o = origins.length
      origins.push(e.origin)
      index.set(e.origin, o)
      const len = utf8Length(e.origin)
      total += 1 + varintLength(len) + len
    }
    originOf[i] = o
    const k = utf8Length(e.key)
    keyBytes[i] = k
    const value = withValues ? e.value : EMPTY
    values[i] = value
    let body = k > 0 ? 1 + varintLength(k) + k : 0
    const v = value.byteLength
    if (v > 0) body += 1 + varintLength(v) + v
    if (e.wall !== 0) body += 1 + varintLength(e.wall)
    if (e.counter !== 0) body += 1 + varintLength(e.counter)
    if (o !== 0) body += 1 + varintLength(o)
    const expiresAt = e.expiresAt
    if (expiresAt !== undefined) body += 1 + varintLength(expiresAt)
    if (e.deleted) body += 2
    if (e instanceof SignedEntry) body += 2 + varintLength(e.signature.byteLength) + e.signature.byteLength + varintLength(e.valueHash.byteLength) + e.valueHash.byteLength
    if (e.tombstone && !e.deleted) body += 2
    bodyBytes[i] = body
    total += 1 + varintLength(body) + body
  }
  const out = new Uint8Array(total)
  out.set(frame, 0)
  let at = frame.byteLength
  for (const o of origins) {
    out[at++] = FRAME_ORIGINS
    at = writeString(out, at, o, utf8Length(o))
  }
  for (let i = 0; i < n; i++) {
    const e = entries[i]
    out[at++] = FRAME_ENTRIES
    at = writeVarint(out, at, bodyBytes[i])
    const end = at + bodyBytes[i]
    if (keyBytes[i] > 0) {
      out[at++] = KEY
      at = writeString(out, at, e.key, keyBytes[i])
    }
    const value = values[i]
    if (value.byteLength > 0) {
      out[at++] = VALUE
      at = writeVarint(out, at, value.byteLength)
      out.set(value, at)
      at += value.byteLength
    }
    if (e.wall !== 0) { out[at++] = WALL; at = writeVarint(out, at, e.wall) }
    if (e.counter !== 0) { out[at++] = COUNTER; at = writeVarint(out, at, e.counter) }
    if (originOf[i] !== 0) { out[at++] = ORIGIN; at = writeVarint(out, at, originOf[i]) }
    const expiresAt = e.expiresAt
    if (expiresAt !== undefined) { out[at++] = EXPIRES_AT; at = writeVarint(out, at, expiresAt) }
    if (e.deleted) { out[at++] = DELETED; out[at++] = 1 }
    if (e instanceof SignedEntry) {
      out[at++] = SIGNATURE
      at = writeVarint(out, at, e.signature.byteLength)
      out.set(e.signature, at)
      at += e.signature.byteLength
      out[at++] = VALUE_HASH
      at = writeVarint(out, at, e.valueHash.byteLength)
      out.set(e.valueHash, at)
      at += e.valueHash.byteLength
    }
    if (e.tombstone && !e.deleted) { out[at++] = STRIPPED; out[at++] = 1 }
    if (at !== end) throw new Error(`entry ${i} took ${at - end + bodyBytes[i]} bytes, sized ${bodyBytes[i]}`)
  }
  if (at !== total) throw new Error(`frame took ${at} bytes, sized ${total}`)
  return out
}

/** UTF-8 length of a string: its length when it is ASCII (keys usually are). */
function utf8Length (s: string): number {
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) >= 0x80) return Buffer.byteLength(s, 'utf8')
  }
  return s.length
}

/** Writes a length-prefixed string of `bytes` UTF-8 bytes; returns the offset after it. */
function writeString (out: Uint8Array, at: number, s: string, bytes: number): number {
  at = writeVarint(out, at, bytes)
  if (bytes === s.length) {
    for (let i = 0; i < bytes; i++) out[at + i] = s.charCodeAt(i)
  } else {
    utf8.encodeInto(s, out.subarray(at, at + bytes))
  }
  return at + bytes
}

/** Bytes of the varint of a non-negative integer below 2^53. */
function varintLength (v: number): number {
  let n = 1
  while (v >= 128) {
    v = Math.floor(v / 128)
    n++
  }
  return n
}

/** Writes the varint of a non-negative integer below 2^53; returns the offset after it. */
function writeVarint (out: Uint8Array, at: number, v: number): number {
  while (v >= 128) {
    out[at++] = (v % 128) | 128
    v = Math.floor(v / 128)
  }
  out[at++] = v
  return at
}
