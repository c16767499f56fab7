/**
 * Whether this node may stamp local writes now: not when a majority of the mesh puts its clock
 * beyond maxDriftMs (`skewed`), nor when its HLC already runs too far ahead of the mesh's time
 * (`ahead`): peers would refuse what it stamps.
 */
import type { ClockOffsets } from './clock-offset.js'
import { ClockSkewError } from './errors.js'
import type { Hlc } from './hlc.js'

/** A node stamps at most this share of maxDriftMs ahead of the mesh's time (see checkClock). */
const AHEAD_LIMIT = 0.9

/** Why local writes are refused now (see {@link checkClock}), or undefined when they are not. */
export function clockRefusal (hlc: Hlc, offsets: ClockOffsets): 'skewed' | 'ahead' | undefined {
  if (offsets.skew() !== undefined) return 'skewed'
  return hlc.peek().wall - hlc.physical() > hlc.maxDriftMs * AHEAD_LIMIT ? 'ahead' : undefined
}

/**
 * Throws ClockSkewError when what this node would stamp now is something its peers refuse: a
 * majority of them put its clock more than maxDriftMs away, or its HLC already runs more than
 * 90 % of maxDriftMs ahead of the mesh's time (it stamped while its clock ran ahead; writes
 * resume once the mesh's time has caught up; the 10 % spare keeps its stamps acceptable to peers
 * whose clocks run a little behind its own).
 */
export function checkClock (hlc: Hlc, offsets: ClockOffsets): void {
  const refusal = clockRefusal(hlc, offsets)
  if (refusal === undefined) return
  const max = hlc.maxDriftMs
  const limit = max * AHEAD_LIMIT
  const ahead = hlc.peek().wall - hlc.physical()
  const skew = offsets.skew()
  if (refusal === 'skewed' && skew !== undefined) {
    throw new ClockSkewError(`this node's clock is ${Math.round(Math.abs(skew))} ms ${skew > 0 ? 'ahead of' : 'behind'} the mesh's (a majority of itself and its peers agree); writes are refused beyond maxDriftMs = ${max} ms: fix this clock (NTP)`, { offsetMs: skew, aheadMs: Math.max(0, ahead) })
  }
  throw new ClockSkewError(`this node has issued timestamps up to ${new Date(hlc.peek().wall).toISOString()}, ${Math.round(ahead)} ms ahead of the mesh's time (its clock ran ahead and was set back); peers refuse timestamps more than maxDriftMs = ${max} ms ahead, so writes resume in ${Math.ceil(ahead - limit)} ms (when it is within ${limit} ms)`, { offsetMs: offsets.offsetMs(), aheadMs: ahead })
}
