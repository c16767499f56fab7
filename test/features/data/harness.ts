/**
 * Test harness for the data types over the pure core: replicas (Stores on one settable clock,
 * each with its own skew), a data host whose publishes go into a flight list that the test
 * delivers, drops, duplicates or reorders, and an in-memory linearizable quorum engine.
 */
import type { Entry } from '../../../src/core/entry.js'
import type { Change, QuorumHost, RegisterState } from '../../../src/core/quorum.js'
import { UNCHANGED } from '../../../src/core/quorum.js'
import { Store } from '../../../src/core/store.js'
import { Counters } from '../../../src/features/counters/counters.js'
import type { DataHost } from '../../../src/features/data-host.js'
import { Sets } from '../../../src/features/sets/sets.js'
import { syncRound } from '../../../sim/antientropy.js'

/** A linearizable register map (one process, so every change is atomic): the QuorumHost contract's fake. */
export class FakeQuorum implements QuorumHost {
  readonly registers = new Map<string, RegisterState>()
  rounds = 0
  constructor (private readonly now: () => number, readonly configured = true) {}

  async change<R>(key: string, change: Change<R>): Promise<R> {
    this.rounds++
    const now = this.now()
    const held = this.registers.get(key)
    const current = held !== undefined && (held.expiresAt === undefined || held.expiresAt > now) ? held : undefined
    // a retried round runs the change again: it must not matter
    change(current, now)
    const { next, result } = change(current, now)
    if (next === undefined) this.registers.delete(key)
    else if (next !== UNCHANGED) this.registers.set(key, next)
    return result
  }
}

export interface Replica {
  store: Store
  host: DataHost
  counters: Counters
  sets: Sets
}

export class Cluster {
  time = 1_700_000_000_000
  flights: Array<{ to: number, entry: Entry }> = []
  readonly replicas: Replica[]
  readonly quorum: FakeQuorum

  constructor (n: number, options: { skews?: number[], maxTtlMs?: number, defaultTtlMs?: number } = {}) {
    this.quorum = new FakeQuorum(() => this.time)
    this.replicas = Array.from({ length: n }, (_, i) => {
      const skew = options.skews?.[i] ?? 0
      const store = new Store(`node-${i}`, { clock: () => this.time + skew, maxDriftMs: 10_000, maxTtlMs: options.maxTtlMs ?? 100_000, defaultTtlMs: options.defaultTtlMs ?? 50_000, tombstoneGraceMs: 1_000 })
      const host: DataHost = {
        store,
        publish: e => { for (let j = 0; j < n; j++) if (j !== i) this.flights.push({ to: j, entry: e }) },
        durable: async () => {},
        quorum: this.quorum,
        assertOpen: () => {}
      }
      return { store, host, counters: new Counters(host), sets: new Sets(host) }
    })
  }

  /** Delivers every flight (in order), or those `keep` lets through. */
  deliver (keep: (f: { to: number, entry: Entry }) => boolean = () => true): void {
    const due = this.flights
    this.flights = []
    for (const f of due) if (keep(f)) this.replicas[f.to].store.merge([f.entry])
  }

  advance (ms: number): void {
    this.time += ms
    for (const r of this.replicas) r.store.tick()
  }

  /** Anti-entropy between every pair until nothing moves. */
  heal (): void {
    this.deliver()
    for (let pass = 0; pass < 5; pass++) {
      let moved = 0
      for (let i = 0; i < this.replicas.length; i++) {
        for (let j = i + 1; j < this.replicas.length; j++) {
          const r = syncRound(this.replicas[i].store, this.replicas[j].store)
          moved += r.sent + r.received
        }
      }
      if (moved === 0) return
    }
  }
}
