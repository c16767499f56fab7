import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Entry } from '../../src/core/entry.js'
import { formatTimestamp } from '../../src/core/hlc.js'
import { counterKey, encodeView, forgedCounter, joinViews, valueOf, type CounterView } from '../../src/core/pn-counter.js'
import { forgedReserved } from '../../src/core/reserved.js'

const slotId = fc.record({ wall: fc.integer({ min: 1, max: 20 }), counter: fc.integer({ min: 0, max: 2 }), node: fc.constantFrom('a', 'b', 'c') }).map(formatTimestamp)
const viewArb = fc.array(fc.tuple(slotId, fc.nat(1000), fc.nat(1000)), { maxLength: 8 })
  .map((slots): CounterView => ({ slots: new Map(slots.map(([id, p, n]) => [id, { p, n }])) }))
const plain = (v: CounterView): Array<[string, number, number]> => [...v.slots].map(([id, s]): [string, number, number] => [id, s.p, s.n]).sort((x, y) => x[0] < y[0] ? -1 : 1)

describe('PN-counter join', () => {
  it('is commutative, associative and idempotent', () => {
    fc.assert(fc.property(viewArb, viewArb, viewArb, (a, b, c) => {
      expect(plain(joinViews(a, b))).toEqual(plain(joinViews(b, a)))
      expect(plain(joinViews(joinViews(a, b), c))).toEqual(plain(joinViews(a, joinViews(b, c))))
      expect(plain(joinViews(a, a))).toEqual(plain(a))
    }))
  })

  it('never decreases a slot: the join dominates both sides', () => {
    fc.assert(fc.property(viewArb, viewArb, (a, b) => {
      const j = joinViews(a, b)
      for (const v of [a, b]) for (const [id, s] of v.slots) {
        expect(j.slots.get(id)?.p).toBeGreaterThanOrEqual(s.p)
        expect(j.slots.get(id)?.n).toBeGreaterThanOrEqual(s.n)
      }
      expect(valueOf(j)).toBe([...j.slots.values()].reduce((t, s) => t + s.p - s.n, 0))
    }))
  })
})

describe('counter keys on arrival', () => {
  const at = { wall: 100, counter: 0, node: 'peerA' }
  const entry = (key: string, origin: string, value: unknown): Entry => new Entry({ key, value: new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value)), wall: 100, counter: 1, origin, expiresAt: 1_000 })
  const own = formatTimestamp(at)

  it('accepts a view its writer could have written', () => {
    const e = new Entry({ key: counterKey('hits', 'peerA'), value: encodeView({ own, slots: new Map([[own, { p: 3, n: 1 }], [formatTimestamp({ wall: 50, counter: 0, node: 'peerB' }), { p: 2, n: 0 }]]) }), wall: 100, counter: 1, origin: 'peerA', expiresAt: 1_000 })
    expect(forgedReserved(e)).toBeUndefined()
  })

  it('refuses another node\'s key, a slot from the future, bad totals, a missing own slot, a nested key', () => {
    expect(forgedCounter(entry(counterKey('hits', 'peerB'), 'peerA', { o: own, s: [[own, 1, 0]] }))).toMatch(/node peerB/)
    const future = formatTimestamp({ wall: 200, counter: 0, node: 'peerB' })
    expect(forgedCounter(entry(counterKey('hits', 'peerA'), 'peerA', { o: own, s: [[own, 1, 0], [future, 1, 0]] }))).toMatch(/later than its own clock/)
    expect(forgedCounter(entry(counterKey('hits', 'peerA'), 'peerA', { o: own, s: [[own, -1, 0]] }))).toMatch(/non-negative/)
    expect(forgedCounter(entry(counterKey('hits', 'peerA'), 'peerA', { o: own, s: [[own, 1.5, 0]] }))).toMatch(/non-negative/)
    expect(forgedCounter(entry(counterKey('hits', 'peerA'), 'peerA', { s: [[own, 1, 0]] }))).toMatch(/own slot/)
    const other = formatTimestamp({ wall: 50, counter: 0, node: 'peerB' })
    expect(forgedCounter(entry(counterKey('hits', 'peerA'), 'peerA', { o: other, s: [[other, 1, 0]] }))).toMatch(/not one its writer/)
    expect(forgedCounter(entry('@meshkv/counter/a/b/peerA', 'peerA', { o: own, s: [[own, 1, 0]] }))).toMatch(/counter key is/)
    expect(forgedCounter(entry(counterKey('hits', 'peerA'), 'peerA', 'not json'))).toMatch(/JSON/)
  })

  it('accepts a tombstone of its writer\'s own key', () => {
    const t = new Entry({ key: counterKey('hits', 'peerA'), value: new Uint8Array(), wall: 100, counter: 1, origin: 'peerA', deleted: true })
    expect(forgedCounter(t)).toBeUndefined()
  })
})
