import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { CasAcceptor } from '../../src/core/cas-acceptor.js'
import { decodeSlot, encodeSlot, EMPTY_PROPOSAL, ZERO_BALLOT, type Ballot, type Slot } from '../../src/core/caspaxos.js'
import { LmdbStorage } from '../../src/storage/lmdb.js'
import { state } from './cas-harness.js'

const b = (n: number, id = 'p'): Ballot => ({ n, id })
const prepare = (n: number, id = 'p', key = 'k') => ({ type: 'prepare' as const, key, ballot: b(n, id) })
const accept = (n: number, value: number, next?: number, id = 'p', key = 'k') =>
  ({ type: 'accept' as const, key, ballot: b(n, id), proposal: { state: state(value), history: [b(n, id)] }, next: next === undefined ? undefined : b(next, id) })

const dir = mkdtempSync(join(tmpdir(), 'meshkv-cas-acceptor-'))
afterAll(() => { rmSync(dir, { recursive: true, force: true }) })

describe('CASPaxos acceptor', () => {
  it('promises a higher ballot and reports what it accepted; refuses a lower or equal-to-accepted one (the promise check)', () => {
    const a = new CasAcceptor()
    expect(a.handle(prepare(2), 0).reply).toEqual({ type: 'promised', accepted: ZERO_BALLOT, proposal: EMPTY_PROPOSAL })
    expect(a.handle(prepare(1), 0).reply).toEqual({ type: 'refused', reason: 'conflict', ballot: b(2) })
    expect(a.handle(accept(1, 7), 0).reply).toEqual({ type: 'refused', reason: 'conflict', ballot: b(2) })
    expect(a.handle(accept(2, 7), 0).reply).toEqual({ type: 'accepted' })
    expect(a.handle(prepare(2), 0).reply).toMatchObject({ type: 'refused', reason: 'conflict' })
    const p = a.handle(prepare(3, 'q'), 0).reply
    expect(p).toMatchObject({ type: 'promised', accepted: b(2) })
    expect(p.type === 'promised' && p.proposal?.state?.value).toEqual(state(7).value)
  })

  it('a prepare naming the accepted ballot as `have` is promised without the proposal; any other `have` gets it; `hint` tells what it holds', () => {
    const a = new CasAcceptor()
    expect(a.handle({ ...prepare(1), have: ZERO_BALLOT }, 0).reply).toEqual({ type: 'promised', accepted: ZERO_BALLOT, proposal: EMPTY_PROPOSAL }) // nothing accepted: sent as it is
    a.handle(accept(1, 7, 2), 0)
    expect(a.hint('k')).toEqual({ seen: b(2), accepted: b(1), proposal: { state: state(7), history: [b(1)] } })
    expect(a.handle({ ...prepare(3, 'q'), have: b(1) }, 0).reply).toEqual({ type: 'promised', accepted: b(1) })
    const other = a.handle({ ...prepare(4, 'q'), have: b(1, 'x') }, 0).reply
    expect(other).toMatchObject({ type: 'promised', accepted: b(1), proposal: { history: [b(1)] } })
    expect(a.hint('nothing')).toBeUndefined()
  })

  it('orders ballots by n, then by proposer id', () => {
    const a = new CasAcceptor()
    expect(a.handle(prepare(5, 'b'), 0).reply.type).toBe('promised')
    expect(a.handle(prepare(5, 'a'), 0).reply).toMatchObject({ type: 'refused', ballot: b(5, 'b') })
    expect(a.handle(prepare(5, 'c'), 0).reply.type).toBe('promised')
  })

  it('an accept with `next` also promises `next` (one round trip): lower ballots are refused after it', () => {
    const a = new CasAcceptor()
    expect(a.handle(accept(3, 1, 9), 0).reply).toEqual({ type: 'accepted' })
    expect(a.slot('k')?.promised).toEqual(b(9))
    expect(a.handle(prepare(8, 'z'), 0).reply).toMatchObject({ type: 'refused', ballot: b(9) })
    expect(a.handle(accept(9, 2), 0).reply).toEqual({ type: 'accepted' })
  })

  it('is bounded: refuses new registers when full, forgets idle empty ones', () => {
    const a = new CasAcceptor({ maxRegisters: 2, forgetAfterMs: 1_000 })
    expect(a.handle(prepare(1, 'p', 'x'), 0).reply.type).toBe('promised')
    expect(a.handle({ ...accept(1, 5, undefined, 'p', 'y'), proposal: { state: state(5, 500), history: [] } }, 0).reply.type).toBe('accepted')
    expect(a.handle(prepare(1, 'p', 'z'), 10).reply).toEqual({ type: 'refused', reason: 'full' })
    expect(a.counters.full).toBe(1)
    // y's state expired at 500; both are idle past 1 s: forgotten, room again
    expect(a.handle(prepare(1, 'p', 'z'), 2_000).reply.type).toBe('promised')
    expect(a.counters.forgotten).toBe(2)
    expect(a.size).toBe(1)
  })

  it('keeps a live register however idle', () => {
    const a = new CasAcceptor({ maxRegisters: 1, forgetAfterMs: 1_000 })
    a.handle(accept(1, 5), 0)
    expect(a.handle(prepare(1, 'p', 'other'), 10_000).reply).toEqual({ type: 'refused', reason: 'full' })
    expect(a.slot('k')?.proposal.state?.value).toEqual(state(5).value)
  })

  it('amnesic (restarted without its state): refuses everything', () => {
    const a = new CasAcceptor({ amnesic: true })
    expect(a.handle(prepare(1), 0).reply).toEqual({ type: 'refused', reason: 'amnesic' })
  })

  it('slots round-trip through bytes; garbage does not decode', () => {
    const slot: Slot = { promised: b(9, 'héllo'), accepted: b(4, 'x'), proposal: { state: state(12, 1_700_000_000_000), history: [b(1, 'a'), b(4, 'x')] }, touched: 42 }
    expect(decodeSlot(encodeSlot(slot))).toEqual(slot)
    const empty: Slot = { promised: b(1), accepted: ZERO_BALLOT, proposal: EMPTY_PROPOSAL, touched: 0 }
    expect(decodeSlot(encodeSlot(empty))).toEqual(empty)
    expect(decodeSlot(Uint8Array.of(1, 2, 3))).toBeUndefined()
    expect(decodeSlot(encodeSlot(slot).subarray(0, 30))).toBeUndefined()
  })

  it('writes each promise and accept before replying; a restart on LmdbStorage remembers them', async () => {
    const path = join(dir, 'restart')
    let storage = new LmdbStorage(path)
    const persist = (s: LmdbStorage) => async (key: string, slot: Uint8Array | undefined) => { await s.write([{ type: 'register', key, slot }]) }
    let a = new CasAcceptor({ persist: persist(storage) })
    expect(await a.answer(prepare(3), 0)).toMatchObject({ type: 'promised' })
    expect(await a.answer(accept(3, 41, 4), 0)).toEqual({ type: 'accepted' })
    expect(await a.answer(prepare(6, 'q', 'other'), 0)).toMatchObject({ type: 'promised' })
    await storage.close()

    storage = new LmdbStorage(path)
    a = new CasAcceptor({ restored: storage.registers(), persist: persist(storage) })
    expect(a.size).toBe(2)
    // the promise of 4 and of 6 survive: lower ballots are refused as before the restart
    expect(await a.answer(prepare(4, 'a'), 0)).toMatchObject({ type: 'refused', reason: 'conflict', ballot: b(4) })
    expect(await a.answer(prepare(5, 'q', 'other'), 0)).toMatchObject({ type: 'refused', ballot: b(6, 'q') })
    const p = await a.answer(prepare(5), 0)
    expect(p).toMatchObject({ type: 'promised', accepted: b(3) })
    expect(p.type === 'promised' && p.proposal?.state?.value).toEqual(state(41).value)
    await storage.close()
  })

  it('answers a refusal (storage) when the slot cannot be written', async () => {
    const a = new CasAcceptor({ persist: async () => { throw new Error('disk full') } })
    expect(await a.answer(prepare(1), 0)).toEqual({ type: 'refused', reason: 'storage' })
  })
})
