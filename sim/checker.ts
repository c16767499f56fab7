/**
 * The checker: properties every run must hold, judged from its recorded history (Jepsen-style).
 * Each check is a function of the history; the leases issue adds its own to `CHECKS`.
 */
import type { Entry } from '../src/core/entry.js'
import { compareTimestamps } from '../src/core/hlc.js'
import { compareVersionIds, compareVersions } from '../src/core/merge.js'
import { label, type History, type NodeId } from './history.js'

export interface Violation {
  check: string
  message: string
}

export type Check = (h: History) => Violation[]

const same = (a: Entry | undefined, b: Entry | undefined): boolean =>
  a === undefined || b === undefined ? a === b : compareVersionIds(a, b) === 0

/** Convergence: every live replica has the same state digest and the same visible entries. */
export function convergence (h: History): Violation[] {
  const out: Violation[] = []
  const digests = new Set(h.final.map(r => r.digest))
  if (digests.size > 1) {
    out.push({ check: 'convergence', message: `state digests differ: ${h.final.map(r => `${r.node}=${r.digest}`).join(' ')}` })
  }
  for (const key of h.keys) {
    const seen = h.final.map(r => r.visible.get(key))
    const first = seen[0]
    for (let i = 1; i < seen.length; i++) {
      if (same(first, seen[i])) continue
      // an expiry instant within the skew bound of the check reads differently on skewed clocks
      const exp = (first ?? seen[i])?.expiresAt
      if (exp !== undefined && Math.abs(exp - h.checkedAt) <= h.skewBoundMs) continue
      out.push({ check: 'convergence', message: `key ${key}: ${h.final[0].node} reads ${label(first)} but ${h.final[i].node} reads ${label(seen[i])}` })
    }
  }
  return out
}

/**
 * Last writer wins, nothing acknowledged lost: each key's final visible value is the greatest
 * version known to any surviving node (applied, written, watched or read there), unless that
 * version is a delete or has expired, in which case the key is absent.
 */
export function lww (h: History): Violation[] {
  const out: Violation[] = []
  const alive = new Set(h.final.map(r => r.node))
  const known = new Map<string, Entry>()
  for (const op of h.ops) {
    if (op.kind === 'fault' || !alive.has(op.node)) continue
    const v = op.kind === 'read' ? op.value : op.version
    if (v === undefined) continue
    const held = known.get(v.key)
    if (held === undefined || compareVersions(v, held) > 0) known.set(v.key, v)
  }
  for (const key of h.keys) {
    const expected = known.get(key)
    for (const r of h.final) {
      const got = r.visible.get(key)
      if (expected === undefined) {
        if (got !== undefined) out.push({ check: 'lww', message: `key ${key}: ${r.node} reads ${label(got)}, a version no surviving node was seen to hold` })
        continue
      }
      const exp = expected.expiresAt
      if (exp !== undefined && Math.abs(exp - h.checkedAt) <= h.skewBoundMs) continue
      const live = !expected.deleted && (exp === undefined || exp > h.checkedAt)
      if (live) {
        if (!same(got, expected)) out.push({ check: 'lww', message: `key ${key}: ${r.node} reads ${label(got)}, expected the greatest version ${label(expected)}` })
      } else if (got !== undefined) {
        const purged = expected.wall + h.retentionMs <= h.checkedAt + h.skewBoundMs
        const lateArrival = purged && got.expiresAt === undefined && compareVersionIds(got, expected) < 0
        if (!lateArrival) out.push({ check: 'lww', message: `key ${key}: ${r.node} reads ${label(got)}, but the greatest version ${label(expected)} is ${expected.deleted ? 'a delete' : 'expired'}` })
      }
    }
  }
  return out
}

/** Expiry: no read returns a delete, or an entry after its expiresAt (beyond the skew bound). */
export function expiry (h: History): Violation[] {
  const out: Violation[] = []
  const late = (v: Entry, t: number): boolean => v.expiresAt !== undefined && t >= v.expiresAt + h.skewBoundMs
  for (const op of h.ops) {
    if (op.kind !== 'read' || op.value === undefined) continue
    if (op.value.deleted) out.push({ check: 'expiry', message: `${op.node} read a delete for ${op.key} at ${op.t}` })
    else if (late(op.value, op.t)) out.push({ check: 'expiry', message: `${op.node} read ${label(op.value)} at ${op.t}, after it expired` })
  }
  for (const r of h.final) {
    for (const [key, v] of r.visible) {
      if (v !== undefined && late(v, h.checkedAt)) out.push({ check: 'expiry', message: `${r.node} still reads ${key} = ${label(v)} at ${h.checkedAt}` })
    }
  }
  return out
}

/** Every entry that expires while a watcher is live gets an `expire` event on that node. */
export function expireEvents (h: History): Violation[] {
  const out: Violation[] = []
  const alive = new Set(h.final.map(r => r.node))
  const live = new Map<NodeId, Map<string, Entry>>()
  const overdue = (v: Entry, t: number): boolean => v.expiresAt !== undefined && t > v.expiresAt + h.skewBoundMs + h.timerSlackMs
  for (const op of h.ops) {
    if (op.kind !== 'event' || !alive.has(op.node)) continue
    let held = live.get(op.node)
    if (held === undefined) live.set(op.node, held = new Map())
    const key = op.version.key
    const l = held.get(key)
    if (l !== undefined && overdue(l, op.t) && !(op.type === 'expire' && same(op.version, l))) {
      out.push({ check: 'expire-events', message: `${op.node}: ${key} = ${label(l)} expired but the next event at ${op.t} was ${op.type} ${label(op.version)}` })
    }
    if (op.type === 'set') held.set(key, op.version)
    else held.delete(key)
  }
  for (const [node, held] of live) {
    for (const [key, l] of held) {
      if (overdue(l, h.checkedAt)) out.push({ check: 'expire-events', message: `${node}: ${key} = ${label(l)} expired with no expire event by ${h.checkedAt}` })
    }
  }
  return out
}

/**
 * No resurrection and monotonic reads: once a node has held a version of a key, it never again
 * shows an older one, except a non-expiring version arriving after the newer one's tombstone
 * was purged (the documented tombstone-grace limit).
 */
export function noResurrection (h: History): Violation[] {
  const out: Violation[] = []
  const floors = new Map<NodeId, Map<string, { v: Entry, how: string }>>()
  for (const op of h.ops) {
    let v: Entry | undefined
    let how = ''
    if (op.kind === 'write' || op.kind === 'apply') { v = op.version; how = op.kind }
    else if (op.kind === 'event') { v = op.version; how = `${op.type} event` }
    else if (op.kind === 'read') { v = op.value; how = 'read' }
    if (v === undefined || op.kind === 'fault') continue
    let f = floors.get(op.node)
    if (f === undefined) floors.set(op.node, f = new Map())
    const floor = f.get(v.key)
    if (floor !== undefined && compareVersionIds(v, floor.v) < 0) {
      const purged = floor.v.wall + h.retentionMs <= op.t + h.skewBoundMs
      if (!(purged && v.expiresAt === undefined)) {
        const check = floor.v.deleted || floor.how === 'expire event' ? 'no-resurrection' : 'monotonic-reads'
        out.push({ check, message: `${op.node}: ${how} of ${v.key} = ${label(v)} at ${op.t} after it held ${label(floor.v)} (${floor.how})` })
        continue
      }
    }
    if (floor === undefined || compareVersionIds(v, floor.v) > 0) f.set(v.key, { v, how })
    else if (how === 'expire event') floor.how = how
  }
  return out
}

/**
 * HLCs never go backward: a node (an origin, across the incarnations of a durable node) never
 * issues a timestamp at or below one it issued before, even after a restart with its clock set
 * back. Writes of one incarnation may be recorded out of clock order (a quorum claim is stamped,
 * then published when granted), so each incarnation's writes are compared with the earlier
 * incarnations' as a whole, and every timestamp must be unique.
 */
export function hlcMonotonic (h: History): Violation[] {
  const out: Violation[] = []
  const byOrigin = new Map<string, Map<NodeId, Entry[]>>()
  for (const op of h.ops) {
    if (op.kind !== 'write') continue
    let incs = byOrigin.get(op.version.origin)
    if (incs === undefined) byOrigin.set(op.version.origin, incs = new Map())
    let list = incs.get(op.node)
    if (list === undefined) incs.set(op.node, list = [])
    list.push(op.version)
  }
  for (const [origin, incs] of byOrigin) {
    let before: Entry | undefined
    let beforeNode = ''
    const seen = new Set<string>()
    for (const [node, writes] of incs) {
      let top: Entry | undefined
      for (const w of writes) {
        const id = `${w.wall}.${w.counter}`
        if (seen.has(id)) out.push({ check: 'hlc-monotonic', message: `${origin} issued ${id} twice (${node})` })
        seen.add(id)
        if (before !== undefined && compareTimestamps(w, before) <= 0) {
          out.push({ check: 'hlc-monotonic', message: `${node} issued ${label(w)}, not above ${label(before)} issued by ${beforeNode} before its restart` })
        }
        if (top === undefined || compareTimestamps(w, top) > 0) top = w
      }
      if (top !== undefined && (before === undefined || compareTimestamps(top, before) > 0)) { before = top; beforeNode = node }
    }
  }
  return out
}

/** Every check, by name. */
export const CHECKS: Record<string, Check> = {
  convergence,
  lww,
  expiry,
  'expire-events': expireEvents,
  'no-resurrection': noResurrection,
  'hlc-monotonic': hlcMonotonic
}

export function check (h: History, checks: Record<string, Check> = CHECKS): Violation[] {
  return Object.values(checks).flatMap(c => c(h))
}
