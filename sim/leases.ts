/**
 * Lease workloads for the simulator: nodes contend for a few locks in gossip mode (claim, settle,
 * re-check the core fold, as `Locks.claimByGossip`) and in quorum mode (the core Acceptor on every
 * node, requests and replies over the simulated network, as `Locks.claimByQuorum`). Every hold is
 * recorded in true time for the lease checks.
 */
import type { Acceptor, GrantRequest } from '../src/core/acceptor.js'
import { formatTimestamp } from '../src/core/hlc.js'
import { claimKey, claimOf, holderAt, lockPrefix, type Claim, type LeaseMode } from '../src/core/lease.js'
import type { Store } from '../src/core/store.js'
import type { Check, Violation } from './checker.js'
import type { Prng } from './prng.js'
import type { EventQueue } from './queue.js'

/** The longest lease in the simulation; acceptors recover for this long after a restart. */
export const SIM_MAX_LEASE_TTL_MS = 3_000

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
  how: 'released' | 'expired' | 'superseded' | 'crashed' | 'open'
}

interface Active extends Hold { node: string, timer: boolean }

export interface LeaseRun {
  holds: Hold[]
  attempts: number
  /** Call when a node crashes: its holds end. */
  crashed: (node: LeaseNode) => void
  /** Call after a node merged remote entries: gossip-mode holders re-check the fold. */
  merged: (node: LeaseNode) => void
  /** Call at the end of the run: open holds are closed at `now`. */
  finish: () => void
}

function holder (store: Store, lock: string): Claim | undefined {
  const claims: Claim[] = []
  for (const e of store.versionsWithPrefix(lockPrefix(lock))) {
    const c = claimOf(e)
    if (c !== undefined) claims.push(c)
  }
  return holderAt(claims, store.now())
}

/** Schedules lease attempts during [0, duration) on random live nodes. */
export function leaseWorkload (w: LeaseWorld, duration: number): LeaseRun {
  const locks: Array<{ name: string, mode: LeaseMode }> = [
    { name: 'g1', mode: 'gossip' }, { name: 'g2', mode: 'gossip' }, { name: 'q1', mode: 'quorum' }, { name: 'q2', mode: 'quorum' }
  ]
  const holds: Hold[] = []
  const active = new Map<string, Active>() // by node id + lock
  let attempts = 0
  let stopped = false // after the workload: no more writes, so the run can quiesce

  const begin = (node: LeaseNode, lock: string, mode: LeaseMode, token: string, untilNodeTime: number): void => {
    const start = w.q.now
    const h: Active = { lock, mode, node: node.id, token, start, end: start, how: 'open', timer: true }
    active.set(`${node.id} ${lock}`, h)
    // the holder believes it holds until its own clock reaches the lease end, or it lets go sooner
    const expiresAt = untilNodeTime - node.skew
    const letGo = w.rng.chance(0.5) ? start + w.rng.float() * (expiresAt - start) : Infinity
    w.q.at(Math.min(expiresAt, letGo), () => {
      if (active.get(`${node.id} ${lock}`) !== h) return
      if (letGo < expiresAt && node.alive) {
        end(h, 'released')
        release(node, lock, mode, token)
      } else {
        end(h, 'expired')
      }
    })
  }
  const end = (h: Active, how: Hold['how']): void => {
    if (active.get(`${h.node} ${h.lock}`) !== h) return
    active.delete(`${h.node} ${h.lock}`)
    holds.push({ lock: h.lock, mode: h.mode, node: h.node, token: h.token, start: h.start, end: w.q.now, how })
  }
  const release = (node: LeaseNode, lock: string, mode: LeaseMode, token: string): void => {
    if (stopped) return
    const key = claimKey(lock, token, node.id, mode)
    if (node.store.version(key) !== undefined) w.publish(node, node.store.delete(key))
    if (mode === 'quorum') {
      const req: GrantRequest = { kind: 'release', name: lock, owner: node.id, token, ttlMs: 1 }
      for (const m of w.live()) w.call(node, m, () => { m.acceptor.handle(req) })
    }
  }

  const tryGossip = (node: LeaseNode, lock: string, ttl: number): void => {
    const held = holder(node.store, lock)
    if (held !== undefined || active.has(`${node.id} ${lock}`)) return
    const stamp = node.store.hlc.now()
    const token = formatTimestamp(stamp)
    w.publish(node, node.store.set(claimKey(lock, token, node.id, 'gossip'), '', ttl, stamp))
    w.q.at(w.q.now + w.settleMs, () => {
      if (!node.alive || stopped) return
      const h = holder(node.store, lock)
      if (h?.token === token) begin(node, lock, 'gossip', token, h.end)
      else release(node, lock, 'gossip', token)
    })
  }

  const pending = new Set<string>() // one attempt per node and lock at a time
  const tryQuorum = (node: LeaseNode, lock: string, ttl: number): void => {
    const slot = `${node.id} ${lock}`
    if (active.has(slot) || pending.has(slot)) return
    pending.add(slot)
    w.q.at(w.q.now + ttl, () => { pending.delete(slot) })
    const members = w.live()
    const needed = Math.floor(w.size / 2) + 1
    const stamp = node.store.hlc.now()
    const token = formatTimestamp(stamp)
    const start = node.store.now()
    const req: GrantRequest = { kind: 'acquire', name: lock, owner: node.id, token, ttlMs: ttl }
    let done = false
    const granted = new Set<LeaseNode>() // distinct acceptors: the network duplicates replies
    for (const m of members) {
      w.call(node, m, () => {
        const reply = m.acceptor.handle(req)
        w.call(m, node, () => {
          if (!reply.granted || done || !node.alive || stopped) return
          granted.add(m)
          if (granted.size < needed) return
          done = true
          if (node.store.now() >= start + ttl) return // too late: the lease is already over
          w.publish(node, node.store.set(claimKey(lock, token, node.id, 'quorum'), '', Math.max(1, start + ttl - stamp.wall), stamp))
          begin(node, lock, 'quorum', token, start + ttl)
        })
      })
    }
    // no majority in time: give back what was granted
    w.q.at(w.q.now + ttl, () => { if (!done && !stopped) for (const m of granted) w.call(node, m, () => { m.acceptor.handle({ ...req, kind: 'release' }) }) })
  }

  const attempt = (): void => {
    const live = w.live()
    if (live.length === 0) return
    const node = w.rng.pick(live)
    const { name, mode } = w.rng.pick(locks)
    if (!w.ready(node)) return
    const ttl = w.rng.range(200, SIM_MAX_LEASE_TTL_MS)
    attempts++
    if (mode === 'gossip') tryGossip(node, name, ttl)
    else tryQuorum(node, name, ttl)
  }
  const gap = w.rng.pick([20, 100, 400])
  for (let t = w.rng.float() * gap; t < duration; t += w.rng.float() * 2 * gap) w.q.at(t, attempt)

  return {
    holds,
    get attempts () { return attempts },
    crashed: (node) => { for (const h of [...active.values()]) if (h.node === node.id) end(h, 'crashed') },
    merged: (node) => {
      for (const h of [...active.values()]) {
        if (h.node !== node.id || h.mode !== 'gossip') continue
        const now = holder(node.store, h.lock)
        if (now !== undefined && now.token !== h.token) end(h, 'superseded')
      }
    },
    finish: () => {
      stopped = true
      for (const h of [...active.values()]) end(h, 'open')
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
