/**
 * Clocks that lie, in the simulator: what a run records about every node's clock (its true skew
 * against the mesh, and whether its offset estimate was established), and the checks over it.
 *
 * Truth is the simulator's: the mesh's time is the median of the nodes' clocks (crashed ones
 * too: their machines' clocks still tick), leaving out the one node a schedule makes lie or lag; a node is `honest` when its physical clock is within
 * maxDriftMs (less a margin) of it, `faulty` when beyond (plus a margin); its estimate is
 * `established` (and `corrected`) while it has an estimate: two connected peers heard within the
 * sample TTL, now or within the last sample TTL.
 */
import type { Entry } from '../src/core/entry.js'
import type { RejectReason } from '../src/core/errors.js'
import type { Check, Violation } from './checker.js'
import { label, type History } from './history.js'

/** How a node's clock stood when something happened to it. */
export interface ClockView {
  /** Its physical clock minus the median of the live nodes' (true, known to the simulator). */
  trueOffset: number
  /**
   * It has an estimate of the mesh's clock: two connected peers heard within the sample TTL, now
   * or within the last sample TTL (the product keeps its last estimate that long). It can then tell
   * it is skewed.
   */
  established: boolean
  /** It runs on corrected time (the same condition as `established`: one estimate serves both). */
  corrected: boolean
  /** It is the node whose clock the schedule makes jump beyond maxDriftMs (at some point of the run). */
  liar: boolean
}

export interface ClockRecord {
  /** A local write attempt: applied, or refused with ClockSkewError (`skew`: a majority says so; `ahead`: its HLC stamped that far ahead). */
  attempts: Array<ClockView & { t: number, node: string, result: 'ok' | 'skew' | 'ahead', version?: Entry }>
  /** A version a node applied from another (gossip or anti-entropy). */
  receipts: Array<ClockView & { t: number, node: string, version: Entry }>
  /** A version a node refused as dated beyond its drift horizon. */
  refusals: Array<ClockView & { t: number, node: string, version: Entry }>
  /** A gossip refusal that the product's validator would penalise the sender for. */
  penalties: Array<{ t: number, node: string, sender: string, senderOffset: number, reason: RejectReason }>
}

export interface ClockHistory {
  maxDriftMs: number
  /** How far two honest nodes' corrected clocks may differ (the spread of honest clocks plus estimation error). */
  toleranceMs: number
  /** Margin around maxDriftMs: offsets within it are neither clearly honest nor clearly faulty. */
  marginMs: number
  record: ClockRecord
}

export function emptyClockRecord (): ClockRecord {
  return { attempts: [], receipts: [], refusals: [], penalties: [] }
}

/** The median of some numbers (mean of the middle two for an even count). */
export function median (xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const n = s.length
  return n === 0 ? 0 : n % 2 === 1 ? s[n >> 1] : (s[n / 2 - 1] + s[n / 2]) / 2
}

/** Clearly within maxDriftMs of the mesh's clock. */
export const honest = (c: ClockHistory, v: ClockView): boolean => Math.abs(v.trueOffset) <= c.maxDriftMs - c.marginMs
/** Clearly beyond it. */
const faulty = (c: ClockHistory, v: ClockView): boolean => Math.abs(v.trueOffset) > c.maxDriftMs + c.marginMs

/**
 * Whether a write's lifetime elsewhere is checked (`clock-ttl`): a finite-TTL write by an honest
 * node on corrected time. The simulator records receipts only of those (they are the same objects
 * on every node: the simulated network passes entries, it does not copy them).
 */
export const ttlTracked = (c: ClockHistory, a: ClockView, e: Entry): boolean => e.expiresAt !== undefined && !e.tombstone && a.corrected && honest(c, a)

/**
 * The clock checks, given the run's clock history:
 * - `clock-skew-refused`: a node that knows it is skewed (established, beyond maxDriftMs) writes nothing.
 * - `clock-skew-false-alarm`: an established honest node never refuses a write for skew (refusals
 *   for an HLC that already stamped far ahead are the documented recovery, not a false alarm).
 * - `clock-honest-accepted`: a write a corrected honest node made is refused for drift by no
 *   corrected honest node.
 * - `clock-no-penalty`: no gossip refusal penalises an honest sender.
 * - `clock-ttl`: a write by a corrected honest node lives its TTL (less the tolerance) on every
 *   corrected honest node it reaches in time: it arrives alive and does not expire early.
 */
export function clockChecks (clock: () => ClockHistory | undefined): Record<string, Check> {
  const run = (fn: (c: ClockHistory, h: History) => Violation[]): Check => (h: History) => {
    const c = clock()
    return c === undefined ? [] : fn(c, h)
  }
  return {
    'clock-skew-refused': run(c => c.record.attempts
      .filter(a => a.result === 'ok' && a.established && faulty(c, a))
      .map(a => ({ check: 'clock-skew-refused', message: `${a.node} wrote ${label(a.version)} at ${a.t.toFixed(0)} with its clock ${a.trueOffset.toFixed(0)} ms off the mesh's, beyond maxDriftMs = ${c.maxDriftMs}` }))),
    'clock-skew-false-alarm': run(c => c.record.attempts
      .filter(a => a.result === 'skew' && a.established && honest(c, a))
      .map(a => ({ check: 'clock-skew-false-alarm', message: `${a.node} refused a write at ${a.t.toFixed(0)} as skewed with its clock only ${a.trueOffset.toFixed(0)} ms off the mesh's` }))),
    'clock-honest-accepted': run(c => {
      const writes = new Map<Entry, ClockView>()
      for (const a of c.record.attempts) if (a.version !== undefined && a.corrected && honest(c, a)) writes.set(a.version, a)
      return c.record.refusals
        .filter(r => r.corrected && honest(c, r) && writes.has(r.version))
        .map(r => ({ check: 'clock-honest-accepted', message: `${r.node} (clock ${r.trueOffset.toFixed(0)} ms off) refused ${label(r.version)} at ${r.t.toFixed(0)} for drift, written by honest ${r.version.origin} (clock ${writes.get(r.version)?.trueOffset.toFixed(0)} ms off)` }))
    }),
    'clock-no-penalty': run(c => c.record.penalties
      .filter(p => Math.abs(p.senderOffset) <= c.maxDriftMs - c.marginMs)
      .map(p => ({ check: 'clock-no-penalty', message: `${p.node} penalised honest ${p.sender} (clock ${p.senderOffset.toFixed(0)} ms off) at ${p.t.toFixed(0)} for ${p.reason}` }))),
    'clock-ttl': run((c, h) => {
      const out: Violation[] = []
      const writes = new Map<Entry, ClockRecord['attempts'][number]>()
      for (const a of c.record.attempts) if (a.version !== undefined && ttlTracked(c, a, a.version)) writes.set(a.version, a)
      // each node's set and expire events for those versions, from the history
      const sets = new Map<string, Set<Entry>>()
      const expires = new Map<string, Map<Entry, number>>()
      for (const op of h.ops) {
        if (op.kind !== 'event' || !writes.has(op.version)) continue
        if (op.type === 'set') {
          let s = sets.get(op.node)
          if (s === undefined) sets.set(op.node, s = new Set())
          s.add(op.version)
        } else if (op.type === 'expire') {
          let m = expires.get(op.node)
          if (m === undefined) expires.set(op.node, m = new Map())
          if (!m.has(op.version)) m.set(op.version, op.t)
        }
      }
      for (const r of c.record.receipts) {
        const w = writes.get(r.version)
        // the receiver must stay honest until the expiry: a clock that will lie is left out
        if (w === undefined || !r.corrected || !honest(c, r) || r.liar || r.node === w.node) continue
        const e = r.version
        const ttl = (e.expiresAt as number) - e.wall
        const due = w.t + ttl - c.toleranceMs // it must live on r at least until then
        if (r.t >= due) continue // arrived late: no promise
        if (sets.get(r.node)?.has(e) !== true) {
          out.push({ check: 'clock-ttl', message: `${r.node} received ${label(e)} (ttl ${ttl} ms, written by ${w.node} at ${w.t.toFixed(0)}) at ${r.t.toFixed(0)} already expired` })
          continue
        }
        const expired = expires.get(r.node)?.get(e)
        if (expired !== undefined && expired < due) {
          out.push({ check: 'clock-ttl', message: `${r.node}: ${label(e)} (ttl ${ttl} ms, written by ${w.node} at ${w.t.toFixed(0)}) expired at ${expired.toFixed(0)}, ${(w.t + ttl - expired).toFixed(0)} ms early` })
        }
      }
      return out
    })
  }
}

