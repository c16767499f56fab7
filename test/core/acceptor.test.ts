import { describe, expect, it } from 'vitest'
import { Acceptor } from '../../src/core/acceptor.js'

function setup (maxTtl = 1_000) {
  let now = 10_000
  const acceptor = new Acceptor(() => now, maxTtl)
  return { acceptor, advance: (ms: number) => { now += ms } }
}

const req = (kind: 'acquire' | 'renew' | 'release', owner: string, token: string, ttlMs = 500) => ({ kind, name: 'L', owner, token, ttlMs })

describe('quorum acceptor', () => {
  it('grants nothing for one max lease TTL after it starts (it may have forgotten a live grant)', () => {
    const t = setup()
    expect(t.acceptor.handle(req('acquire', 'a', 't1'))).toEqual({ granted: false, reason: 'recovering' })
    t.advance(1_000)
    expect(t.acceptor.handle(req('acquire', 'a', 't1')).granted).toBe(true)
  })

  it('refuses a conflicting claim while a granted lease is live, grants it after expiry', () => {
    const t = setup()
    t.advance(1_000)
    expect(t.acceptor.handle(req('acquire', 'a', 't1')).granted).toBe(true)
    expect(t.acceptor.handle(req('acquire', 'b', 't2'))).toMatchObject({ granted: false, reason: 'held', holder: { owner: 'a', token: 't1' } })
    t.advance(500)
    expect(t.acceptor.handle(req('acquire', 'b', 't2')).granted).toBe(true)
  })

  it('never grants a token lower than one it granted', () => {
    const t = setup()
    t.advance(1_000)
    expect(t.acceptor.handle(req('acquire', 'a', 't5')).granted).toBe(true)
    t.advance(600)
    expect(t.acceptor.handle(req('acquire', 'b', 't3'))).toMatchObject({ granted: false, reason: 'stale-token' })
  })

  it('the same owner claiming again with a new token never shortens its grant', () => {
    const t = setup()
    t.advance(1_000)
    t.acceptor.handle(req('acquire', 'a', 't1', 900))
    expect(t.acceptor.handle(req('acquire', 'a', 't2', 100)).granted).toBe(true)
    t.advance(500) // past t2's 100 ms, within t1's 900 ms
    expect(t.acceptor.handle(req('acquire', 'b', 't3')).granted).toBe(false)
  })

  it('renews and releases for the holder only; refuses TTLs over the maximum', () => {
    const t = setup()
    t.advance(1_000)
    t.acceptor.handle(req('acquire', 'a', 't1'))
    expect(t.acceptor.handle(req('renew', 'b', 't1')).granted).toBe(false)
    t.advance(400)
    expect(t.acceptor.handle(req('renew', 'a', 't1')).granted).toBe(true)
    t.advance(400) // still live thanks to the renewal
    expect(t.acceptor.handle(req('acquire', 'b', 't2')).granted).toBe(false)
    expect(t.acceptor.handle(req('release', 'b', 't2')).granted).toBe(false)
    expect(t.acceptor.handle(req('release', 'a', 't1')).granted).toBe(true)
    expect(t.acceptor.handle(req('acquire', 'b', 't2')).granted).toBe(true)
    expect(t.acceptor.handle(req('acquire', 'c', 't3', 5_000))).toMatchObject({ granted: false, reason: 'ttl' })
  })
})
