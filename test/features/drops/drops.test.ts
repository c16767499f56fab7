/**
 * `Drops` over a fake host: the inbox watch `openWith` opens ends with the call, whichever way the
 * call returns (a drop found by the re-check after the watch started, a drop that arrives, a
 * timeout, an abort). None is left registered.
 */
import { describe, expect, it } from 'vitest'
import { EventQueue } from '../../../src/api/watch.js'
import { Entry } from '../../../src/core/entry.js'
import { generateDropKeyPair, sealToPublicKey } from '../../../src/features/drops/crypto.js'
import { Drops, type DropHost } from '../../../src/features/drops/drops.js'
import { DropNotFoundError } from '../../../src/index.js'

type Event = { type: string, entry?: Entry }

/** A host whose inbox is empty at the caller's first look; `landed` decides what later looks see. */
function host (): { host: DropHost, watches: Set<EventQueue<Event>>, inbox: Entry[], listed: () => number } {
  const watches = new Set<EventQueue<Event>>()
  const inbox: Entry[] = []
  let lists = 0
  const h: DropHost = {
    set: async () => { throw new Error('unused') },
    get: () => undefined,
    delete: async (key) => new Entry({ key, value: new Uint8Array(0), wall: 1, counter: 0, origin: 'x', deleted: true }),
    waitFor: async () => { throw new Error('unused') },
    list: () => ({ entries: lists++ === 0 ? [] : [...inbox] }),
    watch: ({ signal }) => {
      const q: EventQueue<Event> = new EventQueue(() => { watches.delete(q) }, signal)
      watches.add(q)
      return q
    }
  }
  return { host: h, watches, inbox, listed: () => lists }
}

function dropFor (publicKey: string, text: string): Entry {
  const { storageKey, sealed } = sealToPublicKey(publicKey, new TextEncoder().encode(text), false)
  return new Entry({ key: storageKey, value: sealed, wall: Date.now(), counter: 0, origin: 'sender' })
}

describe('drops.openWith: the inbox watch never outlives the call', () => {
  it('a drop that landed between the first look and the watch: returned, and the watch ended', async () => {
    const keys = generateDropKeyPair()
    const h = host()
    h.inbox.push(dropFor(keys.publicKey, 'raced'))
    const got = await new Drops(h.host).openWith(keys.privateKey, { wait: 3_600_000 })
    expect(got.map(b => new TextDecoder().decode(b))).toEqual(['raced'])
    expect(h.listed()).toBe(2)
    expect(h.watches.size).toBe(0)
  })

  it('a drop that arrives while waiting: returned, and the watch ended', async () => {
    const keys = generateDropKeyPair()
    const h = host()
    const opening = new Drops(h.host).openWith(keys.privateKey, { wait: 3_600_000 })
    await new Promise(resolve => setImmediate(resolve))
    expect(h.watches.size).toBe(1)
    for (const w of h.watches) w.push({ type: 'set', entry: dropFor(keys.publicKey, 'arrived') })
    expect((await opening).map(b => new TextDecoder().decode(b))).toEqual(['arrived'])
    expect(h.watches.size).toBe(0)
  })

  it('nothing arrives: DropNotFoundError after `wait` or on abort, and the watch ended', async () => {
    const keys = generateDropKeyPair()
    const h = host()
    await expect(new Drops(h.host).openWith(keys.privateKey, { wait: 20 })).rejects.toBeInstanceOf(DropNotFoundError)
    expect(h.watches.size).toBe(0)
    const ac = new AbortController()
    const opening = new Drops(h.host).openWith(keys.privateKey, { wait: 3_600_000, signal: ac.signal })
    ac.abort()
    await expect(opening).rejects.toBeInstanceOf(DropNotFoundError)
    expect(h.watches.size).toBe(0)
  })
})

describe('drops.openInbox: garbage in the inbox', () => {
  /** A host whose inbox lists `entries` in that order and records deletes. */
  function inboxHost (entries: Entry[]): { host: DropHost, deleted: string[] } {
    const deleted: string[] = []
    const h: DropHost = {
      set: async () => { throw new Error('unused') },
      get: () => undefined,
      delete: async (key) => { deleted.push(key); return new Entry({ key, value: new Uint8Array(0), wall: 9, counter: 0, origin: 'x', deleted: true }) },
      waitFor: async () => { throw new Error('unused') },
      list: () => ({ entries }),
      watch: ({ signal }) => new EventQueue<Event>(() => {}, signal)
    }
    return { host: h, deleted }
  }
  const sealed = (publicKey: string, text: string, wall: number, burn: boolean): Entry => {
    const { storageKey, sealed } = sealToPublicKey(publicKey, new TextEncoder().encode(text), burn)
    return new Entry({ key: storageKey, value: sealed, wall, counter: 0, origin: 'sender' })
  }

  it('opens what opens around a garbage entry, reports the garbage, burns only what was delivered', async () => {
    const bob = generateDropKeyPair()
    const first = sealed(bob.publicKey, 'first', 1, true)
    const inboxKey = first.key.slice(0, first.key.lastIndexOf('/') + 1)
    const garbage = new Entry({ key: `${inboxKey}garbage`, value: new TextEncoder().encode('not a drop at all, long enough to look like one........'), wall: 2, counter: 0, origin: 'mallory' })
    const third = sealed(bob.publicKey, 'third', 3, true)
    const forEve = sealed(generateDropKeyPair().publicKey, 'not for bob', 4, true)
    const misplaced = new Entry({ ...forEve.fields(), key: `${inboxKey}misplaced` })
    const h = inboxHost([first, garbage, misplaced, third])
    const r = await new Drops(h.host).openInbox(bob.privateKey)
    expect(r.opened.map(d => new TextDecoder().decode(d.payload))).toEqual(['first', 'third'])
    expect(r.opened.every(d => d.burnt)).toBe(true)
    expect(r.failed.map(f => f.key)).toEqual([garbage.key, misplaced.key])
    expect(r.failed.map(f => f.error.name)).toEqual(['DropTamperedError', 'DropTamperedError'])
    expect(h.deleted.sort()).toEqual([first.key, third.key].sort()) // the garbage stays, to expire
    // openWith: the payloads that opened, never a throw part-way through
    const again = inboxHost([first, garbage, third])
    expect((await new Drops(again.host).openWith(bob.privateKey)).map(b => new TextDecoder().decode(b))).toEqual(['first', 'third'])
  })

  it('waiting: garbage that lands does not end the wait; a drop that opens does; garbage alone is reported when the wait runs out', async () => {
    const bob = generateDropKeyPair()
    const h = host()
    const opening = new Drops(h.host).openInbox(bob.privateKey, { wait: 3_600_000 })
    await new Promise(resolve => setImmediate(resolve))
    const real = dropFor(bob.publicKey, 'real')
    const junk = new Entry({ key: `${real.key}-junk`, value: new Uint8Array(64), wall: 1, counter: 0, origin: 'mallory' })
    for (const w of h.watches) w.push({ type: 'set', entry: junk })
    await new Promise(resolve => setImmediate(resolve))
    expect(h.watches.size).toBe(1) // still waiting
    for (const w of h.watches) w.push({ type: 'set', entry: real })
    const r = await opening
    expect(r.opened.map(d => new TextDecoder().decode(d.payload))).toEqual(['real'])
    expect(r.failed.map(f => f.key)).toEqual([junk.key])
    expect(h.watches.size).toBe(0)

    const h2 = host()
    const waiting = new Drops(h2.host).openInbox(bob.privateKey, { wait: 30 })
    await new Promise(resolve => setImmediate(resolve))
    for (const w of h2.watches) w.push({ type: 'set', entry: junk })
    expect((await waiting).failed.map(f => f.key)).toEqual([junk.key])
  })
})
