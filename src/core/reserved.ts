/**
 * The arrival check for meshkv's own keys (`@meshkv/…`, shared/DESIGN.md §4): no public write path
 * sets them, and every node checks the lock state it receives, by gossip or anti-entropy, so a
 * peer that bypasses the API cannot forge it. Pure; the store and gossip admission share it.
 */
import type { Entry } from './entry.js'
import { compareTimestamps, parseTimestamp } from './hlc.js'
import { COUNTER_PREFIX, LEASE_PREFIX, LOG_PREFIX, QUEUE_PREFIX, SET_PREFIX, WAIT_PREFIX } from './keys.js'
import { forgedClaim } from './lease.js'
import { forgedWaiter } from './lock-view.js'
import { forgedMember } from './or-set.js'
import { forgedCounter } from './pn-counter.js'

/**
 * Why a version under `@meshkv/` could not have been written by meshkv: a lock claim or a waiting
 * marker whose token is not its own clock (or that breaks its shape), a log record or queue item
 * whose position is not its own clock, a counter or set key written by another node than the one
 * it names or whose value is not one meshkv writes; undefined when it could.
 * Drops and inboxes hold opaque ciphertext and are not checked here (their readers authenticate it).
 */
export function forgedReserved (e: Entry): string | undefined {
  if (e.key.startsWith(LEASE_PREFIX)) return forgedClaim(e)
  if (e.key.startsWith(WAIT_PREFIX)) return forgedWaiter(e)
  if (e.key.startsWith(LOG_PREFIX)) return forgedStamped(e, 2)
  if (e.key.startsWith(QUEUE_PREFIX)) return queueItem(e.key) ? forgedStamped(e, 3) : undefined
  if (e.key.startsWith(COUNTER_PREFIX)) return forgedCounter(e)
  if (e.key.startsWith(SET_PREFIX)) return forgedMember(e)
  return undefined
}

/** `@meshkv/queue/<name>/i/<id>`: an item (its id is stamped); claims `…/c/<id>` are not. */
function queueItem (key: string): boolean {
  const parts = key.slice(QUEUE_PREFIX.length).split('/')
  return parts.length !== 3 || parts[1] === 'i'
}

/**
 * A log record or queue item is written at its own clock: its last key segment (`segments` after
 * the prefix, the last one the position) is that version's HLC; a delete of it (clear, ack) is
 * written later, by any node. So nobody can slip a record into a log's past.
 */
function forgedStamped (e: Entry, segments: number): string | undefined {
  const parts = e.key.slice(e.key.indexOf('/', 1) + 1).split('/').slice(1)
  if (parts.length !== segments) return `a record key has ${segments} segments after its prefix, got ${parts.length}`
  const position = parts[parts.length - 1]
  const t = parseTimestamp(position)
  if (t === undefined) return `its position ${JSON.stringify(position.slice(0, 80))} is not an HLC timestamp`
  if (e.deleted) return compareTimestamps(t, e) > 0 ? `its position ${position} is later than its delete's clock ${e.hlc}` : undefined
  return t.wall === e.wall && t.counter === e.counter && t.node === e.origin ? undefined : `its position ${position} is not its own clock ${e.hlc}`
}
