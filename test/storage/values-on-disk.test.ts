/** A store over a durable storage keeps committed values on disk only (Entry.evict), readable whenever asked for. */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { Store } from '../../src/core/store.js'
import { LmdbStorage } from '../../src/storage/lmdb.js'

/** The value an entry keeps in memory (a view, or the slab holding it), undefined once evicted. */
const held = (e: unknown): unknown => { const data = (e as { data: unknown }).data; return data instanceof Uint8Array ? data : undefined }

describe('values on disk', () => {
  let dir: string
  let storage: LmdbStorage
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'meshkv-values-')); storage = new LmdbStorage(dir) })
  afterEach(async () => { await storage.close(); rmSync(dir, { recursive: true, force: true }) })

  it('lets go of a committed value and reads it back; what was loaded is on disk only too', async () => {
    const store = new Store('n', { storage })
    store.set('k', 'hello')
    const e = store.version('k')
    expect(held(e)).toBeDefined() // not yet committed: in memory
    await store.flush()
    expect(held(e)).toBeUndefined()
    expect(e?.text()).toBe('hello')
    expect(e?.valueBytes).toBe(5)
    expect(store.get('k')?.text()).toBe('hello')
    expect(store.stats().bytes).toBeGreaterThan(0)
    store.close()
    const again = new Store('n', { storage })
    expect(held(again.version('k'))).toBeUndefined()
    expect(again.get('k')?.text()).toBe('hello')
  })

  it('an overwritten version keeps its value for whoever holds it', async () => {
    const store = new Store('n', { storage })
    store.set('k', 'old')
    await store.flush()
    const old = store.version('k')
    store.set('k', 'new')
    await store.flush()
    expect(old?.text()).toBe('old')
    expect(store.get('k')?.text()).toBe('new')
    store.delete('k')
    await store.flush()
    expect(store.get('k')).toBeUndefined()
  })

  it('entries handed out (get, list, events) stay readable after the storage is closed', async () => {
    const store = new Store('n', { storage })
    const seen: string[] = []
    const events: Array<{ text: () => string }> = []
    store.subscribe(ev => { events.push(ev.entry) })
    store.set('a', 'one')
    store.set('b', 'two')
    await store.flush()
    const got = store.get('a')
    const listed = store.list().entries
    await storage.close()
    seen.push(got?.text() ?? '', ...listed.map(e => e.text()), ...events.map(e => e.text()))
    expect(seen).toEqual(['one', 'one', 'two', 'one', 'two'])
    // what the store itself holds is on disk only: reading it now is a named error
    expect(() => store.version('a')?.text()).toThrow(expect.objectContaining({ name: 'StorageError' }))
  })
})
