/** A store over a storage: written through, loaded back, the clock resumed (src/core/journal.ts, Store.load). */
import { describe, expect, it } from 'vitest'
import { compareTimestamps } from '../../src/core/hlc.js'
import { MemoryStorage } from '../../src/core/memory-storage.js'
import { Store, type StoreEvent } from '../../src/core/store.js'
import type { Storage, StorageOp } from '../../src/core/storage.js'

const NODE = 'node-a'
const opts = { maxTtlMs: 60_000, tombstoneGraceMs: 10_000 }

function clock (start = 1_700_000_000_000): { now: () => number, set: (t: number) => void, advance: (ms: number) => void } {
  let t = start
  return { now: () => t, set: (x: number) => { t = x }, advance: (ms: number) => { t += ms } }
}

describe('a store over a storage', () => {
  it('keeps nothing in the storage until flushed, then everything', async () => {
    const storage = new MemoryStorage()
    const c = clock()
    const store = new Store(NODE, { ...opts, clock: c.now, storage })
    store.set('a', '1', 30_000)
    store.delete('b')
    expect(storage.get('a')).toBeUndefined()
    await store.flush()
    expect(storage.get('a')?.text()).toBe('1')
    expect(storage.get('b')?.deleted).toBe(true)
  })

  it('reloads the same state, silently', async () => {
    const storage = new MemoryStorage()
    const c = clock()
    const store = new Store(NODE, { ...opts, clock: c.now, storage })
    store.set('live', 'x', 30_000)
    store.set('forever', 'y', Infinity)
    store.set('gone', 'z', 30_000)
    store.delete('gone')
    await store.flush()
    const digest = store.digest.root()
    store.close()

    const again = new Store(NODE, { ...opts, clock: c.now, storage })
    const events: StoreEvent[] = []
    again.subscribe(e => events.push(e))
    expect(again.digest.root()).toBe(digest)
    expect(again.get('live')?.text()).toBe('x')
    expect(again.get('forever')?.text()).toBe('y')
    expect(again.get('gone')).toBeUndefined()
    expect(again.version('gone')?.deleted).toBe(true)
    expect(again.stats()).toEqual(store.stats())
    expect(again.list().keys).toEqual(['forever', 'live'])
    expect(again.nextDeadline()).toBe(store.version('live')?.expiresAt)
    expect(events).toEqual([])
  })

  it('drops what expired while down (kept as a tombstone), purges what passed retention, announces neither', async () => {
    const storage = new MemoryStorage()
    const c = clock()
    const store = new Store(NODE, { ...opts, clock: c.now, storage })
    store.set('short', 'x', 1_000)
    store.set('long', 'y', 50_000)
    store.delete('old')
    await store.flush()
    store.close()

    c.advance(5_000)
    const a = new Store(NODE, { ...opts, clock: c.now, storage })
    const events: StoreEvent[] = []
    a.subscribe(e => events.push(e))
    expect(a.get('short')).toBeUndefined()
    expect(a.version('short')?.tombstone).toBe(true)
    expect(a.get('long')?.text()).toBe('y')
    await a.flush()
    expect(storage.get('short')?.tombstone).toBe(true) // the value is gone from the storage too
    expect(storage.get('short')?.value.byteLength).toBe(0)
    a.close()

    c.advance(70_000) // past every retention (max(60 s, 10 s) after the write)
    const b = new Store(NODE, { ...opts, clock: c.now, storage })
    b.subscribe(e => events.push(e))
    expect(b.size).toBe(0)
    await b.flush()
    expect([...storage.scan()]).toEqual([])
    expect(events).toEqual([])
    expect(b.counters.purged).toBe(3)
  })

  it('writes through expiry and purges done by tick', async () => {
    const storage = new MemoryStorage()
    const c = clock()
    const store = new Store(NODE, { ...opts, clock: c.now, storage })
    store.set('k', 'v', 1_000)
    await store.flush()
    c.advance(1_000)
    store.tick()
    await store.flush()
    expect(storage.get('k')?.tombstone).toBe(true)
    c.advance(60_000)
    store.tick()
    await store.flush()
    expect(storage.get('k')).toBeUndefined()
  })

  it('never issues a timestamp below one it issued before, even when the clock went back', async () => {
    const storage = new MemoryStorage()
    const c = clock()
    const store = new Store(NODE, { ...opts, clock: c.now, storage })
    let last = store.set('k', 'v')
    for (let i = 0; i < 100; i++) { c.advance(10); last = store.set(`k${i}`, 'v') }
    store.hlc.now() // issued, never stored (a lock token, say)
    const issued = store.hlc.peek()
    await store.flush()
    store.close()
    c.advance(-30_000) // the machine's clock steps back
    const again = new Store(NODE, { ...opts, clock: c.now, storage })
    const next = again.set('k', 'w')
    expect(compareTimestamps(next, last)).toBeGreaterThan(0)
    expect(compareTimestamps(next, issued)).toBeGreaterThan(0)
    // the reserve keeps the high-water mark at least half of it ahead: at most 5 s here
    expect(next.wall - issued.wall).toBeLessThanOrEqual(5_000)
  })

  it('restarting again and again does not ratchet the clock ahead of the physical one', async () => {
    const storage = new MemoryStorage()
    const c = clock()
    let last
    for (let i = 0; i < 30; i++) {
      const store = new Store(NODE, { ...opts, clock: c.now, storage })
      for (let k = 0; k < 5; k++) last = store.set(`k${k}`, `v${i}`)
      await store.flush()
      store.close()
      c.advance(100) // restarts much faster than the reserve (5 s)
    }
    // each restart resumes at the mark on disk; the mark stays within the reserve of the clock
    expect(last!.wall - c.now()).toBeLessThanOrEqual(5_000)
  })

  it('a timestamp past the high-water mark on disk is not exposable until the mark is committed', async () => {
    const storage = new MemoryStorage()
    const c = clock()
    const store = new Store(NODE, { ...opts, clock: c.now, storage, hlcReserveMs: 1_000 })
    const journal = store.journal!
    const first = store.set('a', '1')
    expect(journal.exposable(first)).toBe(false) // nothing on disk yet
    await store.flush()
    expect(journal.exposable(first)).toBe(true)
    c.advance(200)
    expect(journal.exposable(store.set('b', '2'))).toBe(true) // within the reserve
    c.advance(60_000) // idle: the next write is beyond the mark on disk
    const late = store.set('c', '3')
    expect(journal.exposable(late)).toBe(false)
    await store.flush()
    expect(journal.exposable(late)).toBe(true)
  })

  it('resumes above timestamps it received (a remote write it held)', async () => {
    const storage = new MemoryStorage()
    const c = clock()
    const store = new Store(NODE, { ...opts, clock: c.now, storage, hlcReserveMs: 10 })
    const remote = new Store('node-b', { ...opts, clock: () => c.now() + 40_000 })
    store.merge([remote.set('r', 'from the future')])
    await store.flush()
    store.close()
    const again = new Store(NODE, { ...opts, clock: c.now, storage, hlcReserveMs: 10 })
    expect(again.set('r', 'mine').wall).toBeGreaterThanOrEqual(c.now() + 40_000)
    expect(again.get('r')?.text()).toBe('mine')
  })

  it('a failed write fails every later flush (nothing more is acknowledged as durable)', async () => {
    let fail = false
    const inner = new MemoryStorage()
    const storage: Storage = Object.assign(Object.create(inner) as MemoryStorage, {
      write: async (ops: readonly StorageOp[]) => { if (fail) throw new Error('disk full'); return inner.write(ops) }
    })
    const store = new Store(NODE, { ...opts, clock: clock().now, storage })
    store.set('a', '1')
    await store.flush()
    fail = true
    store.set('b', '2')
    await expect(store.flush()).rejects.toThrow('disk full')
    fail = false
    store.set('c', '3')
    await expect(store.flush()).rejects.toThrow('disk full')
  })
})
