/**
 * Last-writer-wins merge. For one key the version with the greatest HLC wins, whatever the
 * arrival order: `merge` is commutative, associative and idempotent because it picks the maximum
 * of a total order.
 */
import type { Entry } from './entry.js'

/**
 * Order of versions by identity: HLC (wall, counter, origin), then, for the same HLC (only
 * possible when a node reissues a timestamp, e.g. after a restart with its clock set back), a
 * delete over a write and a later expiry over an earlier one. Values are not compared: this is
 * the order sync summaries (which travel without values) and the digest agree on.
 */
export function compareVersionIds (a: Entry, b: Entry): number {
  if (a.wall !== b.wall) return a.wall < b.wall ? -1 : 1
  if (a.counter !== b.counter) return a.counter < b.counter ? -1 : 1
  if (a.origin !== b.origin) return a.origin < b.origin ? -1 : 1
  if (a.deleted !== b.deleted) return a.deleted ? 1 : -1
  const ea = a.expiresAt ?? Infinity
  const eb = b.expiresAt ?? Infinity
  return ea === eb ? 0 : ea < eb ? -1 : 1
}

/** Total order over versions of one key: identity, then the value bytes as the last tie-break. */
export function compareVersions (a: Entry, b: Entry): number {
  return compareVersionIds(a, b) || Buffer.compare(a.value, b.value)
}

/** The winner of two versions of one key. */
export function merge (a: Entry, b: Entry): Entry {
  return compareVersions(a, b) >= 0 ? a : b
}
