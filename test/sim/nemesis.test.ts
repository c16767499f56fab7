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

  it('a node 5 minutes behind among 4 real nodes: it knows it (estimate within 100 ms), refuses its writes, penalises nobody, converges once its clock is fixed', async () => {
    const r = await runScenario(SCENARIOS.find(s => s.name === 'clock-skew-5min')!)
    expect(r.violations).toEqual([])
    expect(r.skewRefusals).toBeGreaterThan(0)
    expect(r.offsets.length).toBeGreaterThanOrEqual(8)
    for (const o of r.offsets) expect(Math.abs(o.errorMs)).toBeLessThan(100)
    console.log(`clock-skew-5min: ${r.skewRefusals} writes refused, estimate error at most ${Math.max(...r.offsets.map(o => Math.abs(o.errorMs))).toFixed(1)} ms`)
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
