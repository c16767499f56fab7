/**
 * A synchronous in-memory network for CASPaxos tests: acceptors by name, a proposer's steps
 * carried out at once, with a filter deciding which requests and replies get through.
 */
import { CasAcceptor } from '../../src/core/cas-acceptor.js'
import type { CasOperation, CasProposer, CasStep } from '../../src/core/cas-proposer.js'
import type { CasReply, CasRequest, Change, RegisterState } from '../../src/core/caspaxos.js'

const enc = new TextEncoder()
const dec = new TextDecoder()

export const num = (s: RegisterState | undefined): number => s === undefined ? 0 : Number(dec.decode(s.value))
export const state = (n: number, expiresAt?: number): RegisterState => expiresAt === undefined ? { value: enc.encode(String(n)) } : { value: enc.encode(String(n)), expiresAt }

/** Adds one; the result is the value after. */
export const increment: Change<number> = (current) => {
  const n = num(current) + 1
  return { next: state(n), result: n }
}

export function acceptors (...names: string[]): Map<string, CasAcceptor> {
  return new Map(names.map(n => [n, new CasAcceptor()]))
}

/** Whether `req` gets to `to` and its reply back (false: the member fails, the proposer hears undefined). */
export type Link = (to: string, req: CasRequest) => boolean

/** Carries out one `send` step; returns the next step. */
export function deliver<R> (op: CasOperation<R>, step: CasStep<R>, accs: Map<string, CasAcceptor>, now: number, link: Link = () => true): CasStep<R> {
  if (step.type !== 'send') return step
  // every member that gets the request handles it; then the replies come back in order
  const replies = step.to.map((to): [string, CasReply | undefined] => {
    const a = accs.get(to)
    return [to, a !== undefined && link(to, step.request) ? a.handle(step.request, now).reply : undefined]
  })
  for (const [to, reply] of replies) {
    const s = op.receive(step.seq, to, reply, now)
    if (s.type !== 'wait') return s
  }
  return { type: 'wait' }
}

/** Runs an operation to its end (retrying at once on conflicts, at most `maxRounds` rounds). */
export function run<R> (proposer: CasProposer, key: string, change: Change<R>, accs: Map<string, CasAcceptor>, now: number, link?: Link, maxRounds = 20): { op: CasOperation<R>, step: CasStep<R> } {
  const { op, step: first } = proposer.start(key, change, [...accs.keys()], now)
  let step = first
  for (let i = 0; i < maxRounds * 2 + 2; i++) {
    if (step.type === 'send') step = deliver(op, step, accs, now, link)
    else if (step.type === 'retry') step = op.retry()
    else break
  }
  return { op, step }
}
