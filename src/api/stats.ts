/**
 * `mesh.stats()`: the store's and the network's counters in one object.
 */
import type { Acceptor } from '../core/acceptor.js'
import type { Store } from '../core/store.js'
import type { NetCounters } from '../net/metrics.js'
import type { DeliveryCounters } from '../net/delivery.js'
import type { MeshNode } from '../net/node.js'
import type { PushCounters } from '../net/push.js'

export interface MeshStats {
  /** Live entries. */
  entries: number
  /** Deleted or expired keys kept to stop older versions coming back. */
  tombstones: number
  /** Bytes counted against maxBytes: key characters + value bytes + 64 per version held, tombstones included. */
  bytes: number
  /** Peers connected in this mesh. */
  peers: number
  /** Root of the state digest: equal on two converged nodes. */
  digest: string
  messagesIn: number
  messagesOut: number
  entriesIn: number
  entriesOut: number
  publishErrors: number
  /** Network inputs refused, by reason, and their total. */
  rejected: NetCounters['rejected'] & { total: number }
  syncs: NetCounters['syncs']
  /**
   * Remote versions applied, stale, refused for drift, dropped at capacity, refused as forged
   * (an owned key without its owner's signature; a lock claim whose token is not its own clock).
   */
  merges: { applied: number, stale: number, drift: number, full: number, forged: number, forgedClaims: number }
  expired: number
  purged: number
  /** Possible resurrections: see docs/semantics.md, "Tombstone grace". */
  lateArrivals: number
  /** Watches open now, and those ended because their consumer fell too far behind (WatchOverflowError). */
  watches: { active: number, overflowed: number }
  /**
   * Local writes no peer has confirmed holding yet (the latest write per key; a write made with
   * no peer connected stays here until one connects and takes it).
   */
  undelivered: number
  /** The push protocol (direct delivery with acks) and the delivery ledger: see docs/api.md. */
  replication: PushCounters & DeliveryCounters
  /**
   * This node's quorum-mode acceptor: locks it keeps state for (at most `maxLocks`), acquisitions
   * of new lock names refused while full, locks forgotten after their grants ended, and until
   * when it grants nothing after a restart (epoch ms; absent when it grants now).
   */
  acceptor: { locks: number, maxLocks: number, full: number, forgotten: number, recoveringUntil?: number }
}

export function statsOf (store: Store, node: MeshNode, watches: MeshStats['watches']): MeshStats {
  const c = node.counters
  const m = store.counters
  const rejected = c.rejected
  return {
    ...store.stats(),
    peers: node.meshPeers().length,
    digest: store.digest.root(),
    messagesIn: c.messagesIn,
    messagesOut: c.messagesOut,
    entriesIn: c.entriesIn,
    entriesOut: c.entriesOut,
    publishErrors: c.publishErrors,
    rejected: { ...rejected, total: Object.values(rejected).reduce((a, b) => a + b, 0) },
    syncs: { ...c.syncs },
    merges: { applied: m.applied, stale: m.stale, drift: m.drift, full: m.full, forged: m.forged, forgedClaims: m.forgedClaims },
    expired: m.expired,
    purged: m.purged,
    lateArrivals: m.lateArrivals,
    watches,
    undelivered: node.delivery.undelivered,
    replication: { ...node.pushCounters, ...node.delivery.counters },
    acceptor: acceptorStats(node.acceptor, store.now())
  }
}

function acceptorStats (a: Acceptor, now: number): MeshStats['acceptor'] {
  const out: MeshStats['acceptor'] = { locks: a.size, maxLocks: a.maxLocks, full: a.counters.full, forgotten: a.counters.forgotten }
  if (a.recoverUntil > now) out.recoveringUntil = a.recoverUntil
  return out
}
