/**
 * Lease workloads for the simulator: nodes contend for a few locks through the product's own lock
 * client (src/core/lock-client.ts) — gossip mode (claim, settle, re-check the core fold) and
 * quorum mode (the core Acceptor on every node, requests and replies over the simulated network),
 * with the wait queue. This module only carries out the client's effects in virtual time, as
 * src/features/locks does on a live node, and plays the holder: it renews, releases early, or lets
 * the lease expire. Every hold is recorded in true time for the lease checks.
 */
import type { Acceptor } from '../src/core/acceptor.js'
import { ClockSkewError } from '../src/core/errors.js'
import type { LeaseMode } from '../src/core/lease.js'
import { WAIT_PREFIX } from '../src/core/keys.js'
import { driveClient, LockClient, type LockEffect, type LockEvent } from '../src/core/lock-client.js'
import type { Store } from '../src/core/store.js'
import type { Check, Violation } from './checker.js'
import type { Prng } from './prng.js'
import type { EventQueue } from './queue.js'

/** The longest lease in the simulation; acceptors recover for this long after a restart. */
export const SIM_MAX_LEASE_TTL_MS = 3_000
/** A waiting marker's life in the simulation (the product's default). */
const SIM_WAIT_TTL_MS = 3_000

/** What the lease workload needs from the simulation. */
export interface LeaseWorld {
  q: EventQueue
  rng: Prng
  /** Live incarnations now. */
  live: () => LeaseNode[]
  /** Whether a node has caught up (an anti-entropy round since it started): only then does it take locks. */
  ready: (node: LeaseNode) => boolean
  /** Sends a closure to run at `to` through the simulated network (it may be delayed, dropped, cut). */
  call: (from: LeaseNode, to: LeaseNode, run: () => void) => void
  /** Publishes a local write by gossip. */
  publish: (node: LeaseNode, e: ReturnType<Store['set']>) => void
  /** A settle window longer than any delivery delay of the schedule. */
  settleMs: number
  /** Acceptors in all (live or not): a majority of this many must grant. */
  size: number
}

export interface LeaseNode {
  id: string
  store: Store
  acceptor: Acceptor
  alive: boolean
  /** The node's clock minus true time. */
  skew: number
}

/** One node believing it held one lock over [start, end) of true time. */
export interface Hold {
  lock: string
  mode: LeaseMode
  node: string
  token: string
  start: number
  end: number
  how: 'released' | 'expired' | 'superseded' | 'quorum-lost' | 'crashed' | 'open'
  /** Renewals during the hold. */
  renewals: number
}

/** What the lock clients did, by outcome. */
export interface LeaseCounts {
  attempts: number
  /** Attempts that had to wait (they wrote a waiting marker). */
  queued: number
  unavailable: number
  renewals: number
}

export interface LeaseRun {
  holds: Hold[]
  counts: LeaseCounts
  /** Call when a node crashes: its clients vanish, its holds end. */
  crashed: (node: LeaseNode) => void
  /** Call at the end of the run: clients stop, open holds are closed at `now`. */
  finish: () => void
}

/** One lock client running on one node, and the hold it got. */
interface Run {
  /** Node id and lock: one client per slot at a time. */
  slot: string
  node: LeaseNode
  lock: string
  mode: LeaseMode
  client: LockClient
  feed: (ev: LockEvent) => void
  /** Generation of the armed timer: only the latest fires. */
  timer: number
  hold: Hold | undefined
  stop: () => void
}

/** Whether a node may write now (the product's `lock` checks its clock before starting, as here). */
function clockOk (node: LeaseNode): boolean {
  return node.store.clockRefusal() === undefined
}

/** Schedules lock attempts during [0, duration) on random live nodes, through the product's lock client. */
export function leaseWorkload (w: LeaseWorld, duration: number): LeaseRun {
  const locks: Array<{ name: string, mode: LeaseMode }> = [
    { name: 'g1', mode: 'gossip' }, { name: 'g2', mode: 'gossip' }, { name: 'q1', mode: 'quorum' }, { name: 'q2', mode: 'quorum' }
  ]
  const holds: Hold[] = []
  const counts: LeaseCounts = { attempts: 0, queued: 0, unavailable: 0, renewals: 0 }
  const runs = new Map<string, Run>() // by node id + lock: one client at a time
  let stopped = false // after the workload: no more writes, so the run can quiesce

  const current = (run: Run): boolean => !stopped && run.node.alive && runs.get(run.slot) === run

  const endHold = (run: Run, how: Hold['how']): void => {
    const h = run.hold
    if (h === undefined) return
    run.hold = undefined
    holds.push({ ...h, end: w.q.now, how })
  }

  /** The holder's plan after acquiring or renewing: release early, renew (at most 3 times), or let it expire. */
  const plan = (run: Run): void => {
    const left = Math.max(0, run.client.expiresAt - run.node.store.now())
    const roll = w.rng.float()
    const act = (at: number, what: LockEvent): void => { w.q.at(w.q.now + at, () => { if (current(run) && run.client.held) run.feed(what) }) }
    if (roll < 0.4) act(w.rng.float() * left, { type: 'release' })
    else if (roll < 0.7 && (run.hold?.renewals ?? 0) < 3) act((0.3 + 0.6 * w.rng.float()) * left, { type: 'renew', ttl: w.rng.range(200, SIM_MAX_LEASE_TTL_MS) })
  }

  const carry = (run: Run, fx: LockEffect): void => {
    const { node } = run
    switch (fx.type) {
      case 'write':
        if (fx.key.startsWith(WAIT_PREFIX) && fx.stamp !== undefined) counts.queued++
        write(run, () => node.store.set(fx.key, '', fx.ttl, fx.stamp))
        return
      case 'delete':
        write(run, () => node.store.delete(fx.key))
        return
      case 'request':
        for (const id of fx.to) {
          const m = w.live().find(x => x.id === id)
          if (m === undefined) continue
          w.call(node, m, () => {
            const reply = m.acceptor.handle(fx.req)
            // a reply after the client is done still goes to it: it gives back a grant it no longer wants
            w.call(m, node, () => { if (!stopped && node.alive) run.feed({ type: 'reply', from: m.id, kind: fx.req.kind, token: fx.req.token, reply }) })
          })
        }
        return
      case 'arm': {
        const gen = ++run.timer
        if (!Number.isFinite(fx.at)) return
        // as a real timer: a delay measured on the node's clock now
        w.q.at(w.q.now + Math.max(0, fx.at - node.store.now()), () => { if (run.timer === gen && current(run)) run.feed({ type: 'timer' }) })
        return
      }
      case 'acquired':
        run.hold = { lock: run.lock, mode: run.mode, node: node.id, token: fx.claim.token, start: w.q.now, end: w.q.now, how: 'open', renewals: 0 }
        plan(run)
        return
      case 'renewed':
        counts.renewals++
        if (run.hold !== undefined) run.hold.renewals++
        plan(run)
        return
      case 'unavailable':
        counts.unavailable++
        run.stop()
        return
      case 'aborted':
        run.stop()
        return
      case 'ended':
        endHold(run, fx.reason === 'closed' ? 'open' : fx.reason)
        run.stop()
    }
  }

  /**
   * A write of the client's; refused when the node's clock is skewed: then, as the product's lock
   * feature does, the run cannot go on (a hold ends: its holder can renew nothing).
   */
  const write = (run: Run, make: () => ReturnType<Store['set']>): void => {
    try {
      w.publish(run.node, make())
    } catch (err) {
      if (!(err instanceof ClockSkewError)) throw err
      endHold(run, 'expired')
      run.stop()
    }
  }

  const start = (node: LeaseNode, lock: string, mode: LeaseMode, ttl: number, wait: number): void => {
    const slot = `${node.id} ${lock}`
    if (runs.has(slot) || !clockOk(node)) return
    counts.attempts++
    const client = new LockClient(node.store, {
      name: lock,
      owner: node.store.node, // its identity: a durable node keeps it across restarts
      mode,
      ttl,
      wait,
      settleMs: w.settleMs,
      acceptors: () => ({ members: w.live().map(m => m.id), size: w.size }),
      random: () => w.rng.float(),
      waitTtlMs: SIM_WAIT_TTL_MS
    })
    const run: Run = { slot, node, lock, mode, client, feed: () => {}, timer: 0, hold: undefined, stop: () => {} }
    const unsubscribe = node.store.subscribe(e => { if (current(run) && client.concerns(e.key)) run.feed({ type: 'changed' }) })
    run.stop = () => {
      unsubscribe()
      if (runs.get(slot) === run) runs.delete(slot)
    }
    run.feed = driveClient(client, fx => { carry(run, fx) })
    runs.set(slot, run)
    run.feed({ type: 'start' })
  }

  const attempt = (): void => {
    const live = w.live()
    if (live.length === 0) return
    const node = w.rng.pick(live)
    const { name, mode } = w.rng.pick(locks)
    if (!w.ready(node)) return
    const ttl = w.rng.range(200, SIM_MAX_LEASE_TTL_MS)
    const wait = w.rng.chance(0.5) ? 0 : w.rng.range(100, 3_000)
    start(node, name, mode, ttl, wait)
  }
  const gap = w.rng.pick([20, 100, 400])
  for (let t = w.rng.float() * gap; t < duration; t += w.rng.float() * 2 * gap) w.q.at(t, attempt)

  return {
    holds,
    counts,
    crashed: (node) => {
      for (const run of [...runs.values()]) {
        if (run.node !== node) continue
        endHold(run, 'crashed')
        run.stop()
      }
    },
    finish: () => {
      stopped = true
      for (const run of [...runs.values()]) {
        endHold(run, 'open')
        run.stop()
      }
    }
  }
}

/** Overlapping holds of one lock by different nodes, and how much they overlap (true ms). */
export function overlaps (holds: Hold[]): Array<{ a: Hold, b: Hold, ms: number }> {
  const out: Array<{ a: Hold, b: Hold, ms: number }> = []
  const byLock = new Map<string, Hold[]>()
  for (const h of holds) byLock.set(h.lock, [...(byLock.get(h.lock) ?? []), h])
  for (const list of byLock.values()) {
    list.sort((x, y) => x.start - y.start)
    for (let i = 0; i < list.length; i++) {
      for (let j = i + 1; j < list.length && list[j].start < list[i].end; j++) {
        if (list[j].node !== list[i].node) out.push({ a: list[i], b: list[j], ms: Math.min(list[i].end, list[j].end) - list[j].start })
      }
    }
  }
  return out
}

/**
 * Quorum mode: never two holders at once (beyond the clock-skew bound, by which an acceptor's
 * clock may run a lease short), and every new holder's token greater than every earlier one's.
 */
export function leaseChecks (holds: () => Hold[], skewBoundMs: number): Record<string, Check> {
  return {
    'quorum-one-holder': () => overlaps(holds().filter(h => h.mode === 'quorum'))
      .filter(o => o.ms > skewBoundMs)
      .map((o): Violation => ({ check: 'quorum-one-holder', message: `lock ${o.a.lock}: ${o.a.node} (token ${o.a.token}) and ${o.b.node} (token ${o.b.token}) both held it for ${o.ms.toFixed(0)} ms from ${o.b.start.toFixed(0)}` })),
    'fencing-tokens': () => {
      // a holder's token is greater than that of every other node that held the lock before it
      const out: Violation[] = []
      const byLock = new Map<string, Hold[]>()
      for (const h of holds()) if (h.mode === 'quorum') byLock.set(h.lock, [...(byLock.get(h.lock) ?? []), h])
      for (const list of byLock.values()) {
        list.sort((x, y) => x.start - y.start)
        for (let i = 1; i < list.length; i++) {
          const prior = list.slice(0, i).filter(h => h.node !== list[i].node && h.start < list[i].start)
          const top = prior.reduce<Hold | undefined>((m, h) => m === undefined || h.token > m.token ? h : m, undefined)
          if (top !== undefined && list[i].token <= top.token) out.push({ check: 'fencing-tokens', message: `lock ${list[i].lock}: ${list[i].node} got token ${list[i].token} at ${list[i].start.toFixed(0)}, not greater than ${top.token} of ${top.node} (held from ${top.start.toFixed(0)})` })
        }
      }
      return out
    }
  }
}
