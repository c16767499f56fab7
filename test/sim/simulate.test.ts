import { describe, expect, it, vi } from 'vitest'
import { Acceptor } from '../../src/core/acceptor.js'
import { firstArrivalWins, sameOutcome, simulate } from '../../sim/simulate.js'

const SEEDS = Number(process.env.MESHKV_SIM_SEEDS ?? 1_000)

describe('deterministic simulation', () => {
  it(`${SEEDS} seeded schedules run with zero violations (replay: npm run sim -- --seed <seed> --verbose)`, () => {
    const failures: string[] = []
    for (let seed = 1; seed <= SEEDS; seed++) {
      const r = simulate(seed)
      if (r.violations.length > 0) failures.push(`seed ${seed}: [${r.violations[0].check}] ${r.violations[0].message} — replay: npm run sim -- --seed ${seed} --verbose`)
    }
    expect(failures).toEqual([])
  }, 1_800_000) // about 40 s alone on 2 cores before the clock models (which add a fifth) and the CP workload (which about doubles it); far longer when other jobs share them

  it('a seed replays exactly', () => {
    for (const seed of [7, 123, 4_242]) {
      const a = simulate(seed)
      const b = simulate(seed)
      expect(sameOutcome(a, b)).toBe(true)
      expect(b.history.ops.length).toBe(a.history.ops.length)
      expect(b.messages).toBe(a.messages)
    }
  })

  it('injects the faults it promises: partitions, crashes, clock jumps, drops', () => {
    const kinds = new Set<string>()
    let crashes = 0
    let dropped = 0
    for (let seed = 1; seed <= 200; seed++) {
      const r = simulate(seed)
      r.faults.forEach(f => kinds.add(f))
      crashes += r.crashes
      dropped += r.dropped
    }
    expect([...kinds].sort()).toEqual(['bridge', 'clock-fix', 'clock-jump', 'clock-lag', 'clock-skew', 'crash', 'durable-restart', 'flapping', 'isolated', 'split-brain'])
    expect(crashes).toBeGreaterThan(0)
    expect(dropped).toBeGreaterThan(0)
  }, 180_000)

  it('catches a deliberately broken merge (first arrival wins) within 100 seeds', () => {
    let caught: number | undefined
    for (let seed = 1; seed <= 100 && caught === undefined; seed++) {
      if (simulate(seed, { mergeOrder: firstArrivalWins }).violations.length > 0) caught = seed
    }
    expect(caught).toBeDefined()
    console.log(`broken merge caught at seed ${caught}`)
  })

  it('catches a lost data directory (durability, hlc-monotonic) within 150 seeds', () => {
    const caught = new Map<string, number>()
    for (let seed = 1; seed <= 150 && caught.size < 2; seed++) {
      for (const v of simulate(seed, { loseDurableState: true, durationMs: 6_000, nodes: 6 }).violations) {
        if ((v.check === 'durability' || v.check === 'hlc-monotonic') && !caught.has(v.check)) caught.set(v.check, seed)
      }
    }
    expect([...caught.keys()].sort()).toEqual(['durability', 'hlc-monotonic'])
    console.log(`lost durable state caught at seeds ${JSON.stringify(Object.fromEntries(caught))}`)
  })

  it('lying clocks: skewed nodes refuse writes, and recover after their clock is fixed once the mesh catches up', () => {
    const refused = { skew: 0, ahead: 0 }
    let written = 0
    for (let seed = 1; seed <= 100; seed++) {
      const r = simulate(seed, { clockMode: 'skewed' })
      expect(r.violations).toEqual([])
      for (const a of r.clock.record.attempts) {
        if (a.result === 'ok') written++
        else refused[a.result]++
      }
    }
    expect(refused.skew).toBeGreaterThan(100) // a node beyond maxDriftMs refuses, once it knows
    // after its clock is fixed, a node that wrote ahead before it knew refuses until the mesh catches
    // up (rare: a node learns its offset within milliseconds of joining, and receiving never stamps ahead)
    expect(refused.ahead).toBeGreaterThan(0)
    expect(written).toBeGreaterThan(1_000)
  })

  it('catches a mesh whose nodes never learn their clock offset: skewed writers write on, lagging writers\' TTLs die early', () => {
    const caught = new Set<string>()
    for (let seed = 1; seed <= 20; seed++) {
      for (const v of simulate(seed, { clockSamples: false, clockMode: 'skewed' }).violations) caught.add(v.check)
      for (const v of simulate(seed, { clockSamples: false, clockMode: 'lagging' }).violations) caught.add(v.check)
    }
    expect(caught).toContain('clock-skew-refused')
    expect(caught).toContain('clock-ttl')
  })

  it('catches a validator that penalises drift refusals (the lagging side graylisting honest peers)', () => {
    let caught: string | undefined
    for (let seed = 1; seed <= 20 && caught === undefined; seed++) {
      caught = simulate(seed, { penalises: () => true, clockMode: 'skewed' }).violations.find(v => v.check === 'clock-no-penalty')?.message
    }
    expect(caught).toBeDefined()
  })

  it('catches a broken quorum acceptor (grants everything) within 50 seeds', () => {
    const spy = vi.spyOn(Acceptor.prototype, 'handle').mockImplementation(() => ({ granted: true }))
    try {
      let caught: string | undefined
      for (let seed = 1; seed <= 50 && caught === undefined; seed++) {
        caught = simulate(seed).violations.find(v => v.check === 'quorum-one-holder')?.message
      }
      expect(caught).toBeDefined()
    } finally {
      spy.mockRestore()
    }
  })

  it('runs lease workloads through the product lock client: holds in both modes, renewed, released, expired, queued; gossip-mode overlaps only where the network allows them', () => {
    let overlapsUnderPartition = 0
    const ends = new Map<string, number>()
    let renewals = 0
    let queued = 0
    for (let seed = 1; seed <= 100; seed++) {
      const r = simulate(seed)
      for (const h of r.holdList) ends.set(`${h.mode} ${h.how}`, (ends.get(`${h.mode} ${h.how}`) ?? 0) + 1)
      renewals += r.leaseCounts.renewals
      queued += r.leaseCounts.queued
      if (r.partitions > 0) overlapsUnderPartition += r.gossipOverlapsBeyondSkew
    }
    for (const mode of ['gossip', 'quorum']) {
      for (const how of ['released', 'expired', 'superseded']) {
        // a quorum hold is superseded mostly when two clocks disagree on which claim came first: with
        // clocks corrected to the mesh's time that is rare (184 in these seeds before, 5 now)
        expect(ends.get(`${mode} ${how}`), `${mode} holds ${how}`).toBeGreaterThan(mode === 'quorum' && how === 'superseded' ? 0 : 10)
      }
    }
    expect(renewals).toBeGreaterThan(100)
    expect(queued).toBeGreaterThan(100) // attempts that waited in the queue behind a holder
    expect(overlapsUnderPartition).toBeGreaterThan(0) // gossip mode is not safe under partition, as documented
  })
})
