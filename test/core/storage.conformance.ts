/**
 * The conformance suite every Storage implementation passes (the automerge-repo
 * `runStorageAdapterTests` habit): call `runStorageTests(name, setup)` from a test file.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { Entry, EMPTY_VALUE, type EntryFields } from '../../src/core/entry.js'
import { SignedEntry } from '../../src/core/signed.js'
import { compareKeys, type Storage } from '../../src/core/storage.js'

export interface StorageSetup {
  storage: Storage
  /** Closes the storage and opens the same place again. */
  reopen: () => Promise<Storage>
  teardown?: () => Promise<void>
}

const enc = new TextEncoder()
const NODE = '12D3KooWConformanceSuitePeer'

export function entry (key: string, value: string, extra: Partial<EntryFields> = {}): Entry {
  return new Entry({ key, value: enc.encode(value), wall: 1_700_000_000_000, counter: 0, origin: NODE, ...extra })
}

function fieldsOf (e: Entry | undefined): unknown {
  if (e === undefined) return undefined
  return { ...e.fields(), value: [...e.value], tombstone: e.tombstone }
}

const keysOf = (it: Iterable<Entry>): string[] => [...it].map(e => e.key)

export function runStorageTests (name: string, setup: () => Promise<StorageSetup>): void {
  describe(`Storage conformance: ${name}`, () => {
    let s: StorageSetup
    let storage: Storage
    beforeEach(async () => { s = await setup(); storage = s.storage })
    afterEach(async () => { await storage.close(); await s.teardown?.() })
    const reopen = async (): Promise<Storage> => { storage = await s.reopen(); return storage }

    it('starts empty', () => {
      expect(storage.get('a')).toBeUndefined()
      expect([...storage.scan()]).toEqual([])
      expect(storage.getMeta('hlc')).toBeUndefined()
    })

    it('puts and gets a version with every field', async () => {
      const e = entry('user:1', 'hello', { wall: 1_700_000_123_456, counter: 7, expiresAt: 1_700_086_523_456 })
      await storage.write([{ type: 'put', entry: e }])
      expect(fieldsOf(storage.get('user:1'))).toEqual(fieldsOf(e))
      expect(storage.get('user:1')?.text()).toBe('hello')
    })

    it('keeps tombstones: deletes, and expired versions without their value', async () => {
      const del = new Entry({ key: 'd', value: EMPTY_VALUE, wall: 5, counter: 1, origin: NODE, deleted: true })
      const expired = entry('x', 'gone', { expiresAt: 10 }).stripped()
      const emptyLive = entry('e', '', { expiresAt: 2 ** 45 })
      await storage.write([{ type: 'put', entry: del }, { type: 'put', entry: expired }, { type: 'put', entry: emptyLive }])
      expect(storage.get('d')?.deleted).toBe(true)
      expect(storage.get('d')?.tombstone).toBe(true)
      expect(storage.get('x')?.tombstone).toBe(true)
      expect(storage.get('x')?.value).toBe(EMPTY_VALUE)
      expect(storage.get('x')?.expiresAt).toBe(10)
      // an empty value is a value, not a tombstone
      expect(storage.get('e')?.tombstone).toBe(false)
      expect(storage.get('e')?.isLive(0)).toBe(true)
    })

    it('keeps a signed version verifiable', async () => {
      const sig = new Uint8Array(64).fill(3)
      const hash = new Uint8Array(32).fill(9)
      const e = new SignedEntry({ key: `@${NODE}/status`, value: enc.encode('up'), wall: 1, counter: 2, origin: NODE }, sig, hash)
      await storage.write([{ type: 'put', entry: e }])
      const back = storage.get(e.key)
      expect(back).toBeInstanceOf(SignedEntry)
      expect([...(back as SignedEntry).signature]).toEqual([...sig])
      expect([...(back as SignedEntry).valueHash]).toEqual([...hash])
      // and after expiry, without the value
      await storage.write([{ type: 'put', entry: new SignedEntry({ ...e.fields(), expiresAt: 5 }, sig, hash).stripped() }])
      expect(storage.get(e.key)).toBeInstanceOf(SignedEntry)
      expect(storage.get(e.key)?.tombstone).toBe(true)
    })

    it('overwrites and removes', async () => {
      await storage.write([{ type: 'put', entry: entry('k', 'one') }])
      await storage.write([{ type: 'put', entry: entry('k', 'two', { counter: 1 }) }])
      expect(storage.get('k')?.text()).toBe('two')
      await storage.write([{ type: 'remove', key: 'k' }, { type: 'remove', key: 'never-there' }])
      expect(storage.get('k')).toBeUndefined()
      expect([...storage.scan()]).toEqual([])
    })

    it('applies one write in order, with its meta records', async () => {
      await storage.write([
        { type: 'put', entry: entry('a', '1') },
        { type: 'remove', key: 'a' },
        { type: 'put', entry: entry('b', '2') },
        { type: 'meta', name: 'hlc', value: Uint8Array.of(1, 2, 3) },
        { type: 'meta', name: 'hlc', value: Uint8Array.of(4) }
      ])
      expect(storage.get('a')).toBeUndefined()
      expect(storage.get('b')?.text()).toBe('2')
      expect([...(storage.getMeta('hlc') ?? [])]).toEqual([4])
    })

    it('scans in code point order, by prefix, after a key, with a limit', async () => {
      const keys = ['b', 'a', 'ab', 'a/2', 'a/10', 'a/1', 'é', '\uffff', '😀', 'z', '\u0001x', ' ', 'a\u0001']
      await storage.write(keys.map(k => ({ type: 'put' as const, entry: entry(k, k) })))
      expect(keysOf(storage.scan())).toEqual([...keys].sort(compareKeys))
      expect(keysOf(storage.scan())).toEqual(['\u0001x', ' ', 'a', 'a\u0001', 'a/1', 'a/10', 'a/2', 'ab', 'b', 'z', 'é', '\uffff', '😀'])
      expect(keysOf(storage.scan({ prefix: 'a/' }))).toEqual(['a/1', 'a/10', 'a/2'])
      expect(keysOf(storage.scan({ prefix: 'a/', after: 'a/1' }))).toEqual(['a/10', 'a/2'])
      expect(keysOf(storage.scan({ prefix: 'a/', after: 'a/2' }))).toEqual([])
      expect(keysOf(storage.scan({ after: 'z' }))).toEqual(['é', '\uffff', '😀'])
      expect(keysOf(storage.scan({ limit: 2 }))).toEqual(['\u0001x', ' '])
      expect(keysOf(storage.scan({ prefix: 'a', after: 'a' }))).toEqual(['a\u0001', 'a/1', 'a/10', 'a/2', 'ab'])
      expect(keysOf(storage.scan({ prefix: 'q' }))).toEqual([])
    })

    it('commits writes begun in one turn, each resolving after its own commit', async () => {
      const writes = Array.from({ length: 500 }, async (_, i) => storage.write([{ type: 'put', entry: entry(`k${String(i).padStart(4, '0')}`, `v${i}`) }]))
      await Promise.all(writes)
      expect(keysOf(storage.scan()).length).toBe(500)
      expect(storage.get('k0499')?.text()).toBe('v499')
    })

    it('keeps everything across a close and reopen', async () => {
      const n = 2_000
      await storage.write(Array.from({ length: n }, (_, i) => ({ type: 'put' as const, entry: entry(`user:${i}`, `value ${i}`, { counter: i % 100, expiresAt: i % 2 === 0 ? 2 ** 44 : undefined }) })))
      await storage.write([{ type: 'put', entry: new Entry({ key: 'gone', value: EMPTY_VALUE, wall: 9, counter: 0, origin: NODE, deleted: true }) }, { type: 'meta', name: 'acceptor', value: enc.encode('{"grants":[]}') }])
      const before = [...storage.scan()].map(fieldsOf)
      const s2 = await reopen()
      expect([...s2.scan()].map(fieldsOf)).toEqual(before)
      expect(s2.get('gone')?.deleted).toBe(true)
      expect(new TextDecoder().decode(s2.getMeta('acceptor'))).toBe('{"grants":[]}')
    })

    it('keeps quorum register slots apart from versions and meta, across a reopen', async () => {
      await storage.write([
        { type: 'register', key: 'counter/a', slot: Uint8Array.of(1, 2) },
        { type: 'register', key: 'counter/b', slot: Uint8Array.of(3) },
        { type: 'register', key: 'counter/a', slot: Uint8Array.of(4, 5) },
        { type: 'register', key: 'gone', slot: Uint8Array.of(6) },
        { type: 'register', key: 'gone', slot: undefined },
        { type: 'put', entry: entry('counter/a', 'v') }
      ])
      const slots = (s: Storage): Array<[string, number[]]> => [...s.registers()].map(([k, v]): [string, number[]] => [k, [...v]]).sort((x, y) => compareKeys(x[0], y[0]))
      expect(slots(storage)).toEqual([['counter/a', [4, 5]], ['counter/b', [3]]])
      expect(storage.get('counter/a')?.text()).toBe('v')
      const s2 = await reopen()
      expect(slots(s2)).toEqual([['counter/a', [4, 5]], ['counter/b', [3]]])
      expect([...s2.scan()].map(e => e.key)).toEqual(['counter/a'])
    })

    it('close waits for writes not yet awaited', async () => {
      const pending = storage.write([{ type: 'put', entry: entry('late', 'x') }])
      await storage.flushed()
      await pending
      const s2 = await reopen()
      expect(s2.get('late')?.text()).toBe('x')
    })

    it('refuses writes after close', async () => {
      await storage.close()
      await expect(storage.write([{ type: 'put', entry: entry('a', 'b') }])).rejects.toThrow()
    })
  })
}
