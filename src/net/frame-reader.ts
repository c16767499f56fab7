/**
 * SyncFrame decoding by hand, field for field what the generated decoder does (same reader, same
 * limits, unknown fields skipped), without its per-entry costs: a fresh empty buffer for every
 * entry's value, a string decoder in JavaScript. A fresh node's sync round decodes 100,000
 * entries, and this was the largest share of its CPU after encoding (see entry-writer.ts).
 *
 * Strings are decoded by Node's Buffer (native); values and signatures are views of `bytes`, which
 * the caller owns (net/sync.ts copies each frame once). Untrusted input: anything that does not
 * decode throws (the caller turns it into an InvalidMessageError).
 */
import { MaxLengthError, reader as createReader, type Reader } from 'protons-runtime'
import { SyncFrame, type WireEntry } from './proto/meshkv.js'

/** Most elements of each repeated field, as in the generated decoder's `limits`. */
export interface FrameLimits { diff: number, origins: number, entries: number, want: number }

const EMPTY = new Uint8Array(0)

/** Decodes one SyncFrame; `entries` values, signatures and hashes are views of `bytes`. */
export function decodeSyncFrame (bytes: Uint8Array, limits: FrameLimits): SyncFrame {
  const r = createReader(bytes)
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const f: SyncFrame = { version: 0, kind: SyncFrame.Kind.DIGEST, bucketCount: 0, buckets: EMPTY, diff: [], origins: [], entries: [], want: [], last: false, full: false, more: false, whole: false }
  while (r.pos < r.len) {
    const tag = r.uint32()
    switch (tag >>> 3) {
      case 1: f.version = r.uint32(); break
      case 2: f.kind = SyncFrame.Kind.codec().decode(r); break
      case 3: f.bucketCount = r.uint32(); break
      case 4: f.buckets = r.bytes(); break
      case 5:
        if (f.diff.length === limits.diff) throw new MaxLengthError('Decode error - repeated field "diff" had too many elements')
        f.diff.push(r.uint32())
        break
      case 6:
        if (f.origins.length === limits.origins) throw new MaxLengthError('Decode error - repeated field "origins" had too many elements')
        f.origins.push(readString(r, text))
        break
      case 7: {
        if (f.entries.length === limits.entries) throw new MaxLengthError('Decode error - repeated field "entries" had too many elements')
        const length = r.uint32()
        f.entries.push(readEntry(r, r.pos + length, text))
        break
      }
      case 8:
        if (f.want.length === limits.want) throw new MaxLengthError('Decode error - repeated field "want" had too many elements')
        f.want.push(readString(r, text))
        break
      case 9: f.last = r.bool(); break
      case 10: f.full = r.bool(); break
      case 11: f.more = r.bool(); break
      case 12: f.whole = r.bool(); break
      case 15: f.time = r.uint64Number(); break
      default: r.skipType(tag & 7)
    }
  }
  return f
}

function readEntry (r: Reader, end: number, text: Buffer): WireEntry {
  if (end > r.len) throw new RangeError(`an entry of ${end - r.pos} bytes runs past the frame's end`)
  let key = ''
  let value = EMPTY
  let wall = 0
  let counter = 0
  let origin = 0
  let expiresAt: number | undefined
  let deleted = false
  let signature: Uint8Array | undefined
  let valueHash: Uint8Array | undefined
  let stripped = false
  while (r.pos < end) {
    const tag = r.uint32()
    switch (tag >>> 3) {
      case 1: key = readString(r, text); break
      case 2: value = r.bytes(); break
      case 3: wall = r.uint64Number(); break
      case 4: counter = r.uint32(); break
      case 5: origin = r.uint32(); break
      case 6: expiresAt = r.uint64Number(); break
      case 7: deleted = r.bool(); break
      case 8: signature = r.bytes(); break
      case 9: valueHash = r.bytes(); break
      case 10: stripped = r.bool(); break
      default: r.skipType(tag & 7)
    }
  }
  return { key, value, wall, counter, origin, expiresAt, deleted, signature, valueHash, stripped } as WireEntry
}

/** A length-prefixed UTF-8 string; ASCII (keys usually are) as Latin-1, the cheaper decode. */
function readString (r: Reader, text: Buffer): string {
  const length = r.uint32()
  const start = r.pos
  const end = start + length
  if (end > r.len) throw new RangeError(`a string of ${length} bytes runs past the frame's end`)
  r.pos = end
  const buf = r.buf
  for (let i = start; i < end; i++) {
    if (buf[i] >= 0x80) return text.toString('utf8', start, end)
  }
  return text.toString('latin1', start, end)
}
