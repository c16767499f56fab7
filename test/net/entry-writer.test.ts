import { describe, expect, it } from 'vitest'
import { Entry, EMPTY_VALUE } from '../../src/core/entry.js'
import { SignedEntry } from '../../src/core/signed.js'
import { toWire, WIRE_VERSION } from '../../src/net/codec.js'
import { encodeFrameWithEntries } from '../../src/net/entry-writer.js'
import { SyncFrame } from '../../src/net/proto/meshkv.js'

/** A small seeded PRNG (mulberry32), so a failure names its seed. */
function rng (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6D2B79F5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const KEY_CHARS = ['a', 'z', '0', ':', '/', '@', 'é', '中', '😀', '~']
const ORIGINS = ['12D3KooWA', '12D3KooWBbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb', 'ñode-ö', 'x'.repeat(128)]

function randomEntry (r: () => number, i: number): Entry {
  const int = (n: number): number => Math.floor(r() * n)
  let key = `k${i}`
  for (let j = int(20); j > 0; j--) key += KEY_CHARS[int(KEY_CHARS.length)]
  const big = int(3)
  const wall = big === 0 ? int(128) : big === 1 ? int(2 ** 31) : 2 ** 48 - 1 - int(1000)
  const counter = int(2) === 0 ? 0 : int(2) === 0 ? int(200) : 2 ** 32 - 1 - int(10)
  const origin = ORIGINS[int(ORIGINS.length)]
  const kind = int(5)
  const value = kind === 4 ? new Uint8Array(0) : Uint8Array.from({ length: int(3) === 0 ? 300 + int(2000) : int(130) }, () => int(256))
  const fields = kind === 0
    ? { key, value: EMPTY_VALUE, wall, counter, origin, deleted: true }
    : kind === 1 // expired and stripped of its value
      ? { key, value: EMPTY_VALUE, wall, counter, origin, expiresAt: wall + 1 + int(1e9) }
      : { key, value, wall, counter, origin, expiresAt: int(2) === 0 ? undefined : wall + 1 + int(1e9) }
  if (int(4) === 0) return new SignedEntry(fields, Uint8Array.from({ length: 64 }, () => int(256)), Uint8Array.from({ length: 32 }, () => int(256)))
  return new Entry(fields)
}

function frame (kind: SyncFrame.Kind): SyncFrame {
  return { version: WIRE_VERSION, kind, bucketCount: 0, buckets: new Uint8Array(0), diff: [3, 7], origins: [], entries: [], want: [], last: true, full: false, more: true, whole: true, time: 1_700_000_000_000 }
}

describe('encodeFrameWithEntries', () => {
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    it(`decodes as the generated encoder's frame for the same entries, with values and without (seed ${seed})`, () => {
      const r = rng(seed)
      const entries = Array.from({ length: 1 + Math.floor(r() * 300) }, (_, i) => randomEntry(r, i))
      for (const withValues of [true, false]) {
        const f = frame(withValues ? SyncFrame.Kind.PUSH : SyncFrame.Kind.SUMMARY)
        const expected = SyncFrame.decode(SyncFrame.encode({ ...f, ...toWire(entries, withValues) }))
        const fast = encodeFrameWithEntries(SyncFrame.encode(f), entries, withValues)
        expect(SyncFrame.decode(fast), `seed ${seed}`).toEqual(expected)
      }
    })
  }

  it('leaves a frame without entries as it was', () => {
    const head = SyncFrame.encode(frame(SyncFrame.Kind.PUSH))
    expect(encodeFrameWithEntries(head, [], true)).toEqual(head)
  })
})
