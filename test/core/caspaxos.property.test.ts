/**
 * CASPaxos under random interleavings: proposers incrementing one register over a simulated
 * network that reorders, duplicates and loses messages (a lost message is a failed member).
 * fast-check picks the schedule. Checked: one ballot never carries two different proposals; the
 * committed states form a chain (each extends the one committed before it) in which every
 * increment is applied once; every increment that returned got a distinct value.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { CasAcceptor } from '../../src/core/cas-acceptor.js'
import { CasProposer, type CasOperation, type CasStep } from '../../src/core/cas-proposer.js'
import { compareBallots, sameBallot, type Ballot, type CasReply, type CasRequest, type Proposal } from '../../src/core/caspaxos.js'
import { increment, num } from './cas-harness.js'

const KEY = 'counter/x'
const bkey = (b: Ballot): string => `${b.n}/${b.id}`

type Msg =
  | { kind: 'req', to: string, from: number, op: CasOperation<number>, seq: number, request: CasRequest }
  | { kind: 'rep', to: number, from: string, op: CasOperation<number>, seq: number, reply: CasReply | undefined }

interface Run { violations: string[], done: number[], committed: Array<{ ballot: Ballot, proposal: Proposal }> }

function simulate (choices: number[], proposers: number, members: string[], opsEach: number): Run {
  const accs = new Map(members.map(m => [m, new CasAcceptor()]))
  const majority = Math.floor(members.length / 2) + 1
  const violations: string[] = []
  const proposalOf = new Map<string, { ballot: Ballot, proposal: Proposal, by: Set<string> }>()
  const done: number[] = []
  const ps = Array.from({ length: proposers }, (_, i) => ({ p: new CasProposer({ id: `p${i}` }), left: opsEach, op: undefined as CasOperation<number> | undefined }))
  let flight: Msg[] = []
  const now = 0

  const act = (i: number, step: CasStep<number>): void => {
    const s = ps[i]
    if (step.type === 'send') {
      for (const to of step.to) flight.push({ kind: 'req', to, from: i, op: s.op as CasOperation<number>, seq: step.seq, request: step.request })
    } else if (step.type === 'retry') {
      act(i, (s.op as CasOperation<number>).retry())
    } else if (step.type === 'done' || step.type === 'unavailable') {
      if (step.type === 'done') done.push(step.result)
      s.op = undefined
      startNext(i)
    }
  }
  const startNext = (i: number): void => {
    const s = ps[i]
    if (s.left === 0 || s.op !== undefined) return
    s.left--
    const { op, step } = s.p.start(KEY, increment, members, now)
    s.op = op
    act(i, step)
  }
  for (let i = 0; i < proposers; i++) startNext(i)

  for (const c of choices) {
    if (flight.length === 0) break
    const at = c % flight.length
    const m = flight[at]
    const mode = (c >>> 8) % 10 // 0: lost, 1: duplicated, else delivered
    if (mode !== 1) flight = flight.filter((_, j) => j !== at)
    if (m.kind === 'req') {
      const reply = mode === 0 ? undefined : (accs.get(m.to) as CasAcceptor).handle(m.request, now).reply
      if (m.request.type === 'accept' && reply?.type === 'accepted') {
        const k = bkey(m.request.ballot)
        const seen = proposalOf.get(k)
        if (seen === undefined) proposalOf.set(k, { ballot: m.request.ballot, proposal: m.request.proposal, by: new Set([m.to]) })
        else {
          if (JSON.stringify(seen.proposal) !== JSON.stringify(m.request.proposal)) violations.push(`ballot ${k} carried two proposals`)
          seen.by.add(m.to)
        }
      }
      flight.push({ kind: 'rep', to: m.from, from: m.to, op: m.op, seq: m.seq, reply })
    } else {
      const op = ps[m.to].op
      if (op !== m.op) continue // a reply to an operation that ended
      act(m.to, op.receive(m.seq, m.from, mode === 0 ? undefined : m.reply, now))
    }
  }
  const committed = [...proposalOf.values()].filter(v => v.by.size >= majority).sort((a, b) => compareBallots(a.ballot, b.ballot))
  return { violations, done, committed }
}

function check (r: Run): void {
  expect(r.violations).toEqual([])
  // a chain: each committed state extends the one committed before it (its history a prefix),
  // and applied each increment once: n increments made a state of value n with n ballots
  for (let i = 0; i < r.committed.length; i++) {
    const { proposal } = r.committed[i]
    expect(num(proposal.state)).toBe(proposal.history.length)
    if (i === 0) continue
    const before = r.committed[i - 1].proposal.history
    expect(proposal.history.slice(0, before.length).every((b, j) => sameBallot(b, before[j]))).toBe(true)
  }
  // increments that returned got distinct values, none beyond what was committed
  expect(new Set(r.done).size).toBe(r.done.length)
  const max = num(r.committed.at(-1)?.proposal.state)
  for (const v of r.done) expect(v).toBeLessThanOrEqual(max)
}

describe('CASPaxos property: random interleavings', () => {
  it('two proposers, three acceptors, loss, duplication and reordering', () => {
    fc.assert(fc.property(fc.array(fc.nat(), { minLength: 50, maxLength: 600 }), choices => {
      check(simulate(choices, 2, ['a', 'b', 'c'], 4))
    }), { numRuns: 400 })
  })

  it('three proposers, five acceptors', () => {
    fc.assert(fc.property(fc.array(fc.nat(), { minLength: 100, maxLength: 1500 }), choices => {
      check(simulate(choices, 3, ['a', 'b', 'c', 'd', 'e'], 3))
    }), { numRuns: 200 })
  })

  it('without loss every increment completes: results are exactly 1..N', () => {
    fc.assert(fc.property(fc.array(fc.nat(), { minLength: 3000, maxLength: 3000 }), choices => {
      const lossless = choices.map(c => (c & 0xff) | (2 << 8))
      const r = simulate(lossless, 2, ['a', 'b', 'c'], 3)
      check(r)
      if (r.done.length === 6) expect([...r.done].sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6])
    }), { numRuns: 100 })
  })
})
