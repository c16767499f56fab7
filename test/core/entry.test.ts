import { describe, expect, it } from 'vitest'
import { Entry, EMPTY_VALUE } from '../../src/core/entry.js'
import { MAX_POOLED_BYTES, ValuePool } from '../../src/core/value-pool.js'
import { Store } from '../../src/core/store.js'

const bytes = (n: number, fill: number): Uint8Array => new Uint8Array(n).fill(fill)

describe('Entry: compact representation', () => {
  it('keeps expiresAt exact as a distance from wall, also far from it', () => {
    for (const [wall, expiresAt] of [[1_700_000_000_123, 1_700_000_003_723], [5, 2 ** 48 - 1], [2 ** 48 - 2, 2 ** 48 - 1]]) {
      const e = new Entry({ key: 'k', value: bytes(1, 1), wall, counter: 0, origin: 'o', expiresAt })
      expect(e.expiresAt).toBe(expiresAt)
      expect(e.isExpired(expiresAt - 1)).toBe(false)
      expect(e.isExpired(expiresAt)).toBe(true)
      expect(e.fields().expiresAt).toBe(expiresAt)
    }
    expect(new Entry({ key: 'k', value: bytes(1, 1), wall: 1, counter: 0, origin: 'o' }).expiresAt).toBeUndefined()
  })

  it('a pooled value reads back the same bytes, from a slab shared with the next value', () => {
    const pool = new ValuePool()
    const a = new Entry({ key: 'a', value: bytes(100, 7), wall: 1, counter: 0, origin: 'o', expiresAt: 10 })
    const b = new Entry({ key: 'b', value: bytes(MAX_POOLED_BYTES, 9), wall: 1, counter: 1, origin: 'o' })
    a.pool(pool)
    b.pool(pool)
    expect(a.value).toEqual(bytes(100, 7))
    expect(a.valueBytes).toBe(100)
    expect(b.value).toEqual(bytes(MAX_POOLED_BYTES, 9))
    expect(b.valueBytes).toBe(MAX_POOLED_BYTES)
    expect(a.value.buffer).toBe(b.value.buffer)
    expect(a.value.buffer.byteLength).toBeGreaterThan(100 + MAX_POOLED_BYTES)
    expect(a.isLive(5)).toBe(true)
    expect(a.tombstone).toBe(false)
    expect(a.stripped().value).toBe(EMPTY_VALUE)
    expect(a.stripped().tombstone).toBe(true)
  })

  it('a large value that is a view of a bigger buffer gets a buffer of its own; deletes and empty values stay as they are', () => {
    const pool = new ValuePool()
    const message = bytes(10 * MAX_POOLED_BYTES, 3)
    const big = new Entry({ key: 'big', value: message.subarray(0, 2 * MAX_POOLED_BYTES), wall: 1, counter: 0, origin: 'o' })
    big.pool(pool)
    expect(big.value.buffer).not.toBe(message.buffer)
    expect(big.value).toEqual(bytes(2 * MAX_POOLED_BYTES, 3))
    const del = new Entry({ key: 'd', value: EMPTY_VALUE, wall: 1, counter: 0, origin: 'o', deleted: true })
    del.pool(pool)
    expect(del.deleted).toBe(true)
    expect(del.tombstone).toBe(true)
    expect(del.value.byteLength).toBe(0)
    expect(del.stripped()).toBe(del)
    const empty = new Entry({ key: 'e', value: new Uint8Array(0), wall: 1, counter: 0, origin: 'o' })
    empty.pool(pool)
    expect(empty.value.byteLength).toBe(0)
    expect(empty.tombstone).toBe(false)
  })

  it('an evicted pooled value is read back through its reader, and kept again by rehydrate', () => {
    const pool = new ValuePool()
    const e = new Entry({ key: 'k', value: bytes(10, 4), wall: 1, counter: 0, origin: 'o' })
    e.pool(pool)
    let reads = 0
    e.evict(() => { reads++; return bytes(10, 4) })
    expect(e.valueBytes).toBe(10)
    expect(reads).toBe(0)
    expect(e.value).toEqual(bytes(10, 4))
    expect(reads).toBe(1)
    e.rehydrate()
    expect(e.value).toEqual(bytes(10, 4))
    expect(reads).toBe(2)
  })

  it('an in-memory store holds small values in shared slabs, not a buffer per value', () => {
    const store = new Store('a')
    const now = Date.now()
    store.merge([
      new Entry({ key: 'x', value: bytes(50, 1), wall: now, counter: 0, origin: 'b' }),
      new Entry({ key: 'y', value: bytes(50, 2), wall: now, counter: 1, origin: 'b' })
    ])
    const x = store.get('x')?.value
    const y = store.get('y')?.value
    expect(x).toEqual(bytes(50, 1))
    expect(y).toEqual(bytes(50, 2))
    expect(x?.buffer).toBe(y?.buffer)
  })
})
