import { describe, expect, it } from 'vitest'
import { Digest, bucketOf } from '../../src/core/digest.js'
import { Entry } from '../../src/core/entry.js'
import { InvalidOptionError } from '../../src/core/errors.js'
import { Store } from '../../src/core/store.js'
import { syncRound } from '../../sim/antientropy.js'

const v = (key: string, wall: number, origin = 'a', extra: Partial<ConstructorParameters<typeof Entry>[0]> = {}) =>
  new Entry({ key, value: new Uint8Array([1]), wall, counter: 0, origin, ...extra })

describe('Digest', () => {
  it('is independent of insertion order and returns to empty when everything is removed', () => {
    const a = new Digest(64)
    const b = new Digest(64)
    const es = Array.from({ length: 200 }, (_, i) => v(`k${i}`, 1_000 + i))
    const empty = a.root()
    es.forEach(e => a.add(e))
    ;[...es].reverse().forEach(e => b.add(e))
    expect(a.root()).toBe(b.root())
    expect(a.diff(b.snapshot())).toEqual([])
    es.forEach(e => a.remove(e))
    expect(a.root()).toBe(empty)
  })

  it('tells versions apart: clock, origin, delete flag and expiry all count; values do not', () => {
    const base = v('k', 1_000)
    const variants = [
      v('k', 1_001), v('k', 1_000, 'b'), v('k', 1_000, 'a', { counter: 1 }),
      v('k', 1_000, 'a', { deleted: true }), v('k', 1_000, 'a', { expiresAt: 5_000 })
    ]
    const d0 = new Digest(16); d0.add(base)
    for (const x of variants) {
      const d = new Digest(16); d.add(x)
      expect(d.diff(d0.snapshot())).toEqual([bucketOf('k', 16)])
    }
    const sameVersionOtherValue = v('k', 1_000, 'a', { value: new Uint8Array([2]) })
    const d = new Digest(16); d.add(sameVersionOtherValue)
    expect(d.root()).toBe(d0.root())
  })

  it('keeps one bucket count per bucket and refuses bad sizes', () => {
    const d = new Digest(8)
    const e = v('x', 1)
    d.add(e)
    expect(d.count(bucketOf('x', 8))).toBe(1)
    expect(() => new Digest(0)).toThrow(InvalidOptionError)
    expect(() => new Digest(1.5)).toThrow(InvalidOptionError)
  })

  it('a sync round on an unchanged pair moves nothing; a diverged pair converges in one round', () => {
    const now = 1_000_000
    const a = new Store('a', { clock: () => now })
    const b = new Store('b', { clock: () => now })
    for (let i = 0; i < 500; i++) a.set(`a${i}`, 'x', 60_000)
    for (let i = 0; i < 300; i++) b.set(`b${i}`, 'y', 60_000)
    a.set('both', 'from-a'); b.set('both', 'from-b')
    b.delete('a7')
    const r = syncRound(a, b)
    expect(r.sent).toBeGreaterThan(0)
    expect(a.digest.root()).toBe(b.digest.root())
    expect(a.get('both')?.text()).toBe(b.get('both')?.text())
    expect(syncRound(a, b)).toEqual({ diff: 0, sent: 0, received: 0 })
  })
})
