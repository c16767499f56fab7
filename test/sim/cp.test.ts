import { describe, expect, it } from 'vitest'
import type { RegisterState } from '../../src/core/caspaxos.js'
import { UNCHANGED } from '../../src/core/caspaxos.js'
import { counterChange, queueChange, registerChange } from '../../sim/cp.js'
import { counterModel, queueModel, registerModel, type CounterInput, type QueueInput, type RegisterInput } from '../../sim/models.js'
import { Prng } from '../../sim/prng.js'
import { simulate } from '../../sim/simulate.js'

const CP_CHECKS = new Set(['linearizable', 'linearizable-unknown'])

describe('CP workloads (the product\'s CASPaxos proposer and acceptors under the simulator\'s faults)', () => {
  it('the changes the clients send do what the checker\'s models say', () => {
    const rng = new Prng(3)
    const enc = new TextEncoder()
    const dec = new TextDecoder()
    const reg = (t: string | undefined): RegisterState | undefined => t === undefined ? undefined : { value: enc.encode(t) }
    let r: string | undefined
    let c = 0
    let q = { ready: [] as string[], held: [] as string[] }
    for (let i = 0; i < 500; i++) {
      const ri = rng.pick<RegisterInput>([{ f: 'read' }, { f: 'write', value: `v${i}` }, { f: 'cas', from: r, to: `w${i}` }, { f: 'cas', from: 'nope', to: 'x' }])
      const rc = registerChange(ri)(reg(r), 0)
      const rm = registerModel.step(r, ri)
      expect(rc.result).toEqual(rm.output)
      r = rc.next === UNCHANGED ? r : rc.next === undefined ? undefined : dec.decode(rc.next.value)
      expect(r).toEqual(rm.state)

      const ci = rng.pick<CounterInput>([{ f: 'read' }, { f: 'inc', by: 2 }, { f: 'dec', by: 1, min: 0 }, { f: 'dec', by: 3 }])
      const cc = counterChange(ci)(c === 0 && rng.chance(0.5) ? undefined : reg(String(c)), 0)
      const cm = counterModel.step(c, ci)
      expect(cc.result).toEqual(cm.output)
      c = cc.next === UNCHANGED ? c : Number(dec.decode((cc.next as RegisterState).value))
      expect(c).toBe(cm.state)

      const qi = rng.pick<QueueInput>([{ f: 'push', item: `i${i}` }, { f: 'pop' }, { f: 'ack', item: q.held[0] ?? 'none' }])
      const qc = queueChange(qi)(q.ready.length + q.held.length === 0 ? undefined : reg(JSON.stringify(q)), 0)
      const qm = queueModel.step(q, qi)
      expect(qc.result).toEqual(qm.output)
      if (qc.next !== UNCHANGED) q = JSON.parse(dec.decode((qc.next as RegisterState).value)) as typeof q
      expect({ ready: q.ready, held: [...q.held].sort() }).toEqual({ ready: qm.state.ready, held: [...qm.state.held].sort() })
    }
  })

  it('catches an acceptor that skips the promise check within 100 seeds, and the same seeds run clean without it', () => {
    let caught: number | undefined
    for (let seed = 1; seed <= 100 && caught === undefined; seed++) {
      if (simulate(seed, { skipPromiseCheck: true }).violations.some(v => v.check === 'linearizable')) caught = seed
    }
    expect(caught).toBeDefined()
    console.log(`an acceptor skipping its promise check caught at seed ${caught}`)

    const failures: string[] = []
    let ops = 0
    for (let seed = 1; seed <= 100; seed++) {
      const r = simulate(seed)
      ops += r.cp.done
      for (const v of r.violations.filter(v => CP_CHECKS.has(v.check))) failures.push(`seed ${seed}: [${v.check}] ${v.message} — replay: npm run sim -- --seed ${seed} --verbose`)
    }
    expect(failures).toEqual([])
    expect(ops).toBeGreaterThan(5_000) // the workload did run
  }, 600_000)
})
