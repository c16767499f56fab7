import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Entry } from '../../src/core/entry.js'
import { compareVersionIds, compareVersions, merge } from '../../src/core/merge.js'
import { Store } from '../../src/core/store.js'

const entryArb = fc.record({
  wall: fc.integer({ min: 1_000, max: 1_010 }),
  counter: fc.integer({ min: 0, max: 3 }),
  origin: fc.constantFrom('a', 'b', 'c'),
  deleted: fc.boolean(),
  ttl: fc.option(fc.integer({ min: 1, max: 50 }), { nil: undefined }),
  value: fc.uint8Array({ maxLength: 3 })
}).map(r => new Entry({
  key: 'k',
  value: r.deleted ? new Uint8Array(0) : r.value,
  wall: r.wall,
  counter: r.counter,
  origin: r.origin,
  deleted: r.deleted,
  expiresAt: r.deleted || r.ttl === undefined ? undefined : r.wall + r.ttl
}))

describe('LWW merge', () => {
  it('is commutative', () => {
    fc.assert(fc.property(entryArb, entryArb, (a, b) => merge(a, b) === merge(b, a) || compareVersions(a, b) === 0))
  })

  it('is associative', () => {
    fc.assert(fc.property(entryArb, entryArb, entryArb, (a, b, c) => {
      expect(compareVersions(merge(merge(a, b), c), merge(a, merge(b, c)))).toBe(0)
    }))
  })

  it('is idempotent', () => {
    fc.assert(fc.property(entryArb, (a) => merge(a, a) === a))
  })

  it('a store reaches the same state whatever the order, duplication or repetition of arrivals', () => {
    fc.assert(fc.property(fc.array(entryArb, { minLength: 1, maxLength: 12 }), fc.array(fc.nat(), { maxLength: 30 }), (entries, picks) => {
      const now = 1_005
      const s1 = new Store('x', { clock: () => now })
      const s2 = new Store('y', { clock: () => now })
      s1.merge(entries)
      // reversed, with duplicates spliced in
      const shuffled = [...entries].reverse()
      for (const p of picks) shuffled.splice(p % (shuffled.length + 1), 0, entries[p % entries.length])
      for (const e of shuffled) s2.merge([e])
      const max = entries.reduce(merge)
      // the same version everywhere (an expired one is kept without its value)
      expect(compareVersionIds(s1.version('k')!, max)).toBe(0)
      expect(compareVersions(s1.version('k')!, s2.version('k')!)).toBe(0)
      expect(s1.digest.root()).toBe(s2.digest.root())
      expect(s1.get('k')?.text()).toBe(s2.get('k')?.text())
    }))
  })

  it('a delete loses to any later write and beats any earlier one', () => {
    const base = { key: 'k', value: new Uint8Array([1]), origin: 'a', counter: 0 }
    const del = new Entry({ ...base, wall: 10, deleted: true })
    expect(merge(del, new Entry({ ...base, wall: 11 })).deleted).toBe(false)
    expect(merge(del, new Entry({ ...base, wall: 9 })).deleted).toBe(true)
  })
})
