/**
 * Incremental state digest for anti-entropy.
 *
 * Every version (key + HLC + delete flag + expiry) hashes to 64 bits; a key's bucket holds the XOR
 * of the hashes of the versions in it. A write XORs the old version out and the new one in, so the
 * digest is kept up to date at O(1) per write and a sync round on an unchanged store compares
 * O(buckets) numbers, not O(keys). Values are not hashed: a version is identified by its clock.
 */
import { InvalidOptionError } from './errors.js'
import type { Entry } from './entry.js'

/** @default 1024 */
export const DEFAULT_BUCKETS = 1024
/** The most buckets a digest may have (a digest travels in one sync frame). */
export const MAX_BUCKETS = 65_536

// Scratch outputs of hashString, to keep the write path free of allocations.
let h1 = 0
let h2 = 0

/** cyrb53-style string hash into two 32-bit lanes (h1, h2). */
function hashString (s: string, seed: number): void {
  let a = 0xdeadbeef ^ seed
  let b = 0x41c6ce57 ^ seed
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    a = Math.imul(a ^ c, 2654435761)
    b = Math.imul(b ^ c, 1597334677)
  }
  a = Math.imul(a ^ (a >>> 16), 2246822507) ^ Math.imul(b ^ (b >>> 13), 3266489909)
  b = Math.imul(b ^ (b >>> 16), 2246822507) ^ Math.imul(a ^ (a >>> 13), 3266489909)
  h1 = a >>> 0
  h2 = b >>> 0
}

/** murmur3 fmix32 */
function fmix (h: number): number {
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

const originHashes = new Map<string, number>()

function originHash (origin: string): number {
  let h = originHashes.get(origin)
  if (h === undefined) {
    hashString(origin, 0x9e3779b9)
    h = h1
    if (originHashes.size > 100_000) originHashes.clear()
    originHashes.set(origin, h)
  }
  return h
}

/** The bucket of a key among `buckets` buckets. */
export function bucketOf (key: string, buckets: number): number {
  hashString(key, 0)
  return h2 % buckets
}

export class Digest {
  readonly bucketCount: number
  /** Two 32-bit lanes per bucket. */
  private readonly lanes: Uint32Array
  /** Versions per bucket. */
  private readonly counts: Uint32Array

  constructor (buckets = DEFAULT_BUCKETS) {
    if (!Number.isInteger(buckets) || buckets < 1 || buckets > MAX_BUCKETS) {
      throw new InvalidOptionError(`digest buckets must be an integer from 1 to ${MAX_BUCKETS}, got ${buckets}`)
    }
    this.bucketCount = buckets
    this.lanes = new Uint32Array(buckets * 2)
    this.counts = new Uint32Array(buckets)
  }

  /** XORs a version into its bucket. */
  add (e: Entry): void {
    this.toggle(e, 1)
  }

  /** XORs a version out of its bucket. */
  remove (e: Entry): void {
    this.toggle(e, -1)
  }

  private toggle (e: Entry, delta: 1 | -1): void {
    hashString(e.key, 0)
    const k1 = h1
    const k2 = h2
    const bucket = k2 % this.bucketCount
    const expires = e.expiresAt ?? 0
    let a = k1 ^ fmix(e.wall % 0x100000000 ^ Math.imul(e.counter + 1, 0x27d4eb2f))
    a = fmix(a ^ originHash(e.origin) ^ (e.deleted ? 0x5bd1e995 : 0))
    let b = k2 ^ fmix(Math.floor(e.wall / 0x100000000) ^ (expires % 0x100000000))
    b = fmix(b ^ Math.floor(expires / 0x100000000) ^ a)
    this.lanes[bucket * 2] ^= a
    this.lanes[bucket * 2 + 1] ^= b
    this.counts[bucket] += delta
  }

  /** A copy of the bucket hashes: `2 × bucketCount` 32-bit words. */
  snapshot (): Uint32Array {
    return this.lanes.slice()
  }

  /** The buckets whose hashes differ from a remote snapshot of the same shape. */
  diff (remote: Uint32Array): number[] {
    if (remote.length !== this.lanes.length) {
      return Array.from({ length: this.bucketCount }, (_, i) => i)
    }
    const out: number[] = []
    for (let i = 0; i < this.bucketCount; i++) {
      if (this.lanes[i * 2] !== remote[i * 2] || this.lanes[i * 2 + 1] !== remote[i * 2 + 1]) out.push(i)
    }
    return out
  }

  /** Number of versions (live entries and tombstones) in a bucket. */
  count (bucket: number): number {
    return this.counts[bucket]
  }

  /** One hex string for the whole state: equal on two replicas iff (w.h.p.) they hold the same versions. */
  root (): string {
    let a = 0x811c9dc5
    let b = 0x01000193
    for (let i = 0; i < this.lanes.length; i += 2) {
      a = fmix(a ^ this.lanes[i]) + i
      b = fmix(b ^ this.lanes[i + 1]) + i
    }
    return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0')
  }
}
