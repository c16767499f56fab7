import { describe, expect, it } from 'vitest'
import { admitBatch } from '../../src/core/admit.js'
import { Entry } from '../../src/core/entry.js'
import { InvalidMessageError } from '../../src/core/errors.js'
import { formatTimestamp, Hlc } from '../../src/core/hlc.js'
import { claimKey } from '../../src/core/lease.js'
import { Store } from '../../src/core/store.js'
import { forgedWaiter, waitersOf, waitKey } from '../../src/core/lock-view.js'

const now = 1_000_000
const claim = (key: string, origin: string): Entry => new Entry({ key, value: new Uint8Array(0), wall: now, counter: 0, origin, expiresAt: now + 30_000 })

describe('admission of reserved entries', () => {
  it('gossip refuses a batch carrying a claim whose token is not its own clock (reason forged-claim)', () => {
    const hlc = new Hlc('me', { clock: () => now })
    const genuine = claim(claimKey('L', formatTimestamp({ wall: now, counter: 0, node: 'evil' }), 'mallory', 'gossip'), 'evil')
    expect(() => { admitBatch([genuine], 'evil', hlc) }).not.toThrow()
    const forged = claim(claimKey('L', 'ffffffffffff0000-evil', 'mallory', 'quorum'), 'evil')
    let err: unknown
    try { admitBatch([genuine, forged], 'evil', hlc) } catch (e) { err = e }
    expect(err).toBeInstanceOf(InvalidMessageError)
    expect((err as InvalidMessageError).reason).toBe('forged-claim')
  })

  it('the store refuses forged claims from any path (anti-entropy relays too) and counts them', () => {
    const store = new Store('me', { clock: () => now })
    const forged = claim(claimKey('L', 'ffffffffffff0000-evil', 'mallory', 'quorum'), 'evil')
    const relayed = claim(claimKey('L', formatTimestamp({ wall: now - 5, counter: 0, node: 'honest' }), 'mallory', 'gossip'), 'evil')
    expect(store.merge([forged, relayed])).toEqual(['forged-claim', 'forged-claim'])
    expect(store.counters.forgedClaims).toBe(2)
    expect(store.version(forged.key)).toBeUndefined()
  })
})

describe('admission of waiting markers (a lock waiter\'s place in line)', () => {
  const marker = (token: string, origin: string, wall: number, ttl: number): Entry =>
    new Entry({ key: waitKey('L', token, 'mallory'), value: new Uint8Array(0), wall, counter: 0, origin, expiresAt: wall + ttl })

  it('refuses a marker dated before its own clock\'s claim, naming another node, or living past MAX_WAIT_TTL_MS', () => {
    const store = new Store('me', { clock: () => now })
    const genuine = marker(formatTimestamp({ wall: now, counter: 0, node: 'evil' }), 'evil', now, 3_000)
    const future = marker('ffffffffffff0000-evil', 'evil', now, 3_000)
    const stolen = marker(formatTimestamp({ wall: now - 10, counter: 0, node: 'honest' }), 'evil', now, 3_000)
    const forever = marker(formatTimestamp({ wall: now - 1_000, counter: 0, node: 'evil' }), 'evil', now, 86_400_000)
    expect(store.merge([genuine, future, stolen, forever])).toEqual(['applied', 'forged-claim', 'forged-claim', 'forged-claim'])
    expect(() => { admitBatch([forever], 'evil', new Hlc('me', { clock: () => now })) }).toThrow(InvalidMessageError)
  })

  it('the waiting line ignores a forged marker even when a store holds it', () => {
    const held: Entry[] = [marker(formatTimestamp({ wall: 1, counter: 0, node: 'evil' }), 'evil', now, 86_400_000)]
    const reader = { now: () => now, hlc: new Hlc('me', { clock: () => now }), versionsWithPrefix: () => held }
    expect(forgedWaiter(held[0])).toMatch(/lives longer than a waiting marker may/)
    expect(waitersOf(reader, 'L', now)).toEqual([])
    held[0] = marker(formatTimestamp({ wall: now, counter: 0, node: 'evil' }), 'evil', now, 3_000)
    expect(waitersOf(reader, 'L', now).map(w => w.owner)).toEqual(['mallory'])
  })
})
