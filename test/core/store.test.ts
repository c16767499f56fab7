import { describe, expect, it } from 'vitest'
import { EMPTY_VALUE, Entry } from '../../src/core/entry.js'
import { InvalidKeyError, InvalidOptionError, InvalidTtlError, InvalidValueError, MeshClosedError, StoreFullError, ValueTooLargeError } from '../../src/core/errors.js'
import { ENTRY_OVERHEAD_BYTES } from '../../src/core/limits.js'
import { Store, type StoreEvent } from '../../src/core/store.js'

function setup (options: ConstructorParameters<typeof Store>[1] = {}, node = 'a') {
  let now = 1_000_000
  const store = new Store(node, { clock: () => now, ...options })
  const events: StoreEvent[] = []
  store.subscribe(e => events.push(e))
  return {
    store,
    events,
    advance (ms: number) { now += ms; store.tick() },
    get now () { return now }
  }
}

describe('Store: local writes and reads', () => {
  it('sets, gets, overwrites silently and deletes', async () => {
    const { store, events } = setup()
    const e = store.set('k', 'v1', 10_000)
    expect(store.get('k')?.text()).toBe('v1')
    expect(e.expiresAt).toBe(e.wall + 10_000)
    store.set('k', new TextEncoder().encode('{"n":2}'))
    expect(store.get('k')?.json()).toEqual({ n: 2 })
    store.delete('k')
    expect(store.get('k')).toBeUndefined()
    expect(store.has('k')).toBe(false)
    expect(store.version('k')?.deleted).toBe(true)
    expect(events.map(e => e.type)).toEqual(['set', 'set', 'delete'])
    expect(events.every(e => e.local)).toBe(true)
  })

  it('copies Uint8Array values so later mutation by the caller changes nothing', () => {
    const { store } = setup()
    const bytes = new Uint8Array([1, 2, 3])
    store.set('k', bytes)
    bytes[0] = 9
    expect([...store.get('k')!.value]).toEqual([1, 2, 3])
  })

  it('overwrite refreshes the TTL', () => {
    const t = setup()
    t.store.set('k', 'a', 1_000)
    t.advance(900)
    t.store.set('k', 'b', 1_000)
    t.advance(900)
    expect(t.store.get('k')?.text()).toBe('b')
  })

  it('rejects bad input with named errors and precise messages, changing nothing', () => {
    const { store } = setup({ maxKeyBytes: 8, maxValueBytes: 4, maxTtlMs: 60_000 })
    expect(() => store.set('', 'v')).toThrow(InvalidKeyError)
    expect(() => store.set('a\0b', 'v')).toThrow(InvalidKeyError)
    expect(() => store.set('\ud800', 'v')).toThrow(InvalidKeyError)
    expect(() => store.set('ééééé', 'v')).toThrow(/at most 8 UTF-8 bytes, got 10/)
    expect(() => store.set(42 as unknown as string, 'v')).toThrow(InvalidKeyError)
    expect(() => store.set('k', 'vvvvv')).toThrow(ValueTooLargeError)
    expect(() => store.set('k', 5 as unknown as string)).toThrow(InvalidValueError)
    expect(() => store.set('k', 'v', -5)).toThrow(/`ttl` must be a positive number of milliseconds \(or Infinity\), got -5/)
    expect(() => store.set('k', 'v', 0)).toThrow(InvalidTtlError)
    expect(() => store.set('k', 'v', NaN)).toThrow(InvalidTtlError)
    expect(() => store.set('k', 'v', 60_001)).toThrow(InvalidTtlError)
    expect(store.size).toBe(0)
    expect(() => new Store('a', { maxTtlMs: -1 })).toThrow(InvalidOptionError)
    expect(() => new Store('a', { defaultTtlMs: 10, maxTtlMs: 5 })).toThrow(InvalidOptionError)
  })

  it('Infinity TTL never expires; no TTL takes defaultTtlMs', () => {
    const t = setup({ defaultTtlMs: 5_000 })
    t.store.set('forever', 'x', Infinity)
    t.store.set('default', 'x')
    expect(t.store.version('forever')?.expiresAt).toBeUndefined()
    t.advance(5_000)
    expect(t.store.get('default')).toBeUndefined()
    expect(t.store.get('forever')?.text()).toBe('x')
  })

  it('refuses writes after close with MeshClosedError', () => {
    const { store } = setup()
    store.close()
    expect(() => store.set('k', 'v')).toThrow(MeshClosedError)
    expect(() => store.merge([])).toThrow(MeshClosedError)
  })
})

describe('Store: expiry', () => {
  it('reads as absent at expiresAt even before the timer runs (lazy), then emits expire on tick', () => {
    let now = 1_000
    const store = new Store('a', { clock: () => now })
    const events: StoreEvent[] = []
    store.subscribe(e => events.push(e))
    store.set('hb', 'alive', 100)
    expect(store.nextDeadline()).toBe(1_100)
    now = 1_099
    expect(store.get('hb')?.text()).toBe('alive')
    now = 1_100
    expect(store.get('hb')).toBeUndefined() // lazy: no tick yet
    store.tick()
    expect(events.map(e => e.type)).toEqual(['set', 'expire'])
    expect(events[1].entry.text()).toBe('alive')
    // kept as a tombstone without its value
    expect(store.version('hb')?.value.length).toBe(0)
    // a tombstone still counts against maxBytes: its key plus the fixed overhead
    expect(store.stats()).toMatchObject({ entries: 0, tombstones: 1, bytes: 'hb'.length + ENTRY_OVERHEAD_BYTES })
  })

  it('an expired entry stays absent when the clock is set back before its expiresAt', () => {
    let now = 10_000
    const store = new Store('a', { clock: () => now })
    store.set('k', 'v', 100)
    now = 10_200
    store.tick()
    now = 10_050 // NTP steps the clock back
    expect(store.get('k')).toBeUndefined()
    expect(store.list().keys).toEqual([])
  })

  it('an overdue expiry is announced even when a tombstone supersedes it before the timer runs', () => {
    let now = 10_000
    const b = new Store('b', { clock: () => now })
    const events: StoreEvent[] = []
    b.subscribe(e => events.push(e))
    b.set('k', 'v', 100)
    now = 10_500 // past expiry; the timer has not run
    const del = new Entry({ key: 'k', value: new Uint8Array(0), wall: 10_400, counter: 0, origin: 'a', deleted: true })
    expect(b.merge([del])).toEqual(['applied'])
    expect(events.map(e => e.type)).toEqual(['set', 'expire'])
    expect(events[1].entry.text()).toBe('v')
  })

  it('expiry is absolute: a replica receiving the write late forgets at the same instant', () => {
    const a = setup({}, 'a')
    const b = setup({}, 'b')
    const e = a.store.set('k', 'v', 1_000)
    b.advance(600) // b receives it 600 ms later
    b.store.merge([e])
    expect(b.store.version('k')?.expiresAt).toBe(e.expiresAt)
    b.advance(399)
    expect(b.store.get('k')?.text()).toBe('v')
    b.advance(1)
    expect(b.store.get('k')).toBeUndefined()
    expect(b.events.map(x => x.type)).toEqual(['set', 'expire'])
  })

  it('a version that arrives already expired is kept as a tombstone and emits nothing', () => {
    const a = setup({}, 'a')
    const b = setup({}, 'b')
    const e = a.store.set('k', 'v', 100)
    b.advance(200)
    expect(b.store.merge([e])).toEqual(['applied'])
    expect(b.store.get('k')).toBeUndefined()
    expect(b.store.version('k')?.value.length).toBe(0)
    expect(b.events).toEqual([])
    // and the digest matches the writer's once both have expired it
    a.advance(200)
    expect(b.store.digest.root()).toBe(a.store.digest.root())
  })
})

describe('Store: tombstones and no resurrection', () => {
  it('an expired version arriving without its value (as anti-entropy sends one) is kept as a tombstone: no expire event, never counted expired, purged after retention', () => {
    const { store, events, advance, now } = setup()
    const stripped = new Entry({ key: 'gone', value: EMPTY_VALUE, wall: now - 10_000, counter: 0, origin: 'b', expiresAt: now - 5_000 })
    expect(store.merge([stripped])).toEqual(['applied'])
    expect(store.get('gone')).toBeUndefined()
    expect(store.version('gone')?.tombstone).toBe(true)
    advance(1)
    expect(events).toEqual([])
    expect(store.counters.expired).toBe(0)
    advance(store.retentionMs)
    expect(store.version('gone')).toBeUndefined()
    expect(store.counters.purged).toBe(1)
    expect(events).toEqual([])
  })

  it('an older version arriving after a delete does not come back', () => {
    const a = setup({}, 'a')
    const b = setup({}, 'b')
    const old = a.store.set('k', 'old', 60_000)
    b.store.merge([old])
    b.advance(10)
    b.store.delete('k')
    expect(b.store.merge([old])).toEqual(['stale'])
    expect(b.store.get('k')).toBeUndefined()
  })

  it('an older version arriving after expiry does not come back', () => {
    const a = setup({}, 'a')
    const b = setup({}, 'b')
    const older = a.store.set('k', 'older', 60_000)
    a.advance(1)
    const newer = a.store.set('k', 'newer', 500)
    b.store.merge([newer])
    b.advance(1_000)
    expect(b.store.get('k')).toBeUndefined()
    expect(b.store.merge([older])).toEqual(['stale'])
    expect(b.store.get('k')).toBeUndefined()
  })

  it('purges tombstones at wall + max(maxTtlMs, tombstoneGraceMs), after which expiring old versions stay dead', () => {
    const t = setup({ maxTtlMs: 10_000, tombstoneGraceMs: 2_000 })
    expect(t.store.retentionMs).toBe(10_000)
    const old = new Entry({ key: 'k', value: new Uint8Array([1]), wall: t.now - 5, counter: 0, origin: 'z', expiresAt: t.now - 5 + 10_000 })
    t.store.merge([old])
    t.store.delete('k')
    t.advance(9_999)
    expect(t.store.stats().tombstones).toBe(1)
    t.advance(1)
    expect(t.store.size).toBe(0)
    expect(t.store.counters.purged).toBe(1)
    // the old version has itself expired by now: arriving late, it is not brought back
    expect(t.store.merge([old])).toEqual(['obsolete'])
    expect(t.store.get('k')).toBeUndefined()
  })

  it('counts a non-expiring version older than the retention as a late arrival (possible resurrection)', () => {
    const t = setup({ maxTtlMs: 1_000, tombstoneGraceMs: 1_000 })
    const ancient = new Entry({ key: 'k', value: new Uint8Array([1]), wall: t.now - 5_000, counter: 0, origin: 'z' })
    expect(t.store.merge([ancient])).toEqual(['applied'])
    expect(t.store.counters.lateArrivals).toBe(1)
  })

  it('refuses remote versions beyond maxDriftMs and counts them', () => {
    const t = setup({ maxDriftMs: 1_000 })
    const future = new Entry({ key: 'k', value: new Uint8Array([1]), wall: t.now + 1_001, counter: 0, origin: 'z' })
    expect(t.store.merge([future])).toEqual(['drift'])
    expect(t.store.get('k')).toBeUndefined()
    expect(t.store.counters.drift).toBe(1)
    expect(t.store.hlc.peek().wall).toBe(0)
  })

  it('compacts superseded heap items under heavy overwrite', () => {
    const t = setup()
    for (let i = 0; i < 5_000; i++) t.store.set('hot', String(i), 60_000)
    t.store.tick()
    // internals are private; the observable contract: one live entry, correct value
    expect(t.store.get('hot')?.text()).toBe('4999')
    expect(t.store.stats().entries).toBe(1)
  })
})

describe('Store: capacity', () => {
  const O = ENTRY_OVERHEAD_BYTES
  it('refuses local writes past maxEntries or maxBytes with StoreFullError; drops and counts remote ones', () => {
    const t = setup({ maxEntries: 3, maxBytes: 3 * O + 100 })
    for (const k of ['a', 'b', 'c']) t.store.set(k, 'v', 60_000)
    expect(() => t.store.set('d', 'v', 60_000)).toThrow(StoreFullError)
    t.store.set('a', 'overwrite is fine', 60_000)
    t.store.delete('b') // deleting a held key always fits
    const remote = new Entry({ key: 'e', value: new Uint8Array([1]), wall: t.now, counter: 0, origin: 'z', expiresAt: t.now + 60_000 })
    expect(t.store.merge([remote])).toEqual(['full'])
    expect(t.store.counters.full).toBe(1)
    expect(t.store.get('e')).toBeUndefined()
    expect(() => t.store.set('c', 'x'.repeat(200), 60_000)).toThrow(/over its maxBytes/)
    expect(t.store.get('c')?.text()).toBe('v')
  })

  it('counts tombstones: one entry against maxEntries, key + overhead against maxBytes', () => {
    const t = setup({ maxEntries: 10 })
    const tomb = (key: string, wall = t.now): Entry => new Entry({ key, value: new Uint8Array(0), wall, counter: 0, origin: 'z', deleted: true })
    // remote deletes of keys never held: only 10 fit, the rest are dropped and counted
    const outcomes = t.store.merge(Array.from({ length: 40 }, (_, i) => tomb(`gone/${i}`)))
    expect(outcomes.filter(o => o === 'applied')).toHaveLength(10)
    expect(outcomes.filter(o => o === 'full')).toHaveLength(30)
    expect(t.store.size).toBe(10)
    expect(t.store.stats()).toEqual({ entries: 0, tombstones: 10, bytes: 10 * ('gone/0'.length + O) })
    expect(t.store.atCapacity).toBe(true)
    // a local delete of a key not held adds a tombstone too: refused when full
    expect(() => t.store.delete('other')).toThrow(StoreFullError)
    // a newer delete of a held key replaces its version: it always fits
    expect(t.store.merge([tomb('gone/0', t.now + 1)])).toEqual(['applied'])
    expect(t.store.size).toBe(10)

    const b = setup({ maxBytes: 4 * (5 + O) })
    b.store.delete('key/1')
    b.store.delete('key/2')
    expect(b.store.stats().bytes).toBe(2 * (5 + O))
    expect(b.store.merge([tomb('key/3'), tomb('key/4'), tomb('key/5')])).toEqual(['applied', 'applied', 'full'])
    expect(() => b.store.delete('key/6')).toThrow(/over its maxBytes/)
  })

  it('a delete or an expiry never grows the bytes held', () => {
    const t = setup({ maxBytes: 2 * (1 + O) + 2 })
    t.store.set('a', 'x', 1_000)
    t.store.set('b', 'y', 60_000)
    expect(t.store.atCapacity).toBe(true)
    const before = t.store.stats().bytes
    t.store.delete('b')
    t.advance(1_000) // a expires: held as a tombstone
    expect(t.store.stats()).toEqual({ entries: 0, tombstones: 2, bytes: before - 2 })
  })
})

describe('Store: list', () => {
  it('lists live keys in order with prefix, limit and cursor', () => {
    const t = setup()
    for (const k of ['b/2', 'a/1', 'b/1', 'b/3', 'c/1', 'b/4']) t.store.set(k, k, 1_000)
    t.store.delete('b/3')
    t.store.set('b/5', 'x', 10)
    t.advance(20) // b/5 expired
    const p1 = t.store.list({ prefix: 'b/', limit: 2 })
    expect(p1.keys).toEqual(['b/1', 'b/2'])
    expect(p1.nextCursor).toBeDefined()
    const p2 = t.store.list({ prefix: 'b/', limit: 2, cursor: p1.nextCursor })
    expect(p2.keys).toEqual(['b/4'])
    expect(p2.nextCursor).toBeUndefined()
    expect(t.store.list().keys).toEqual(['a/1', 'b/1', 'b/2', 'b/4', 'c/1'])
    expect(t.store.list().entries.map(e => e.text())).toEqual(['a/1', 'b/1', 'b/2', 'b/4', 'c/1'])
    expect(() => t.store.list({ limit: 0 })).toThrow(InvalidOptionError)
  })
})
