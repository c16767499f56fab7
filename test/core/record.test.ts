import { describe, expect, it } from 'vitest'
import { Entry } from '../../src/core/entry.js'
import { StorageError } from '../../src/core/errors.js'
import { decodeRecord, encodeRecord } from '../../src/core/record.js'

const e = new Entry({ key: 'k', value: new TextEncoder().encode('value'), wall: 1_700_000_000_000, counter: 3, origin: 'peer', expiresAt: 1_700_000_060_000 })

describe('stored records', () => {
  it('round-trip', () => {
    const back = decodeRecord('k', encodeRecord(e))
    expect(back.fields()).toEqual(e.fields())
  })

  it('a damaged record is refused by name, never loaded as another version', () => {
    const bytes = encodeRecord(e)
    const damaged: Uint8Array[] = [
      new Uint8Array(0),
      bytes.slice(0, 5), // torn inside the clock
      bytes.slice(0, 19), // torn inside the origin length
      Uint8Array.of(9, ...bytes.slice(1)), // unknown format
      Uint8Array.of(bytes[0], 0x80, ...bytes.slice(2)), // unknown flag
      Uint8Array.of(bytes[0], bytes[1] | 8, ...bytes.slice(2)) // a dropped value that still has bytes
    ]
    for (const d of damaged) expect(() => decodeRecord('k', d)).toThrow(StorageError)
    const nanClock = bytes.slice()
    new DataView(nanClock.buffer).setFloat64(2, Number.NaN)
    expect(() => decodeRecord('k', nanClock)).toThrow(StorageError)
  })
})
