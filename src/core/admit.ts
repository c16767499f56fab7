/**
 * The admission rule for a gossip batch, pure so the product and the simulator share it: a peer
 * may only gossip its own writes, no entry may be dated beyond the drift bound, owned keys
 * need their owner's signature, and a lock claim's token must be its own clock (lease.ts). A batch that breaks any is refused whole (the network layer then
 * penalises its sender).
 */
import type { Entry } from './entry.js'
import { InvalidMessageError } from './errors.js'
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
      throw new InvalidMessageError('forged-claim', `entry ${JSON.stringify(e.key.slice(0, 200))} is no genuine lock state (claim or waiting marker): ${claim}`)
    }
    if (e.origin !== author) {
      throw new InvalidMessageError('origin-mismatch', `entry ${JSON.stringify(e.key)} names origin ${e.origin} but was published by ${author}`)
    }
    if (!hlc.withinDrift(e.wall)) {
      throw new InvalidMessageError('drift', `entry ${JSON.stringify(e.key)} is dated ${e.wall}, more than ${hlc.maxDriftMs} ms ahead of the local clock`)
    }
  }
}
