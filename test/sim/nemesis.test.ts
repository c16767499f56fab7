import { describe, expect, it } from 'vitest'
import { checkDurability } from '../../sim/crash.js'
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

describe('crash nemesis', () => {
  it('a writer SIGKILLed right after acknowledged writes with replicas: 1 loses none of them', async () => {
    const r = await runScenario(SCENARIOS.find(s => s.name === 'crash')!)
    expect(r.violations).toEqual([])
    expect(r.writes).toBeGreaterThanOrEqual(200)
  }, 150_000) // about 5 s on a quiet machine; the writer process's start-up is most of it

  it('the durability check catches a lost acknowledged write (planted)', () => {
    const acked = [{ key: 'a', hlc: '0001' }, { key: 'b', hlc: '0002' }]
    const held = new Map([['a', '0001'], ['b', '0001']])
    expect(checkDurability(acked, [{ id: 'n0', hlcOf: k => held.get(k) }]).map(v => v.check)).toEqual(['durability'])
    held.set('b', '0003')
    expect(checkDurability(acked, [{ id: 'n0', hlcOf: k => held.get(k) }])).toEqual([])
  })
})
