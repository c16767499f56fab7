/**
 * `X-Created-At` is written by isoTime, not Date#toISOString (a slow builtin on the GET path): it
 * must be the same text for every time an entry can carry.
 */
import { describe, expect, it } from 'vitest'
import { isoTime } from '../../../src/surfaces/http/headers.js'

describe('isoTime', () => {
  it('writes what Date#toISOString writes: the edges, leap days, and 20,000 seeded random instants', () => {
    const instants = [
      0, 1, 999, 1000, 59_999, 86_399_999, 86_400_000,
      Date.UTC(1972, 1, 29, 12), Date.UTC(2000, 1, 29, 23, 59, 59, 999), Date.UTC(2000, 2, 1),
      Date.UTC(2100, 1, 28, 23, 59, 59, 999), Date.UTC(2100, 2, 1), Date.UTC(2400, 1, 29),
      Date.UTC(2026, 10, 22, 22, 11, 33, 7), Date.UTC(9999, 11, 31, 23, 59, 59, 999),
      // beyond four-digit years, before 1970, fractional: the builtin's own answer
      Date.UTC(9999, 11, 31, 23, 59, 59, 999) + 1, 2 ** 48 - 1, -1, Date.UTC(1969, 11, 31, 23, 59, 59, 1), 1.5
    ]
    let seed = 7
    const random = (): number => { seed = (seed * 48_271) % 2_147_483_647; return seed / 2_147_483_647 }
    for (let i = 0; i < 20_000; i++) instants.push(Math.floor(random() * random() * 253_402_300_800_000))
    for (const ms of instants) expect(isoTime(ms)).toBe(new Date(ms).toISOString())
  })
})
