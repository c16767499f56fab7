import { describe, expect, it } from 'vitest'
import { bucketOf } from '../../src/core/digest.js'
import { Store } from '../../src/core/store.js'
import { plan, summarize, wireSize } from '../../src/core/sync.js'

function filled (node: string, keys: string[], clock: () => number = Date.now): Store {
  const store = new Store(node, { buckets: 16, clock })
  for (const k of keys) store.set(k, `value of ${k}`)
  return store
}

describe('anti-entropy planning: whole buckets', () => {
  const keys = Array.from({ length: 200 }, (_, i) => `k${i}`)

  it('the versions of buckets the initiator holds nothing in go whole, with values; the rest as summaries', () => {
    const responder = filled('r', keys)
    // the initiator holds a few keys, all in one bucket
    const inBucket = keys.filter(k => bucketOf(k, 16) === 3).slice(0, 2)
    // written a second later than the responder's (in one millisecond node 'r' would win the tie)
    const initiator = filled('i', inBucket, () => Date.now() + 1_000)
    const s = summarize(responder, initiator.digest.snapshot(), Infinity, { whole: true })
    expect(s.diff).toHaveLength(16)
    expect(s.whole.every(e => bucketOf(e.key, 16) !== 3)).toBe(true)
    expect(s.whole.map(e => e.key).sort()).toEqual(keys.filter(k => bucketOf(k, 16) !== 3).sort())
    expect(s.versions.map(e => e.key).sort()).toEqual(keys.filter(k => bucketOf(k, 16) === 3).sort())
    expect(s.whole[0].text()).toBe(`value of ${s.whole[0].key}`)
    // the initiator merges the whole versions and plans only the bucket it held something in
    initiator.merge(s.whole)
    const p = plan(initiator, s.diff.filter(b => b === 3), s.versions)
    expect(p.push.map(e => e.key).sort()).toEqual([...inBucket].sort()) // its own, newer versions of those
    expect(p.want.sort()).toEqual(keys.filter(k => bucketOf(k, 16) === 3 && !inBucket.includes(k)).sort())
  })

  it('without the option (or when the budget is spent), nothing goes whole', () => {
    const responder = filled('r', keys)
    const empty = new Store('i', { buckets: 16 }).digest.snapshot()
    expect(summarize(responder, empty).whole).toEqual([])
    const budget = wireSize(responder.versions().next().value!, true) * 3
    const cut = summarize(responder, empty, budget, { whole: true })
    expect(cut.more).toBe(true)
    expect(cut.whole.length).toBeGreaterThan(0)
    expect(cut.whole.reduce((sum, e) => sum + wireSize(e, true), 0)).toBeLessThanOrEqual(budget + wireSize(cut.whole[0], true) * 20)
  })
})
