/**
 * Counters of what crossed the network and what was refused. Plain numbers: cheap to bump on the
 * hot path, read by `mesh.stats()` and exported by the surfaces.
 */
import type { RejectReason } from '../core/errors.js'

export interface NetCounters {
  /** Gossip messages received (valid or not). */
  messagesIn: number
  /** Gossip messages published. */
  messagesOut: number
  /** Entries received by gossip. */
  entriesIn: number
  /** Entries published by gossip. */
  entriesOut: number
  /** Gossip publishes that failed (the entries are left to anti-entropy). */
  publishErrors: number
  /** Gossip batches not published because direct pushes covered every node (a small clique: net/neighbourhood.ts). */
  directOnly: number
  /** Network inputs refused, by reason. */
  rejected: Record<RejectReason, number>
  /** Anti-entropy rounds. */
  syncs: {
    initiated: number
    served: number
    failed: number
    /** Rounds whose digests already matched. */
    inSync: number
    entriesSent: number
    entriesReceived: number
    /** Rounds that found this node or the peer at capacity with their states differing (each starts or doubles the pair's back-off). */
    full: number
    /** Rounds not run because the pair was backing off from a full side. */
    backedOff: number
    /** Rounds that left versions for the next round to keep a phase within its byte budget. */
    partial: number
  }
}

export function createCounters (): NetCounters {
  return {
    messagesIn: 0,
    messagesOut: 0,
    entriesIn: 0,
    entriesOut: 0,
    publishErrors: 0,
    directOnly: 0,
    rejected: { malformed: 0, oversized: 0, version: 0, drift: 0, 'invalid-entry': 0, 'origin-mismatch': 0, forged: 0, 'forged-claim': 0, 'rate-limited': 0 },
    syncs: { initiated: 0, served: 0, failed: 0, inSync: 0, entriesSent: 0, entriesReceived: 0, full: 0, backedOff: 0, partial: 0 }
  }
}
