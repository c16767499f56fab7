import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Entry } from '../../src/core/entry.js'
import { formatTimestamp } from '../../src/core/hlc.js'
import { encodeRecord, forgedMember, joinCovers, memberKey, type Cover } from '../../src/core/or-set.js'
import { forgedReserved } from '../../src/core/reserved.js'

const coverArb = fc.record({ wall: fc.integer({ min: 1, max: 20 }), node: fc.constantFrom('a', 'b', 'c'), exp: fc.option(fc.integer({ min: 0, max: 50 })) })
const coversArb = fc.array(coverArb, { maxLength: 5 }).map(list => {
  const m = new Map<string, Cover>()
  for (const c of list) m.set(c.node, { tag: formatTimestamp({ wall: c.wall, counter: 0, node: c.node }), exp: c.exp })
  return m
})
const plain = (m: Map<string, Cover>): Array<[string, Cover]> => [...m].sort((x, y) => x[0] < y[0] ? -1 : 1)

describe('OR-set covers join', () => {
  it('is commutative, associative and idempotent', () => {
    fc.assert(fc.property(coversArb, coversArb, coversArb, (a, b, c) => {
      expect(plain(joinCovers(a, b))).toEqual(plain(joinCovers(b, a)))
      expect(plain(joinCovers(joinCovers(a, b), c))).toEqual(plain(joinCovers(a, joinCovers(b, c))))
      expect(plain(joinCovers(a, a))).toEqual(plain(a))
    }))
  })
})

describe('set records on arrival', () => {
  const value = (v: unknown): Uint8Array => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v))
  const entry = (key: string, origin: string, v: unknown): Entry => new Entry({ key, value: value(v), wall: 100, counter: 1, origin, expiresAt: 1_000 })

  it('accepts records its writer could have written', () => {
    const tag = formatTimestamp({ wall: 90, counter: 0, node: 'peerB' })
    const e = new Entry({ key: memberKey('seen', 'hook/1', 'peerA'), value: encodeRecord(500, new Map([['peerB', { tag, exp: 400 }]])), wall: 100, counter: 1, origin: 'peerA', expiresAt: 1_000 })
    expect(forgedReserved(e)).toBeUndefined()
    expect(forgedReserved(entry(memberKey('seen', 'x', 'peerA'), 'peerA', { c: [] }))).toBeUndefined()
  })

  it('refuses another node\'s record, a cover from the future, two covers of one node, bad expiries, a bad shape', () => {
    expect(forgedMember(entry(memberKey('s', 'm', 'peerB'), 'peerA', { a: 5, c: [] }))).toMatch(/node peerB/)
    const future = formatTimestamp({ wall: 200, counter: 0, node: 'peerB' })
    expect(forgedMember(entry(memberKey('s', 'm', 'peerA'), 'peerA', { c: [[future, 5]] }))).toMatch(/later than its own clock/)
    const t1 = formatTimestamp({ wall: 10, counter: 0, node: 'peerB' })
    const t2 = formatTimestamp({ wall: 20, counter: 0, node: 'peerB' })
    expect(forgedMember(entry(memberKey('s', 'm', 'peerA'), 'peerA', { c: [[t1, 5], [t2, 5]] }))).toMatch(/two covers/)
    expect(forgedMember(entry(memberKey('s', 'm', 'peerA'), 'peerA', { a: -1, c: [] }))).toMatch(/add expiry/)
    expect(forgedMember(entry(memberKey('s', 'm', 'peerA'), 'peerA', { a: 1 }))).toMatch(/set record/)
    expect(forgedMember(entry('@meshkv/set/s/peerA', 'peerA', { c: [] }))).toMatch(/set key is/)
    expect(forgedMember(entry(memberKey('s', 'm', 'peerA'), 'peerA', '{'))).toMatch(/JSON/)
  })
})
