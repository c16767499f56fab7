/**
 * Anti-entropy planning, pure: which versions to send and which keys to ask for, given the
 * differing digest buckets and the other side's versions there. The network protocol
 * (net/sync.ts) and the simulator both drive these functions.
 *
 * Every phase of a round is bounded in bytes (`budget`, measured by {@link wireSize}): what does
 * not fit is left for the next round, and the result says so (`more`). A side at capacity is not
 * offered keys it does not hold (`peerFull`, `selfFull`): it could only drop them.
 */
import { bucketOf } from './digest.js'
import type { Entry } from './entry.js'
import { compareVersionIds } from './merge.js'
import type { Store } from './store.js'

/** Bytes one version counts against a phase's budget (about its encoded size); without its value in a summary. */
export function wireSize (e: Entry, withValue = true): number {
  return e.key.length * 3 + (withValue ? e.valueBytes : 0) + 64
}

/** Bytes one wanted key counts against a phase's budget. */
export function wantSize (key: string): number {
  return key.length * 3 + 8
}

/**
 * Responder, step 1: the buckets that differ from the initiator's digest, and our versions in
 * them, whole buckets at a time within `budget` bytes (the first bucket is cut if it alone is
 * larger); `more` when buckets were left for the next round.
 *
 * With `whole`, the versions of a differing bucket the initiator holds nothing in (its two hash
 * lanes are 0: an empty bucket, or with probability 2^-64 versions that cancel out) go in `whole`
 * with their values, measured with them: the initiator merges them at once instead of asking for
 * each key (a fresh node's round then carries each version once, not three times).
 */
export function summarize (store: Store, remoteBuckets: Uint32Array, budget = Infinity, options: { whole?: boolean } = {}): { diff: number[], versions: Entry[], whole: Entry[], more: boolean } {
  const all = store.digest.diff(remoteBuckets)
  const whole: Entry[] = []
  if (all.length === 0) return { diff: all, versions: [], whole, more: false }
  const byBucket = new Map<number, Entry[]>()
  for (const b of all) byBucket.set(b, [])
  const n = store.digest.bucketCount
  // one pass, one hash a version (versionsInBuckets would hash each again to group it)
  for (const e of store.versions()) byBucket.get(bucketOf(e.key, n))?.push(e)
  const diff: number[] = []
  const versions: Entry[] = []
  let bytes = 0
  for (const b of all) {
    const group = byBucket.get(b) ?? []
    const full = options.whole === true && remoteBuckets.length === 2 * n && remoteBuckets[2 * b] === 0 && remoteBuckets[2 * b + 1] === 0
    const out = full ? whole : versions
    const size = group.reduce((sum, e) => sum + wireSize(e, full), 0)
    if (diff.length > 0 && bytes + size > budget) return { diff, versions, whole, more: true }
    diff.push(b)
    if (bytes + size <= budget) {
      for (const e of group) out.push(e)
      bytes += size
      continue
    }
    // the first bucket alone is over the budget: send what fits of it
    const { taken } = within(group, budget, e => wireSize(e, full))
    for (const e of taken) out.push(e)
    return { diff, versions, whole, more: true }
  }
  return { diff, versions, whole, more: false }
}

export interface PlanOptions {
  /** The responder is at capacity: push only versions of keys it holds. */
  peerFull?: boolean
  /** This store is at capacity: want only newer versions of keys it holds. */
  selfFull?: boolean
}

/**
 * Initiator, step 2: from the responder's versions in the differing buckets, what to push (ours
 * are newer or theirs are missing) and which keys to want (theirs are newer or ours are missing).
 */
export function plan (store: Store, diff: readonly number[], remote: readonly Entry[], options: PlanOptions = {}): { push: Entry[], want: string[] } {
  const theirs = new Map<string, Entry>()
  for (const r of remote) theirs.set(r.key, r)
  const push: Entry[] = []
  const want: string[] = []
  for (const mine of store.versionsInBuckets(diff)) {
    const r = theirs.get(mine.key)
    if (r === undefined) {
      if (options.peerFull !== true) push.push(mine)
      continue
    }
    theirs.delete(mine.key)
    const c = compareVersionIds(mine, r)
    if (c > 0) push.push(mine)
    else if (c < 0) want.push(mine.key)
  }
  if (options.selfFull !== true) for (const key of theirs.keys()) want.push(key)
  return { push, want }
}

/** Responder, step 3: the versions held for the wanted keys, within `budget` bytes; `more` when some were left out. */
export function lookup (store: Store, keys: readonly string[], budget = Infinity): { entries: Entry[], more: boolean } {
  const held: Entry[] = []
  for (const k of keys) {
    const e = store.version(k)
    if (e !== undefined) held.push(e)
  }
  const { taken, more } = within(held, budget, e => wireSize(e))
  return { entries: taken, more }
}

/** The longest prefix of `items` whose sizes sum to at most `budget` (at least one item); `more` when some were left. */
export function within<T> (items: readonly T[], budget: number, size: (item: T) => number): { taken: T[], more: boolean } {
  let bytes = 0
  for (let i = 0; i < items.length; i++) {
    bytes += size(items[i])
    if (bytes > budget && i > 0) return { taken: items.slice(0, i), more: true }
  }
  return { taken: items as T[], more: false }
}
