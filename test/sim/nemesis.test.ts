import { describe, expect, it } from 'vitest'
import { runScenario, SCENARIOS } from '../../sim/nemesis.js'

describe('real-node nemesis', () => {
  it('majority/minority split of 5 real nodes: zero violations, converges after the heal', async () => {
    const split = SCENARIOS.find(s => s.name === 'split')!
    const r = await runScenario(split)
    expect(r.violations).toEqual([])
    expect(r.convergeMs).toBeDefined()
    expect(r.writes).toBeGreaterThan(50)
    console.log(`split: ${r.ops} ops, converged ${r.convergeMs} ms after the heal`)
  })
})
