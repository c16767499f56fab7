import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { Entry } from '../../../src/core/entry.js'
import { InvalidKeyError, InvalidOptionError } from '../../../src/core/errors.js'
import { formatTimestamp } from '../../../src/core/hlc.js'
import { forgedReserved } from '../../../src/core/reserved.js'
import { checkLogKey, checkPosition, clearKey, recordPrefix } from '../../../src/features/logs/layout.js'

const entry = (key: string, wall: number, counter: number, origin: string, deleted = false): Entry =>
  new Entry({ key, value: new Uint8Array(deleted ? 0 : 1), wall, counter, origin, deleted })

describe('log key layout', () => {
  it("a log's records never fall under another log's prefix (keys URI-encoded)", () => {
    fc.assert(fc.property(fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), (a, b) => {
      fc.pre(a !== b)
      const pa = recordPrefix(a)
      expect((recordPrefix(b) + '0000000000000000-n').startsWith(pa)).toBe(false)
    }))
    expect(recordPrefix('a/b').startsWith(recordPrefix('a'))).toBe(false)
    expect(clearKey('a').startsWith(recordPrefix('a'))).toBe(false)
  })

  it('positions sort in HLC order', () => {
    fc.assert(fc.property(fc.nat(2 ** 47), fc.nat(0xffff), fc.nat(2 ** 47), fc.nat(0xffff), (w1, c1, w2, c2) => {
      const p1 = formatTimestamp({ wall: w1, counter: c1, node: 'n' })
      const p2 = formatTimestamp({ wall: w2, counter: c2, node: 'n' })
      expect(Math.sign(p1 < p2 ? -1 : p1 > p2 ? 1 : 0)).toBe(Math.sign(w1 !== w2 ? w1 - w2 : c1 - c2))
    }))
  })

  it('checks keys (record keys must fit maxKeyBytes) and positions by name', () => {
    expect(() => checkLogKey('', 'node', 1024)).toThrow(InvalidKeyError)
    expect(() => checkLogKey('x'.repeat(1000), 'node', 1024)).toThrow(InvalidKeyError)
    expect(() => checkLogKey('x'.repeat(900), 'node', 1024)).not.toThrow()
    expect(() => checkPosition('12')).toThrow(InvalidOptionError)
    expect(() => checkPosition(5)).toThrow(InvalidOptionError)
    expect(() => checkPosition('0000000000010000-node')).not.toThrow()
  })
})

describe('arrival check of log records and queue items', () => {
  const pos = formatTimestamp({ wall: 5000, counter: 2, node: 'alice' })

  it('a record must sit at its own clock; a delete of it at or after it', () => {
    expect(forgedReserved(entry(`${recordPrefix('k')}${pos}`, 5000, 2, 'alice'))).toBeUndefined()
    // written by someone else, or at another time: an attempt to slip a record into the past
    expect(forgedReserved(entry(`${recordPrefix('k')}${pos}`, 5000, 2, 'mallory'))).toMatch(/own clock/)
    expect(forgedReserved(entry(`${recordPrefix('k')}${pos}`, 9000, 0, 'alice'))).toMatch(/own clock/)
    expect(forgedReserved(entry(`${recordPrefix('k')}${pos}`, 9000, 0, 'bob', true))).toBeUndefined()
    expect(forgedReserved(entry(`${recordPrefix('k')}${pos}`, 4000, 0, 'bob', true))).toMatch(/later than/)
    expect(forgedReserved(entry(`${recordPrefix('k')}nonsense`, 5000, 2, 'alice'))).toMatch(/not an HLC/)
    expect(forgedReserved(entry(`${recordPrefix('k')}x/${pos}`, 5000, 2, 'alice'))).toMatch(/segments/)
  })

  it('queue items are checked the same way; claims are not stamped', () => {
    expect(forgedReserved(entry(`@meshkv/queue/q/i/${pos}`, 5000, 2, 'alice'))).toBeUndefined()
    expect(forgedReserved(entry(`@meshkv/queue/q/i/${pos}`, 5000, 3, 'alice'))).toMatch(/own clock/)
    expect(forgedReserved(entry(`@meshkv/queue/q/c/${pos}`, 7000, 0, 'bob'))).toBeUndefined()
    expect(forgedReserved(entry('@meshkv/queue/q/zzz', 7000, 0, 'bob'))).toMatch(/segments/)
  })
})
