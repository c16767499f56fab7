/**
 * The admission rule for a gossip batch, pure so the product and the simulator share it: a peer
 * may only gossip its own writes, no entry may be dated beyond the drift bound, owned keys
 * need their owner's signature, and a lock claim's token must be its own clock (lease.ts). A
 * batch that breaks any is refused whole. The network layer penalises the sender of a forged or
 * misattributed batch, never of a drift refusal (see {@link penalises}).
 */
import type { Entry } from './entry.js'
import { InvalidMessageError, type RejectReason } from './errors.js'
import type { Hlc } from './hlc.js'
import { forgedReserved } from './reserved.js'
import { verifyOwnership, type Verifier } from './signed.js'

/**
 * Throws InvalidMessageError (`origin-mismatch`, `drift`, `forged` or `forged-claim`) unless every
 * entry may be admitted. Entries under `@<peer>/` must carry that peer's valid signature.
 */
export function admitBatch (entries: readonly Entry[], author: string, hlc: Hlc, verify?: Verifier): void {
  for (const e of entries) {
    if (!verifyOwnership(e, verify)) {
      throw new InvalidMessageError('forged', `entry ${JSON.stringify(e.key)} is under another peer's namespace without its valid signature`)
    }
    const claim = forgedReserved(e)
    if (claim !== undefined) {
      throw new InvalidMessageError('forged-claim', `entry ${JSON.stringify(e.key.slice(0, 200))} is no genuine meshkv state (lock claim, waiting marker, counter or set): ${claim}`)
    }
    if (e.origin !== author) {
      throw new InvalidMessageError('origin-mismatch', `entry ${JSON.stringify(e.key)} names origin ${e.origin} but was published by ${author}`)
    }
  }
  // after the checks that prove misbehaviour, so that a forged batch is never excused as drift
  for (const e of entries) {
    if (!hlc.withinDrift(e.wall)) {
      throw new InvalidMessageError('drift', `entry ${JSON.stringify(e.key)} is dated ${e.wall}, more than ${hlc.maxDriftMs} ms ahead of the local clock`)
    }
  }
}

/**
 * Whether a refusal should count against the sender's gossip score. A drift refusal does not: it
 * says that two clocks disagree, not which one is wrong, and when it is the receiver's clock that
 * lags, penalising would graylist every honest peer. It is counted and the batch dropped.
 */
export function penalises (reason: RejectReason): boolean {
  return reason !== 'drift'
}
