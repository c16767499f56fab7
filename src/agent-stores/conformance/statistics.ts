/**
 * The StatisticsStore part of the conformance suite: exact totals whatever the order and view, a
 * turn counted once per turnId, per-turn records, malformed turns refused.
 */
import { expect } from 'vitest'
import { eventually, rejectsNamed, isTurnStats, type Suite } from './suite.js'

export function statisticsTests (c: Suite): void {
  const { describe, it } = c.runner
  const { agent, onReplicas, converge, atomic } = c
  describe('StatisticsStore', () => {
    it('an agent without turns totals zero', async () => {
      const a = agent()
      expect(await c.f.statistics.getTotalCost(a)).toBe(0)
      expect(await c.f.statistics.getTotalTokens(a)).toEqual({ input: 0, output: 0 })
    })

    it('sums cost exactly (0.1 + 0.2 + 0.3 is 0.6, not 0.6000000000000001) and tokens', async () => {
      const a = agent()
      for (const [i, cost] of [0.1, 0.2, 0.3].entries()) await c.f.statistics.addTurn(a, { cost, tokens: { input: 100 + i, output: 10 * i }, durationMs: 1.5 })
      expect(await c.f.statistics.getTotalCost(a)).toBe(0.6)
      expect(await c.f.statistics.getTotalTokens(a)).toEqual({ input: 303, output: 30 })
      await onReplicas(async v => {
        expect(await v.statistics.getTotalCost(a)).toBe(0.6)
        expect(await v.statistics.getTotalTokens(a)).toEqual({ input: 303, output: 30 })
      })
    })

    it('gives the same exact totals whatever the order and whichever view counted each turn', async () => {
      const a = agent()
      const costs = Array.from({ length: 40 }, (_, i) => ((i * 7919) % 1000) / 997 + 0.000001 * i)
      const expectedMicros = costs.reduce((s, c) => s + Math.round(c * 1e6), 0)
      await Promise.all(costs.map(async (cost, i) => c.views[i % c.views.length].statistics.addTurn(a, { cost, tokens: { input: i, output: 1 }, durationMs: i })))
      for (const v of c.views) {
        await eventually(async () => {
          expect(await v.statistics.getTotalCost(a)).toBe(expectedMicros / 1e6)
          expect(await v.statistics.getTotalTokens(a)).toEqual({ input: 780, output: 40 })
        }, converge)
      }
    })

    it('counts a turn once however often it is added with the same turnId', async () => {
      const a = agent()
      const turn = { turnId: 't-1', cost: 0.25, tokens: { input: 10, output: 5 }, durationMs: 100 }
      await c.f.statistics.addTurn(a, turn)
      await c.f.statistics.addTurn(a, turn)
      await ((atomic ? c.f.replicas?.[0] : undefined) ?? c.f).statistics.addTurn(a, turn)
      await c.f.statistics.addTurn(a, { ...turn, turnId: 't-2' })
      for (const v of c.views) {
        await eventually(async () => {
          expect(await v.statistics.getTotalCost(a)).toBe(0.5)
          expect(await v.statistics.getTotalTokens(a)).toEqual({ input: 20, output: 10 })
        }, converge)
      }
    })

    it('records each turn with an id, and gives all totals at once', async () => {
      if (!isTurnStats(c.f.statistics)) return
      const s = c.f.statistics
      const a = agent()
      await s.addTurn(a, { turnId: 'b', cost: 0.0000014, tokens: { input: 1, output: 2 }, durationMs: 3.0004 })
      await s.addTurn(a, { turnId: 'a', cost: 1, tokens: { input: 4, output: 5 }, durationMs: 6 })
      await s.addTurn(a, { cost: 2, tokens: { input: 0, output: 0 }, durationMs: 0 })
      expect(await s.getTurns(a)).toEqual([
        { turnId: 'a', cost: 1, tokens: { input: 4, output: 5 }, durationMs: 6 },
        { turnId: 'b', cost: 0.000001, tokens: { input: 1, output: 2 }, durationMs: 3 }
      ])
      expect(await s.getTotals(a)).toEqual({ cost: 3.000001, tokens: { input: 5, output: 7 }, durationMs: 9, turns: 3 })
      await s.clearStatistics(a)
      expect(await s.getTotals(a)).toEqual({ cost: 0, tokens: { input: 0, output: 0 }, durationMs: 0, turns: 0 })
      expect(await s.getTurns(a)).toEqual([])
      for (const v of c.views.map(v => v.statistics).filter(isTurnStats)) {
        await eventually(async () => { expect(await v.getTotals(a)).toEqual({ cost: 0, tokens: { input: 0, output: 0 }, durationMs: 0, turns: 0 }) }, converge)
      }
    })

    it('refuses a malformed turn (InvalidValueError) and counts nothing of it', async () => {
      const a = agent()
      const ok = { cost: 1, tokens: { input: 1, output: 1 }, durationMs: 1 }
      const bad = [
        { ...ok, cost: -1 }, { ...ok, cost: Number.NaN }, { ...ok, cost: Infinity }, { ...ok, cost: '1' },
        { ...ok, tokens: { input: 1.5, output: 1 } }, { ...ok, tokens: { input: 1, output: -1 } }, { ...ok, tokens: null },
        { ...ok, durationMs: -0.5 }, { ...ok, turnId: '' }, null
      ]
      for (const turn of bad) await rejectsNamed(c.f.statistics.addTurn(a, turn as never), 'InvalidValueError')
      expect(await c.f.statistics.getTotalCost(a)).toBe(0)
      expect(await c.f.statistics.getTotalTokens(a)).toEqual({ input: 0, output: 0 })
    })
  })
}
