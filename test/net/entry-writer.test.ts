import { describe, expect, it } from 'vitest'
import { toWire, WIRE_VERSION } from '../../src/net/codec.js'
import { encodeFrameWithEntries } from '../../src/net/entry-writer.js'
import { SyncFrame } from '../../src/net/proto/meshkv.js'
import { randomEntry, rng } from './random-entries.js'

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
