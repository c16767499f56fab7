/**
 * The arrival check for meshkv's own keys (`@meshkv/…`, shared/DESIGN.md §4): no public write path
 * sets them, and every node checks the lock state it receives, by gossip or anti-entropy, so a
 * peer that bypasses the API cannot forge it. Pure; the store and gossip admission share it.
 */
import type { Entry } from './entry.js'
import { LEASE_PREFIX, WAIT_PREFIX } from './keys.js'
import { forgedClaim } from './lease.js'
import { forgedWaiter } from './lock-view.js'

/**
 * Why a version under `@meshkv/` could not have been written by meshkv: a lock claim or a waiting
 * marker whose token is not its own clock (or that breaks its shape); undefined when it could.
 * Drops and inboxes hold opaque ciphertext and are not checked here (their readers authenticate it).
 */
export function forgedReserved (e: Entry): string | undefined {
  if (e.key.startsWith(LEASE_PREFIX)) return forgedClaim(e)
  if (e.key.startsWith(WAIT_PREFIX)) return forgedWaiter(e)
  return undefined
}
