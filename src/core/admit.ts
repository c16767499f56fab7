/**
 * The admission rule for a gossip batch, pure so the product and the simulator share it: a peer
 * may only gossip its own writes, and no entry may be dated beyond the drift bound. A batch that
 * breaks either is refused whole (the network layer then penalises its sender).
 */
import type { Entry } from './entry.js'
import { InvalidMessageError } from './errors.js'
import type { Hlc } from './hlc.js'

/** Throws InvalidMessageError (`origin-mismatch` or `drift`) unless every entry may be admitted. */
export function admitBatch (entries: readonly Entry[], author: string, hlc: Hlc): void {
  for (const e of entries) {
    if (e.origin !== author) {
      throw new InvalidMessageError('origin-mismatch', `entry ${JSON.stringify(e.key)} names origin ${e.origin} but was published by ${author}`)
    }
    if (!hlc.withinDrift(e.wall)) {
      throw new InvalidMessageError('drift', `entry ${JSON.stringify(e.key)} is dated ${e.wall}, more than ${hlc.maxDriftMs} ms ahead of the local clock`)
    }
  }
}
