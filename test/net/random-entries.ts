/** Random entries of every shape the wire carries, for the frame encoder and decoder tests. */
import { Entry, EMPTY_VALUE } from '../../src/core/entry.js'
import { SignedEntry } from '../../src/core/signed.js'

/** A small seeded PRNG (mulberry32), so a failure names its seed. */
export function rng (seed: number): () => number {
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

export function randomEntry (r: () => number, i: number): Entry {
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
