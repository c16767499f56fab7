/**
 * The TTL part of the conformance suite: an idle agent's messages, statistics and state expire
 * `ttl` after their last write (run when the fixture can move the clock).
 */
import { expect } from 'vitest'
import type { AgentStoresFixture } from './fixture.js'
import { msg, type Suite } from './suite.js'

export function ttlTests (c: Suite): void {
  const { describe, it, beforeEach } = c.runner
  const { agent, setup } = c
  describe('TTL: an idle agent\'s data expires', () => {
    const TTL = 60_000
    let t: AgentStoresFixture
    beforeEach(async () => { await c.f.close?.(); c.f = t = await setup({ ttl: TTL }); c.views = [t, ...(t.replicas ?? [])] })

    it('messages live `ttl` after they were added; an idle session is gone', async () => {
      if (t.advance === undefined) return
      const a = agent()
      await t.session.addMessage(a, msg(1))
      await t.advance(TTL / 2)
      await t.session.addMessage(a, msg(2))
      await t.advance(TTL / 2 + 1_000)
      expect(await t.session.getMessages(a)).toEqual([msg(2)])
      await t.advance(TTL)
      expect(await t.session.getMessages(a)).toEqual([])
    })

    it('statistics and state live `ttl` after their last write', async () => {
      if (t.advance === undefined) return
      const a = agent()
      await t.statistics.addTurn(a, { cost: 1, tokens: { input: 1, output: 1 }, durationMs: 1 })
      await t.state.setState(a, { step: 1, notes: [] })
      await t.advance(TTL / 2)
      await t.statistics.addTurn(a, { cost: 2, tokens: { input: 2, output: 2 }, durationMs: 1 })
      await t.state.setState(a, { step: 2, notes: [] })
      await t.advance(TTL / 2 + 1_000)
      expect(await t.statistics.getTotalCost(a)).toBe(3)
      expect(await t.state.getState(a)).toEqual({ step: 2, notes: [] })
      await t.advance(TTL)
      expect(await t.statistics.getTotalCost(a)).toBe(0)
      expect(await t.statistics.getTotalTokens(a)).toEqual({ input: 0, output: 0 })
      expect(await t.state.getState(a)).toBeUndefined()
    })
  })
}
