/**
 * Seeded randomised convergence over the pure core (yjs applyRandomTests style): several replicas,
 * random sets, overwrites, deletes and TTLs, gossip with drops, duplicates and reordering, clock
 * skew; then anti-entropy until quiet, and every replica must hold the same state.
 */
import { describe, expect, it } from 'vitest'
import type { Entry } from '../../src/core/entry.js'
import { compareVersionIds } from '../../src/core/merge.js'
import { Store } from '../../src/core/store.js'
import { syncRound } from '../../sim/antientropy.js'
import { Prng } from '../../sim/prng.js'

interface Flight { at: number, to: number, entry: Entry }

function runSchedule (seed: number): void {
  const rng = new Prng(seed)
  const n = rng.range(2, 6)
  let global = 1_700_000_000_000
  const skews = Array.from({ length: n }, () => rng.range(-200, 200))
  const options = { maxTtlMs: 20_000, tombstoneGraceMs: 5_000, defaultTtlMs: 10_000, maxDriftMs: 1_000 }
  const replicas = skews.map((skew, i) => new Store(`node-${i}`, { ...options, clock: () => global + skew }))
  const keys = Array.from({ length: rng.range(3, 30) }, (_, i) => `k${i}`)
  const dropRate = rng.pick([0, 0.1, 0.5, 0.9])
  let flights: Flight[] = []

  const deliverDue = (): void => {
    const due = flights.filter(f => f.at <= global)
    flights = flights.filter(f => f.at > global)
    for (const f of due) replicas[f.to].merge([f.entry])
  }

  const ops = rng.range(20, 300)
  for (let op = 0; op < ops; op++) {
    global += rng.range(0, 400)
    deliverDue()
    replicas.forEach(r => r.tick())
    const i = rng.int(n)
    const key = rng.pick(keys)
    const roll = rng.float()
    let entry: Entry
    if (roll < 0.2) entry = replicas[i].delete(key)
    else {
      const ttl = rng.pick([50, 500, 3_000, 20_000, Infinity, undefined])
      entry = replicas[i].set(key, `v${op}@${i}`, ttl)
    }
    for (let j = 0; j < n; j++) {
      if (j === i || rng.chance(dropRate)) continue
      flights.push({ at: global + rng.range(0, 2_000), to: j, entry })
      if (rng.chance(0.05)) flights.push({ at: global + rng.range(0, 5_000), to: j, entry }) // duplicate
    }
    if (rng.chance(0.05)) { // an occasional anti-entropy round mid-run
      const a = rng.int(n); const b = rng.int(n)
      if (a !== b) syncRound(replicas[a], replicas[b])
    }
  }

  // heal: deliver what is in flight, then anti-entropy until a full pass moves nothing. Quiesce at
  // an instant no tombstone purge or expiry falls near (replicas' skewed clocks would disagree
  // on it for up to the skew span).
  global += 5_000
  deliverDue()
  const deadlines = replicas.flatMap(r => [...r.versions()].flatMap(v => [v.wall + r.retentionMs, v.expiresAt ?? 0]))
  while (deadlines.some(d => Math.abs(d - global) <= 500)) global += 100
  replicas.forEach(r => r.tick())
  for (let pass = 0; pass < 10; pass++) {
    let moved = 0
    for (const i of rng.shuffle([...Array(n).keys()])) {
      const j = (i + 1 + rng.int(n - 1)) % n
      const r = syncRound(replicas[i], replicas[j])
      moved += r.sent + r.received
    }
    if (moved === 0) break
  }
  // one more full mesh pass so every pair is compared
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) syncRound(replicas[i], replicas[j])
  replicas.forEach(r => r.tick())

  const roots = replicas.map(r => r.digest.root())
  expect(new Set(roots).size, `seed ${seed}: digests differ ${roots.join(' ')}`).toBe(1)
  for (const key of keys) {
    const versions = replicas.map(r => r.version(key))
    for (const v of versions) {
      if (versions[0] === undefined || v === undefined) {
        expect(v, `seed ${seed}: key ${key} held by some replicas only`).toBe(versions[0])
      } else {
        expect(compareVersionIds(v, versions[0]), `seed ${seed}: key ${key} versions differ`).toBe(0)
      }
    }
    // visible values agree unless an expiry falls inside the skew window
    const exp = versions[0]?.expiresAt
    if (exp === undefined || Math.abs(exp - global) > 500) {
      const seen = replicas.map(r => r.get(key)?.text())
      expect(new Set(seen).size, `seed ${seed}: key ${key} reads ${JSON.stringify(seen)}`).toBe(1)
    }
  }
}

describe('randomised convergence of the pure core', () => {
  const base = Number(process.env.MESHKV_SEED ?? 1)
  const count = Number(process.env.MESHKV_SEEDS ?? 300)
  it(`${count} seeded schedules converge (replay one with MESHKV_SEED=<seed> MESHKV_SEEDS=1)`, () => {
    for (let s = base; s < base + count; s++) {
      try {
        runSchedule(s)
      } catch (err) {
        console.error(`convergence failed for seed ${s}; replay: MESHKV_SEED=${s} MESHKV_SEEDS=1 npx vitest run test/core/convergence.test.ts`)
        throw err
      }
    }
  })
})
