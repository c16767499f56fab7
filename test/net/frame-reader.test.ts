import { describe, expect, it } from 'vitest'
import { Entry } from '../../src/core/entry.js'
import { InvalidMessageError } from '../../src/core/errors.js'
import { toWire, WIRE_VERSION } from '../../src/net/codec.js'
import { encodeFrameWithEntries } from '../../src/net/entry-writer.js'
import { decodeSyncFrame } from '../../src/net/frame-reader.js'
import { SyncFrame } from '../../src/net/proto/meshkv.js'
import { parseSyncFrame } from '../../src/net/sync.js'
import { randomEntry, rng } from './random-entries.js'

const LIMITS = { diff: 1024, origins: 32_768, entries: 32_768, want: 32_768 }

/** A random frame without origins and entries, and random entries for it. */
function randomFrame (r: () => number): { head: SyncFrame, entries: Entry[], withValues: boolean } {
  const int = (n: number): number => Math.floor(r() * n)
  const entries = Array.from({ length: int(200) }, (_, i) => randomEntry(r, i))
  const head: SyncFrame = {
    version: int(3),
    kind: [SyncFrame.Kind.DIGEST, SyncFrame.Kind.SUMMARY, SyncFrame.Kind.PUSH][int(3)],
    bucketCount: int(2) === 0 ? 0 : 1024,
    buckets: Uint8Array.from({ length: int(2) === 0 ? 0 : 64 }, () => int(256)),
    diff: Array.from({ length: int(20) }, () => int(1024)),
    origins: [],
    entries: [],
    want: Array.from({ length: int(20) }, (_, i) => `want-${i}-${'é'.repeat(int(3))}`),
    last: int(2) === 0,
    full: int(2) === 0,
    more: int(2) === 0,
    whole: int(2) === 0,
    time: int(2) === 0 ? undefined : int(2 ** 48)
  }
  return { head, entries, withValues: int(2) === 0 }
}

describe('decodeSyncFrame', () => {
  for (const seed of [11, 12, 13, 14, 15, 16, 17, 18]) {
    it(`decodes what the generated decoder decodes, from either encoder (seed ${seed})`, () => {
      const r = rng(seed)
      for (let i = 0; i < 20; i++) {
        const { head, entries, withValues } = randomFrame(r)
        const generated = SyncFrame.encode({ ...head, ...toWire(entries, withValues) })
        expect(decodeSyncFrame(generated, LIMITS), `seed ${seed}`).toEqual(SyncFrame.decode(generated))
        const written = encodeFrameWithEntries(SyncFrame.encode(head), entries, withValues)
        expect(decodeSyncFrame(written, LIMITS), `seed ${seed}`).toEqual(SyncFrame.decode(written))
      }
    })
  }

  it('skips fields it does not know, as the generated decoder does', () => {
    const known = SyncFrame.encode({ version: 1, kind: SyncFrame.Kind.PUSH, bucketCount: 0, buckets: new Uint8Array(0), diff: [], origins: ['o'], entries: [], want: ['k'], last: true, full: false, more: false, whole: false })
    // field 13 (varint 300), field 14 (3 bytes), field 16 (fixed32), field 17 (fixed64)
    const unknown = Uint8Array.from([13 << 3, 0xac, 0x02, (14 << 3) | 2, 3, 1, 2, 3, 0x85, 0x01, 1, 2, 3, 4, 0x89, 0x01, 1, 2, 3, 4, 5, 6, 7, 8])
    const data = new Uint8Array([...unknown, ...known])
    expect(decodeSyncFrame(data, LIMITS)).toEqual(SyncFrame.decode(data))
  })

  it('refuses more elements of a repeated field than its limit', () => {
    const data = SyncFrame.encode({ version: 1, kind: SyncFrame.Kind.PUSH, bucketCount: 0, buckets: new Uint8Array(0), diff: [1, 2, 3], origins: [], entries: [], want: [], last: true, full: false, more: false, whole: false })
    expect(() => decodeSyncFrame(data, { ...LIMITS, diff: 2 })).toThrow(/diff/)
    expect(() => parseSyncFrame(data, SyncFrame.Kind.PUSH, { maxKeyBytes: 1024, maxValueBytes: 1024, maxEntries: 10 }, 2)).toThrow(InvalidMessageError)
  })

  it('refuses an entry or a string that runs past the frame', () => {
    const data = SyncFrame.encode({ version: WIRE_VERSION, kind: SyncFrame.Kind.PUSH, bucketCount: 0, buckets: new Uint8Array(0), diff: [], origins: ['origin'], entries: toWire([randomEntry(rng(1), 0)]).entries, want: [], last: true, full: false, more: false, whole: false })
    for (let cut = 1; cut < data.byteLength; cut++) {
      const short = data.subarray(0, cut)
      let generated: unknown
      try { generated = SyncFrame.decode(short) } catch { generated = 'throws' }
      let ours: unknown
      try { ours = decodeSyncFrame(short, LIMITS) } catch { ours = 'throws' }
      // ours is at least as strict: it accepts a cut frame only where the generated decoder does, with the same result
      if (ours !== 'throws') expect(ours).toEqual(generated)
    }
  })

  it('gives entries whose values are views of the frame it was given, which parseSyncFrame copies first', () => {
    const e = new Entry({ key: 'k', value: Uint8Array.from([1, 2, 3]), wall: 1_000, counter: 0, origin: 'o', expiresAt: 2_000 })
    const data = SyncFrame.encode({ version: WIRE_VERSION, kind: SyncFrame.Kind.PUSH, bucketCount: 0, buckets: new Uint8Array(0), diff: [], ...toWire([e]), want: [], last: true, full: false, more: false, whole: false })
    const parsed = parseSyncFrame(data, SyncFrame.Kind.PUSH, { maxKeyBytes: 1024, maxValueBytes: 1024 * 1024, maxEntries: 10 }, 1024).entries[0]
    const before = parsed.value.slice()
    data.fill(0)
    expect(parsed.value).toEqual(before)
  })
})
