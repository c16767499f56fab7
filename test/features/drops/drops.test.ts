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
