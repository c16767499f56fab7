import { describe, expect, it } from 'vitest'
import { Acceptor, decodeAcceptorState, encodeAcceptorState, type AcceptorOptions, type AcceptorState } from '../../src/core/acceptor.js'

function setup (maxTtl = 1_000, options: AcceptorOptions = {}) {
  let now = 10_000
  const acceptor = new Acceptor(() => now, maxTtl, options)
  return { acceptor, advance: (ms: number) => { now += ms } }
}

const req = (kind: 'acquire' | 'renew' | 'release', owner: string, token: string, ttlMs = 500) => ({ kind, name: 'L', owner, token, ttlMs })

describe('quorum acceptor', () => {
  it('restarted (an identity it had before): grants nothing for one max lease TTL (it may have forgotten a live grant)', () => {
    const t = setup()
    expect(t.acceptor.handle(req('acquire', 'a', 't1'))).toEqual({ granted: false, reason: 'recovering' })
    t.advance(1_000)
    expect(t.acceptor.handle(req('acquire', 'a', 't1')).granted).toBe(true)
  })

  it('fresh (an identity made just now, so it never granted): grants at once', () => {
    const t = setup(1_000, { fresh: true })
    expect(t.acceptor.handle(req('acquire', 'a', 't1'))).toEqual({ granted: true })
    expect(t.acceptor.handle(req('acquire', 'b', 't2'))).toMatchObject({ granted: false, reason: 'held' })
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

  it('a renewal never shortens a grant: the holder\'s lease view (the fold) keeps the longest end, so must the acceptor (sim seed 6381)', () => {
    const t = setup()
    t.advance(1_000)
    expect(t.acceptor.handle(req('acquire', 'a', 't1', 900)).granted).toBe(true)
    t.advance(100)
    expect(t.acceptor.handle(req('renew', 'a', 't1', 200)).granted).toBe(true)
    t.advance(400) // past the renewal's own end, before the first grant's
    expect(t.acceptor.handle(req('acquire', 'b', 't2'))).toMatchObject({ granted: false, reason: 'held' })
    t.advance(400)
    expect(t.acceptor.handle(req('acquire', 'b', 't2')).granted).toBe(true)
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

describe('quorum acceptor: bounded state', () => {
  const named = (name: string, owner: string, token: string, ttlMs = 500) => ({ kind: 'acquire' as const, name, owner, token, ttlMs })

  it('keeps at most maxLocks locks: new names are refused (full, counted) while every kept lock is live', () => {
    const t = setup(1_000, { fresh: true, maxLocks: 3, forgetAfterMs: 2_000 })
    for (const n of ['x', 'y', 'z']) expect(t.acceptor.handle(named(n, 'a', 't1')).granted).toBe(true)
    expect(t.acceptor.handle(named('w', 'a', 't1'))).toEqual({ granted: false, reason: 'full' })
    expect(t.acceptor.counters.full).toBe(1)
    expect(t.acceptor.size).toBe(3)
    // the locks it keeps still work: renewals, releases, a new claim on a kept name
    expect(t.acceptor.handle({ ...named('x', 'a', 't1'), kind: 'renew' }).granted).toBe(true)
    expect(t.acceptor.handle({ ...named('y', 'a', 't1'), kind: 'release' }).granted).toBe(true)
    expect(t.acceptor.handle(named('y', 'b', 't2')).granted).toBe(true)
  })

  it('forgets a lock forgetAfterMs after its last grant ended, then has room again; never forgets a live grant', () => {
    const t = setup(1_000, { fresh: true, maxLocks: 2, forgetAfterMs: 2_000 })
    t.acceptor.handle(named('x', 'a', 't5', 500))
    t.acceptor.handle(named('y', 'a', 't5', 1_000))
    t.advance(2_400) // x ended at +500, forgotten at +2,500; y not yet
    expect(t.acceptor.handle(named('z', 'a', 't1'))).toMatchObject({ reason: 'full' })
    t.advance(1_000) // +3,400: x forgettable, and a second has passed since the last sweep
    expect(t.acceptor.handle(named('z', 'b', 't1')).granted).toBe(true)
    expect(t.acceptor.counters.forgotten).toBe(2) // x, and y (ended at +1,000)
    expect(t.acceptor.handle(named('x', 'c', 't1')).granted).toBe(true) // x's highest token forgotten with it
  })

  it('sweeps on its own every forgetAfterMs, so the table shrinks without filling up first', () => {
    const t = setup(1_000, { fresh: true, maxLocks: 100, forgetAfterMs: 2_000 })
    for (let i = 0; i < 50; i++) t.acceptor.handle(named(`lock-${i}`, 'a', 't1', 100))
    expect(t.acceptor.size).toBe(50)
    t.advance(2_200)
    t.acceptor.handle(named('another', 'a', 't1'))
    expect(t.acceptor.size).toBe(1)
    expect(t.acceptor.counters.forgotten).toBe(50)
  })

  it('a hostile peer naming 100,000 locks leaves it at maxLocks, and honest claims on kept locks keep working', () => {
    const t = setup(1_000, { fresh: true, maxLocks: 1_000 })
    expect(t.acceptor.handle(named('deploy', 'honest', 't1')).granted).toBe(true)
    for (let i = 0; i < 100_000; i++) t.acceptor.handle(named(`spam-${i}`, 'mallory', 't1', 1_000))
    expect(t.acceptor.size).toBe(1_000)
    expect(t.acceptor.counters.full).toBe(100_000 - 999)
    expect(t.acceptor.handle({ ...named('deploy', 'honest', 't1'), kind: 'renew' }).granted).toBe(true)
  })
})

describe('a durable acceptor', () => {
  it('writes its state before it answers a grant, and a restart from that state refuses what it granted, at once', async () => {
    let now = 10_000
    let stored: Uint8Array | undefined
    const order: string[] = []
    const persist = async (state: AcceptorState): Promise<void> => {
      await Promise.resolve()
      stored = encodeAcceptorState(state)
      order.push('written')
    }
    const a = new Acceptor(() => now, 1_000, { fresh: true, persist })
    const reply = a.grant(req('acquire', 'alice', 't1', 800)).then(r => { order.push('answered'); return r })
    expect((await reply).granted).toBe(true)
    expect(order).toEqual(['written', 'answered'])

    now += 100
    const restored = decodeAcceptorState(stored as Uint8Array)
    const b = new Acceptor(() => now, 1_000, { restored, persist })
    expect(b.recoverUntil).toBe(-Infinity) // no waiting: it remembers
    expect(await b.grant(req('acquire', 'bob', 't2'))).toMatchObject({ granted: false, reason: 'held', holder: { owner: 'alice', token: 't1' } })
    expect((await b.grant(req('renew', 'alice', 't1'))).granted).toBe(true)
    now += 2_000
    expect(await b.grant(req('acquire', 'bob', 't0'))).toMatchObject({ granted: false, reason: 'stale-token' })
    expect((await b.grant(req('acquire', 'bob', 't3'))).granted).toBe(true)
  })

  it('answers a grant it could not write as a refusal', async () => {
    const a = new Acceptor(() => 0, 1_000, { fresh: true, persist: async () => { throw new Error('disk full') } })
    expect(await a.grant(req('acquire', 'alice', 't1'))).toMatchObject({ granted: false })
    // it keeps what it granted in memory: others are refused, never granted twice
    expect(await a.grant(req('acquire', 'bob', 't2'))).toMatchObject({ granted: false })
  })

  it('decodes only what it encoded', () => {
    expect(decodeAcceptorState(new TextEncoder().encode('{"locks":[["x",{"token":1}]]}'))).toBeUndefined()
    expect(decodeAcceptorState(new TextEncoder().encode('not json'))).toBeUndefined()
    const s: AcceptorState = { locks: [['x', { owner: undefined, token: 't', expiresAt: 5, highest: 't' }]] }
    expect(decodeAcceptorState(encodeAcceptorState(s))).toEqual(s)
  })
})
