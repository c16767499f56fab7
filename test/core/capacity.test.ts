import { describe, expect, it } from 'vitest'
import { Capacity } from '../../src/core/capacity.js'
import { Entry, EMPTY_VALUE } from '../../src/core/entry.js'
import { ENTRY_OVERHEAD_BYTES } from '../../src/core/limits.js'

const live = (key: string, bytes: number): Entry => new Entry({ key, value: new Uint8Array(bytes), wall: 1, counter: 0, origin: 'n' })
const tomb = (key: string): Entry => new Entry({ key, value: EMPTY_VALUE, wall: 2, counter: 0, origin: 'n', deleted: true })

describe('Capacity', () => {
  it('counts key characters, value bytes and the overhead of every version held, tombstones included', () => {
    const c = new Capacity(10, 1000)
    c.add(live('ab', 5))
    c.add(tomb('xyz'))
    expect(c.bytes).toBe(2 + 5 + ENTRY_OVERHEAD_BYTES + 3 + ENTRY_OVERHEAD_BYTES)
    expect(c.tombstones).toBe(1)
    c.remove(tomb('xyz'))
    expect(c.bytes).toBe(2 + 5 + ENTRY_OVERHEAD_BYTES)
    expect(c.tombstones).toBe(0)
  })

  it('refuses a new key at maxEntries, but not a version of a key held', () => {
    const c = new Capacity(1, 1000)
    const held = live('a', 1)
    c.add(held)
    expect(c.room(1, 'b', undefined, 1)).toMatch(/maxEntries/)
    expect(c.room(1, 'a', held, 1)).toBeUndefined()
    expect(c.full(1)).toBe(true)
  })

  it('refuses what would grow the bytes past maxBytes; what does not grow them always fits', () => {
    const c = new Capacity(10, 2 * (1 + 10 + ENTRY_OVERHEAD_BYTES))
    const held = live('a', 10)
    c.add(held)
    c.add(live('b', 10))
    expect(c.room(2, 'c', undefined, 0)).toMatch(/maxBytes/)
    expect(c.room(2, 'a', held, 10)).toBeUndefined()
    expect(c.room(2, 'a', held, 11)).toMatch(/maxBytes/)
    expect(c.room(2, 'a', held, 0)).toBeUndefined()
    expect(c.full(2)).toBe(true)
    expect(new Capacity(10, 1000).full(0)).toBe(false)
  })
})
