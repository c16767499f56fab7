import { describe, expect, it } from 'vitest'
import { CasProposer } from '../../src/core/cas-proposer.js'
import { compareBallots, HISTORY_LENGTH, UNCHANGED, ZERO_BALLOT, type Change } from '../../src/core/caspaxos.js'
import { acceptors, deliver, increment, num, run, state } from './cas-harness.js'

const KEY = 'counter/x'
const read: Change<number> = (current) => ({ next: UNCHANGED, result: num(current) })

describe('CASPaxos proposer', () => {
  it('commits a change in two phases, then the next one in one round trip (the piggybacked prepare)', () => {
    const accs = acceptors('a', 'b', 'c')
    const p = new CasProposer({ id: 'p' })
    const first = p.start(KEY, increment, ['a', 'b', 'c'], 0)
    expect(first.step).toMatchObject({ type: 'send', request: { type: 'prepare' } })
    const acc = deliver(first.op, first.step, accs, 0)
    expect(acc).toMatchObject({ type: 'send', request: { type: 'accept' } })
    expect(deliver(first.op, acc, accs, 0)).toEqual({ type: 'done', result: 1 })

    const second = p.start(KEY, increment, ['a', 'b', 'c'], 1)
    expect(second.step).toMatchObject({ type: 'send', request: { type: 'accept' } })
    expect(second.op.oneRoundTrip).toBe(true)
    expect(deliver(second.op, second.step, accs, 1)).toEqual({ type: 'done', result: 2 })
    expect(num(accs.get('a')?.slot(KEY)?.proposal.state)).toBe(2)
  })

  it('one round trip falls back to two phases when another proposer came in between', () => {
    const accs = acceptors('a', 'b', 'c')
    const p = new CasProposer({ id: 'p' })
    const q = new CasProposer({ id: 'q' })
    expect(run(p, KEY, increment, accs, 0).step).toEqual({ type: 'done', result: 1 })
    expect(run(q, KEY, increment, accs, 0).step).toEqual({ type: 'done', result: 2 })
    const { op, step } = p.start(KEY, increment, ['a', 'b', 'c'], 0)
    expect(step).toMatchObject({ request: { type: 'accept' } })
    const after = deliver(op, step, accs, 0)
    expect(after).toEqual({ type: 'retry', attempt: 0 }) // no contention: retry at once
    const prep = op.retry()
    expect(prep).toMatchObject({ type: 'send', request: { type: 'prepare' } })
    const acc = deliver(op, prep, accs, 0)
    // its ballot goes above q's, and it builds on q's value: 3, not 2
    expect(deliver(op, acc, accs, 0)).toEqual({ type: 'done', result: 3 })
  })

  it('writers in turn: a proposer whose own acceptor saw a higher ballot skips its stale cached accept and prepares above it (2 round trips, not 3)', () => {
    const accs = acceptors('a', 'b', 'c')
    const p = new CasProposer({ id: 'p' })
    const q = new CasProposer({ id: 'q' })
    expect(run(p, KEY, increment, accs, 0).step).toEqual({ type: 'done', result: 1 }) // p caches a ballot
    expect(run(q, KEY, increment, accs, 0).step).toEqual({ type: 'done', result: 2 }) // q prepares above it
    // p's own acceptor is a: it saw q's accept, which promised q's next ballot
    const hint = accs.get('a')?.hint(KEY)
    const seen = hint?.seen
    expect(seen).toMatchObject({ id: 'q' })
    const { op, step } = p.start(KEY, increment, ['a', 'b', 'c'], 0, hint)
    expect(step).toMatchObject({ type: 'send', request: { type: 'prepare' } })
    expect(op.oneRoundTrip).toBe(false)
    if (step.type !== 'send' || seen === undefined) throw new Error('expected a prepare')
    expect(step.request.ballot.n).toBeGreaterThan(seen.n)
    const acc = deliver(op, step, accs, 0) // promised by every acceptor: not refused for a stale ballot
    expect(acc).toMatchObject({ type: 'send', request: { type: 'accept' } })
    expect(deliver(op, acc, accs, 0)).toEqual({ type: 'done', result: 3 })
  })

  it('a first prepare goes above the ballot its own acceptor saw, so it does not lose to the last writer\'s promise', () => {
    const accs = acceptors('a', 'b', 'c')
    const q = new CasProposer({ id: 'q' })
    for (let i = 0; i < 5; i++) run(q, KEY, increment, accs, 0) // q's ballots run ahead
    const p = new CasProposer({ id: 'p' })
    const blind = p.start(KEY, increment, ['a', 'b', 'c'], 0) // without the hint: refused, backs off
    expect(deliver(blind.op, blind.step, accs, 0)).toEqual({ type: 'retry', attempt: 1 })
    const { op, step } = p.start(KEY, increment, ['a', 'b', 'c'], 0, accs.get('a')?.hint(KEY))
    const acc = deliver(op, step, accs, 0)
    expect(acc).toMatchObject({ type: 'send', request: { type: 'accept' } })
    expect(deliver(op, acc, accs, 0)).toEqual({ type: 'done', result: 6 })
  })

  it('the hint only picks the path: a cached ballot the own acceptor holds as its promise still takes one round trip, and a stale hint costs a retry, never safety', () => {
    const accs = acceptors('a', 'b', 'c')
    const p = new CasProposer({ id: 'p' })
    run(p, KEY, increment, accs, 0)
    const mine = p.start(KEY, increment, ['a', 'b', 'c'], 0, accs.get('a')?.hint(KEY))
    expect(mine.op.oneRoundTrip).toBe(true)
    expect(deliver(mine.op, mine.step, accs, 0)).toEqual({ type: 'done', result: 2 })
    // a stale hint (this node's acceptor missed q's rounds): p trusts its cached ballot, is refused, and retries at once above q, on q's value
    const stale = accs.get('a')?.hint(KEY)
    const q = new CasProposer({ id: 'q' })
    run(q, KEY, increment, accs, 0)
    run(q, KEY, increment, accs, 0)
    const late = p.start(KEY, increment, ['a', 'b', 'c'], 0, stale)
    expect(late.op.oneRoundTrip).toBe(true)
    expect(deliver(late.op, late.step, accs, 0)).toEqual({ type: 'retry', attempt: 0 })
    const acc = deliver(late.op, late.op.retry(), accs, 0)
    expect(deliver(late.op, acc, accs, 0)).toEqual({ type: 'done', result: 5 })
    expect(accs.get('b')?.hint('other')).toBeUndefined()
  })

  it('a round under way is left alone: a hint whose highest ballot is another proposer\'s prepare does not send a prepare above it', () => {
    const accs = acceptors('a', 'b', 'c')
    const q = new CasProposer({ id: 'q' })
    for (let i = 0; i < 3; i++) run(q, KEY, increment, accs, 0)
    const r = new CasProposer({ id: 'r' })
    const R = r.start(KEY, increment, ['a', 'b', 'c'], 0, accs.get('a')?.hint(KEY))
    const rAccept = deliver(R.op, R.step, accs, 0) // r holds the promises; its accept is on its way
    const hint = accs.get('a')?.hint(KEY)
    expect(hint?.seen.id).toBe('r')
    expect(hint?.accepted.id).toBe('q')
    const p = new CasProposer({ id: 'p' })
    const { step } = p.start(KEY, increment, ['a', 'b', 'c'], 0, hint)
    if (step.type !== 'send') throw new Error('expected a prepare')
    expect(compareBallots(step.request.ballot, hint?.seen ?? ZERO_BALLOT)).toBeLessThan(0) // not above r's: r's round commits
    expect(deliver(R.op, rAccept, accs, 0)).toEqual({ type: 'done', result: 4 })
  })

  it('a prepare names the ballot its own acceptor accepted (`have`): promises leave the proposal out and the round builds on the hint\'s', () => {
    const accs = acceptors('a', 'b', 'c')
    const q = new CasProposer({ id: 'q' })
    for (let i = 0; i < 3; i++) run(q, KEY, increment, accs, 0)
    const p = new CasProposer({ id: 'p' })
    const hint = accs.get('a')?.hint(KEY)
    const { op, step } = p.start(KEY, increment, ['a', 'b', 'c'], 0, hint)
    expect(step).toMatchObject({ type: 'send', request: { type: 'prepare', have: hint?.accepted } })
    if (step.type !== 'send') throw new Error('expected a prepare')
    const promises = ['a', 'b', 'c'].map(to => accs.get(to)?.handle(step.request, 0).reply)
    for (const r of promises) expect(r).toEqual({ type: 'promised', accepted: hint?.accepted }) // no proposal, no history
    let next = op.receive(step.seq, 'a', promises[0], 0)
    next = op.receive(step.seq, 'b', promises[1], 0)
    expect(next).toMatchObject({ type: 'send', request: { type: 'accept', proposal: { history: [...(hint?.proposal.history ?? []), step.request.ballot] } } })
    expect(deliver(op, next, accs, 0)).toEqual({ type: 'done', result: 4 })
  })

  it('a promise without its proposal for a ballot the prepare did not name counts as no answer', () => {
    const accs = acceptors('a', 'b', 'c')
    const p = new CasProposer({ id: 'p' })
    const { op, step } = p.start(KEY, increment, ['a', 'b', 'c'], 0)
    if (step.type !== 'send') throw new Error('expected a prepare')
    const bare = { type: 'promised' as const, accepted: { n: 7, id: 'x' } } // claims a proposal the proposer never held
    expect(op.receive(step.seq, 'a', bare, 0)).toEqual({ type: 'wait' })
    expect(op.receive(step.seq, 'b', bare, 0)).toMatchObject({ type: 'unavailable', answered: 0 }) // two of three without an answer
  })

  it('a higher ballot wins: the lower proposer is refused, retries above it, and builds on the winner', () => {
    const accs = acceptors('a', 'b', 'c')
    const p = new CasProposer({ id: 'p' })
    const q = new CasProposer({ id: 'q' })
    const P = p.start(KEY, increment, ['a', 'b', 'c'], 0)
    const pAccept = deliver(P.op, P.step, accs, 0) // p promised at (1, p)
    const Q = q.start(KEY, increment, ['a', 'b', 'c'], 0)
    const qAccept = deliver(Q.op, Q.step, accs, 0) // q promised at (1, q) > (1, p)
    expect(deliver(P.op, pAccept, accs, 0)).toEqual({ type: 'retry', attempt: 1 })
    expect(deliver(Q.op, qAccept, accs, 0)).toEqual({ type: 'done', result: 1 })
    const r = deliver(P.op, P.op.retry(), accs, 0)
    expect(deliver(P.op, r, accs, 0)).toEqual({ type: 'done', result: 2 })
  })

  it('a later proposer recovers a value accepted by a minority and builds on it', () => {
    const accs = acceptors('a', 'b', 'c')
    const p = new CasProposer({ id: 'p' })
    const P = p.start(KEY, (c) => ({ next: state(num(c) + 10), result: 'p' }), ['a', 'b', 'c'], 0)
    const acc = deliver(P.op, P.step, accs, 0)
    // p's accept reaches only a; p then vanishes
    expect(deliver(P.op, acc, accs, 0, to => to === 'a')).toMatchObject({ type: 'unavailable', answered: 1, members: 3, inDoubt: true })
    // q's prepare reaches a and b: it sees p's value (the highest accepted) and adds to it
    const q = new CasProposer({ id: 'q' })
    expect(run(q, KEY, increment, accs, 0, to => to !== 'c').step).toEqual({ type: 'done', result: 11 })
  })

  it('exactly once: a retried change whose in-doubt accept was committed returns its first result, not a second increment', () => {
    const accs = acceptors('a', 'b', 'c')
    const p = new CasProposer({ id: 'p' })
    const P = p.start(KEY, increment, ['a', 'b', 'c'], 0)
    const acc = deliver(P.op, P.step, accs, 0)
    // the accept reaches a and b (committed) but only a's reply comes back; c refuses (a higher ballot meanwhile)
    const q = new CasProposer({ id: 'q' })
    q.ballot(); q.ballot() // q is ahead
    const replies = ['a', 'b', 'c'].map(to => to === 'c' ? accs.get('c')?.handle({ type: 'prepare', key: KEY, ballot: q.ballot() }, 0).reply : accs.get(to)?.handle(acc.type === 'send' ? acc.request : (undefined as never), 0).reply)
    expect(replies[0]).toEqual({ type: 'accepted' })
    if (acc.type !== 'send') throw new Error('expected an accept')
    expect(P.op.receive(acc.seq, 'a', replies[0], 0)).toEqual({ type: 'wait' })
    expect(P.op.receive(acc.seq, 'b', undefined, 0)).toEqual({ type: 'wait' })
    expect(P.op.receive(acc.seq, 'c', accs.get('c')?.handle(acc.request, 0).reply, 0)).toEqual({ type: 'retry', attempt: 1 })
    const prep = P.op.retry()
    const again = deliver(P.op, prep, accs, 0)
    expect(again).toMatchObject({ type: 'send', request: { type: 'accept' } })
    expect(deliver(P.op, again, accs, 0)).toEqual({ type: 'done', result: 1 })
    expect(num(accs.get('c')?.slot(KEY)?.proposal.state)).toBe(1)
    expect(run(p, KEY, increment, accs, 0).step).toEqual({ type: 'done', result: 2 })
  })

  it('gives up (overtaken, in doubt) when an in-doubt proposal is older than the register\'s history reaches', () => {
    const accs = acceptors('a', 'b', 'c')
    const p = new CasProposer({ id: 'p' })
    const q = new CasProposer({ id: 'q' })
    const P = p.start(KEY, increment, ['a', 'b', 'c'], 0)
    const acc = deliver(P.op, P.step, accs, 0)
    // q prepares higher at b and c; p's accept is taken by a only: in doubt, retry
    for (const to of ['b', 'c']) accs.get(to)?.handle({ type: 'prepare', key: KEY, ballot: q.ballot() }, 0)
    expect(deliver(P.op, acc, accs, 0)).toEqual({ type: 'retry', attempt: 1 })
    // meanwhile HISTORY_LENGTH + 8 changes build on p's proposal (q adopts it): it falls out of the history
    for (let i = 0; i < HISTORY_LENGTH + 8; i++) expect(run(q, KEY, increment, accs, 0).step).toEqual({ type: 'done', result: i + 2 })
    let step = deliver(P.op, P.op.retry(), accs, 0) // refused: q's ballots are far above
    expect(step).toEqual({ type: 'retry', attempt: 2 })
    step = deliver(P.op, P.op.retry(), accs, 0)
    expect(step).toMatchObject({ type: 'unavailable', inDoubt: true, overtaken: true })
    expect(num(accs.get('a')?.slot(KEY)?.proposal.state)).toBe(HISTORY_LENGTH + 9) // nothing applied twice
  })

  it('a read (UNCHANGED) completes a round and leaves the register as it was', () => {
    const accs = acceptors('a', 'b', 'c')
    const p = new CasProposer({ id: 'p' })
    run(p, KEY, increment, accs, 0)
    const before = accs.get('b')?.slot(KEY)?.proposal
    expect(run(new CasProposer({ id: 'q' }), KEY, read, accs, 0).step).toEqual({ type: 'done', result: 1 })
    expect(accs.get('b')?.slot(KEY)?.proposal).toEqual(before)
  })

  it('an expired state reads as empty at the proposer\'s now; undefined empties the register', () => {
    const accs = acceptors('a', 'b', 'c')
    const p = new CasProposer({ id: 'p' })
    const setTo = (n: number, expiresAt?: number): Change<null> => () => ({ next: state(n, expiresAt), result: null })
    run(p, KEY, setTo(5, 1_000), accs, 0)
    expect(run(p, KEY, read, accs, 999).step).toEqual({ type: 'done', result: 5 })
    expect(run(p, KEY, read, accs, 1_000).step).toEqual({ type: 'done', result: 0 })
    run(p, KEY, setTo(7), accs, 2_000)
    run(p, KEY, () => ({ next: undefined, result: null }), accs, 2_000)
    expect(run(p, KEY, read, accs, 2_000).step).toEqual({ type: 'done', result: 0 })
  })

  it('no majority: unavailable, saying how many answered of how many and why they refused', () => {
    const accs = acceptors('a', 'b', 'c', 'd', 'e')
    const p = new CasProposer({ id: 'p' })
    expect(run(p, KEY, increment, accs, 0, to => to === 'a' || to === 'b').step)
      .toEqual({ type: 'unavailable', answered: 2, members: 5, refusals: {}, inDoubt: false })
    const amnesic = acceptors('a', 'b', 'c')
    const { op, step } = p.start(KEY, increment, ['a', 'b', 'c'], 0)
    if (step.type !== 'send') throw new Error('expected a prepare')
    expect(op.receive(step.seq, 'a', { type: 'refused', reason: 'amnesic' }, 0)).toEqual({ type: 'wait' })
    expect(op.receive(step.seq, 'b', { type: 'refused', reason: 'full' }, 0)).toMatchObject({ type: 'unavailable', answered: 2, refusals: { amnesic: 1, full: 1 } })
    void amnesic
  })

  it('asks for one retry per lost round: replies after the round was lost change nothing', () => {
    const p = new CasProposer({ id: 'p' })
    const { op, step } = p.start(KEY, increment, ['a', 'b', 'c'], 0)
    if (step.type !== 'send') throw new Error('expected a prepare')
    const conflict = { type: 'refused' as const, reason: 'conflict' as const, ballot: { n: 5, id: 'q' } }
    expect(op.receive(step.seq, 'a', conflict, 0)).toEqual({ type: 'wait' })
    expect(op.receive(step.seq, 'b', conflict, 0)).toEqual({ type: 'retry', attempt: 1 })
    expect(op.receive(step.seq, 'c', conflict, 0)).toEqual({ type: 'wait' })
    const again = op.retry()
    expect(again).toMatchObject({ type: 'send', request: { type: 'prepare', ballot: { n: 6, id: 'p' } } })
    expect(op.retry()).toEqual({ type: 'wait' })
  })

  it('ignores replies of another step, of non-members, and repeated ones', () => {
    const p = new CasProposer({ id: 'p' })
    const { op, step } = p.start(KEY, increment, ['a', 'b', 'c'], 0)
    if (step.type !== 'send') throw new Error('expected a prepare')
    const promise = { type: 'promised' as const, accepted: { n: 0, id: '' }, proposal: { state: undefined, history: [] } }
    expect(op.receive(step.seq + 1, 'a', promise, 0)).toEqual({ type: 'wait' })
    expect(op.receive(step.seq, 'z', promise, 0)).toEqual({ type: 'wait' })
    expect(op.receive(step.seq, 'a', promise, 0)).toEqual({ type: 'wait' })
    expect(op.receive(step.seq, 'a', promise, 0)).toEqual({ type: 'wait' })
    expect(op.receive(step.seq, 'b', promise, 0)).toMatchObject({ type: 'send', request: { type: 'accept' } })
  })
})
