/**
 * The quorum host (src/api/quorum.ts) driving the proposer over a fake network: what it asks its
 * members and what becomes of requests still under way when a round commits.
 */
import { describe, expect, it } from 'vitest'
import { QuorumRegisters } from '../../src/api/quorum.js'
import { CasAcceptor } from '../../src/core/cas-acceptor.js'
import type { CasHint, CasReply, CasRequest } from '../../src/core/caspaxos.js'
import { increment } from '../core/cas-harness.js'

interface Call { to: string, req: CasRequest, signal: AbortSignal, answer: () => void }

/** Members a, b, c with real acceptors; c answers only when told to (a slow member). */
function host (hint?: (key: string) => CasHint | undefined): { q: QuorumRegisters, calls: Call[] } {
  const accs = new Map(['a', 'b', 'c'].map(m => [m, new CasAcceptor()]))
  const calls: Call[] = []
  const q = new QuorumRegisters({
    members: ['a', 'b', 'c'],
    now: () => 0,
    hint,
    assertOpen: () => {},
    request: async (to, req, signal) => new Promise<CasReply | undefined>(resolve => {
      const answer = (): void => { resolve((accs.get(to) as CasAcceptor).handle(req, 0).reply) }
      calls.push({ to, req, signal, answer })
      if (to !== 'c') queueMicrotask(answer)
    })
  })
  return { q, calls }
}

describe('quorum host', () => {
  it('a committed round leaves its slower members\' requests to finish instead of aborting them (an abort tears down the kept stream)', async () => {
    const { q, calls } = host()
    expect(await q.change('k', increment)).toBe(1)
    const slow = calls.filter(c => c.to === 'c')
    expect(slow.length).toBe(2) // the prepare and the accept
    for (const c of slow) expect(c.signal.aborted).toBe(false)
    for (const c of slow) c.answer() // late replies change nothing
    expect(await q.change('k', increment)).toBe(2)
  })

  it('the first prepare goes above the ballot this node\'s own acceptor saw', async () => {
    const { q, calls } = host(key => key === 'k' ? { seen: { n: 100, id: 'z' }, accepted: { n: 99, id: 'z' }, proposal: { state: undefined, history: [] } } : undefined)
    expect(await q.change('k', increment)).toBe(1)
    expect(calls[0].req).toMatchObject({ type: 'prepare', ballot: { n: 101 } })
    for (const c of calls.filter(c => c.to === 'c')) c.answer()
  })
})
