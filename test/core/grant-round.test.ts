import { describe, expect, it } from 'vitest'
import { countReply, openRound, tallyOf, whyFailed } from '../../src/core/grant-round.js'
import type { GrantRequest } from '../../src/core/acceptor.js'

const req: GrantRequest = { kind: 'acquire', name: 'L', owner: 'o', token: 't', ttlMs: 1000 }
const never = (): boolean => false

describe('grant rounds', () => {
  it('needs a majority of all acceptors, counts each acceptor once', () => {
    const r = openRound(req, 0, ['a', 'b', 'c', 'd', 'e'], 5)
    expect(r.needed).toBe(3)
    expect(countReply(r, 'a', { granted: true }, never)).toBeUndefined()
    expect(countReply(r, 'a', { granted: true }, never)).toBeUndefined()
    expect(countReply(r, 'b', { granted: true }, never)).toBeUndefined()
    expect(countReply(r, 'c', { granted: true }, never)).toBe('majority')
    expect(tallyOf(r)).toBe('3 of 5 acceptors granted, 3 needed')
  })

  it('gives up as soon as the replies still out cannot make a majority', () => {
    const r = openRound(req, 0, ['a', 'b', 'c'], 3)
    expect(countReply(r, 'a', { granted: false, reason: 'held' }, never)).toBeUndefined()
    expect(countReply(r, 'b', { granted: false, reason: 'held' }, never)).toBe('out-of-reach')
    expect(whyFailed(r, 'L').reason).toBe('contended')
  })

  it('tells restarting and full acceptors from a held lock, and counts refusals naming a released holder', () => {
    const restarting = openRound(req, 0, ['a', 'b', 'c'], 3)
    countReply(restarting, 'a', { granted: true }, never)
    countReply(restarting, 'b', { granted: false, reason: 'recovering' }, never)
    expect(whyFailed(restarting, 'L').reason).toBe('acceptor-restarting')
    const full = openRound(req, 0, ['a', 'b', 'c'], 3)
    countReply(full, 'a', { granted: false, reason: 'full' }, never)
    expect(whyFailed(full, 'L').reason).toBe('acceptors-full')
    const released = openRound(req, 0, ['a', 'b', 'c'], 3)
    countReply(released, 'a', { granted: false, reason: 'held', holder: { owner: 'x', token: 'old' } }, token => token === 'old')
    expect(released.releasedHolder).toBe(1)
  })

  it('a majority that came too late fails as contended', () => {
    const r = openRound(req, 0, ['a'], 1)
    expect(countReply(r, 'a', { granted: true }, never)).toBe('majority')
    expect(whyFailed(r, 'L').reason).toBe('contended')
  })
})
