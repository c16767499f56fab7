import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Entry } from '../../src/core/entry.js'
import { formatTimestamp } from '../../src/core/hlc.js'
import { acceptedClaims, claimKey, claimOf, forgedClaim, holderAt, type Claim } from '../../src/core/lease.js'

const claim = (at: number, owner: string, ttl: number, extra: Partial<Claim> = {}): Claim => ({
  name: 'L', mode: 'gossip', token: formatTimestamp({ wall: at, counter: 0, node: `node-${owner}` }), at, owner, end: at + ttl, released: false, ...extra
})

describe('lease fold', () => {
  it('accepts a claim when no other owner is live at its time; refuses it otherwise', () => {
    const a = claim(100, 'a', 50) // [100, 150)
    const b = claim(120, 'b', 50) // a live at 120: refused
    const c = claim(160, 'c', 50) // a ended at 150: accepted
    expect(acceptedClaims([c, b, a]).map(x => x.owner)).toEqual(['a', 'c'])
    expect(holderAt([a, b, c], 130)?.owner).toBe('a')
    expect(holderAt([a, b], 155)).toBeUndefined()
    expect(holderAt([a, b, c], 155)?.owner).toBe('c') // a claim that starts later still counts (its clock runs ahead)
    expect(holderAt([a, b, c], 170)?.owner).toBe('c')
  })

  it('a refused claim never blocks a later one; the same owner never conflicts with itself', () => {
    const a = claim(100, 'a', 100) // [100, 200)
    const b = claim(110, 'b', 500) // refused: does not hold, so does not block
    const a2 = claim(150, 'a', 100) // same owner: accepted
    const c = claim(260, 'c', 10) // a2 ended at 250: accepted although b's claim "runs" to 610
    expect(acceptedClaims([a, b, a2, c]).map(x => `${x.owner}@${x.at}`)).toEqual(['a@100', 'a@150', 'c@260'])
  })

  it('a release ends the lease at the release time', () => {
    const a = claim(100, 'a', 1_000, { end: 130, released: true })
    const b = claim(140, 'b', 50)
    expect(acceptedClaims([a, b]).map(x => x.owner)).toEqual(['a', 'b'])
    expect(holderAt([a], 120)).toBeUndefined()
  })

  it('quorum claims are accepted as they are (a majority granted them)', () => {
    const a = claim(100, 'a', 100)
    const q = claim(150, 'q', 100, { mode: 'quorum' })
    expect(acceptedClaims([a, q]).map(x => x.owner)).toEqual(['a', 'q'])
  })

  it('is deterministic whatever the arrival order; accepted claims never overlap across owners; tokens increase', () => {
    const arb = fc.array(fc.record({ at: fc.integer({ min: 0, max: 500 }), owner: fc.constantFrom('a', 'b', 'c', 'd'), ttl: fc.integer({ min: 1, max: 200 }) }), { maxLength: 25 })
    fc.assert(fc.property(arb, fc.integer(), (specs, seed) => {
      const claims = specs.map((s, i) => ({ ...claim(s.at, s.owner, s.ttl), token: formatTimestamp({ wall: s.at, counter: i, node: `n-${s.owner}` }) }))
      const shuffled = [...claims].sort((x, y) => ((x.at * 31 + seed) % 7) - ((y.at * 31 + seed) % 7))
      const acc = acceptedClaims(claims)
      expect(acceptedClaims(shuffled)).toEqual(acc)
      for (let i = 1; i < acc.length; i++) expect(acc[i].token > acc[i - 1].token).toBe(true)
      for (const x of acc) {
        for (const y of acc) {
          if (x.owner !== y.owner && x.token < y.token) expect(x.end <= y.at).toBe(true)
        }
      }
    }))
  })

  it('reads claims from entries: token and owner from the key, end from expiry or delete', () => {
    const token = formatTimestamp({ wall: 1_000, counter: 3, node: 'peer' })
    const key = claimKey('deploy/prod', token, 'agent 1', 'gossip')
    const live = new Entry({ key, value: new Uint8Array(0), wall: 1_000, counter: 3, origin: 'peer', expiresAt: 31_000 })
    expect(claimOf(live)).toMatchObject({ name: 'deploy/prod', owner: 'agent 1', token, at: 1_000, end: 31_000, released: false, mode: 'gossip' })
    const released = new Entry({ key, value: new Uint8Array(0), wall: 5_000, counter: 0, origin: 'peer', deleted: true })
    expect(claimOf(released)).toMatchObject({ end: 5_000, released: true })
    expect(claimOf(new Entry({ key: '@meshkv/lease/x/nope/o/g', value: new Uint8Array(0), wall: 1, counter: 0, origin: 'p', expiresAt: 2 }))).toBeUndefined()
    expect(claimOf(new Entry({ key, value: new Uint8Array(0), wall: 1, counter: 0, origin: 'p' }))).toBeUndefined() // no expiry
  })
})

describe('forged claims (a token that is not its entry\'s own clock)', () => {
  const E = new Uint8Array(0)
  const entry = (key: string, wall: number, counter: number, origin: string, extra: { expiresAt?: number, deleted?: boolean } = {}): Entry =>
    new Entry({ key, value: E, wall, counter, origin, expiresAt: extra.deleted === true ? undefined : extra.expiresAt ?? wall + 30_000, deleted: extra.deleted })

  it('a claim is its own first stamp; renewals (later, same node) and releases (later, any node) keep it genuine', () => {
    const token = formatTimestamp({ wall: 1_000, counter: 3, node: 'peer' })
    const key = claimKey('deploy', token, 'agent', 'gossip')
    expect(forgedClaim(entry(key, 1_000, 3, 'peer'))).toBeUndefined()
    expect(claimOf(entry(key, 9_000, 0, 'peer'))).toMatchObject({ token, at: 1_000, end: 39_000 }) // a renewal
    expect(claimOf(entry(key, 9_000, 0, 'other-node', { deleted: true }))).toMatchObject({ token, released: true, end: 9_000 }) // unlock from another node
  })

  it('refuses a token later than the entry\'s clock (the "ffffffffffff0000" attack) or naming another writer', () => {
    const future = claimKey('deploy', 'ffffffffffff0000-evil', 'mallory', 'quorum')
    const forged = entry(future, 1_000, 0, 'evil')
    expect(claimOf(forged)).toBeUndefined()
    expect(forgedClaim(forged)).toMatch(/later than its own clock/)
    const stolen = claimKey('deploy', formatTimestamp({ wall: 1_000, counter: 0, node: 'honest' }), 'mallory', 'gossip')
    expect(forgedClaim(entry(stolen, 2_000, 0, 'evil'))).toMatch(/names node honest but it was written by evil/)
    expect(forgedClaim(entry('@meshkv/lease/deploy/garbage', 1, 0, 'p'))).toMatch(/<name>\/<token>\/<owner>/)
    expect(forgedClaim(entry('@meshkv/drop/abc', 1, 0, 'p'))).toBeUndefined() // only lease keys are claims
  })

  it('a forged claim never blocks the lock: the fold sees only genuine claims', () => {
    const honest = formatTimestamp({ wall: 1_000, counter: 0, node: 'a' })
    const versions = [
      entry(claimKey('L', honest, 'a', 'gossip'), 1_500, 0, 'a', { deleted: true }), // held, then released at 1500
      entry(claimKey('L', 'ffffffffffff0000-evil', 'mallory', 'quorum'), 1_200, 0, 'evil', { expiresAt: 10_000_000 })
    ]
    const claims = versions.map(claimOf).filter((c): c is Claim => c !== undefined)
    expect(claims.map(c => c.owner)).toEqual(['a'])
    expect(holderAt(claims, 2_000)).toBeUndefined()
  })
})
