/**
 * Anti-entropy planning, pure: which versions to send and which keys to ask for, given the
 * differing digest buckets and the other side's versions there. The network protocol
 * (net/sync.ts) and the simulator both drive these functions.
 */
import type { Entry } from './entry.js'
import { compareVersionIds } from './merge.js'
import type { Store } from './store.js'

/** Responder, step 1: the buckets that differ from the initiator's digest, and our versions in them. */
export function summarize (store: Store, remoteBuckets: Uint32Array): { diff: number[], versions: Entry[] } {
  const diff = store.digest.diff(remoteBuckets)
  return { diff, versions: store.versionsInBuckets(diff) }
}

/**
 * Initiator, step 2: from the responder's versions in the differing buckets, what to push (ours
 * are newer or theirs are missing) and which keys to want (theirs are newer or ours are missing).
 */
export function plan (store: Store, diff: readonly number[], remote: readonly Entry[]): { push: Entry[], want: string[] } {
  const theirs = new Map<string, Entry>()
  for (const r of remote) theirs.set(r.key, r)
  const push: Entry[] = []
  const want: string[] = []
  for (const mine of store.versionsInBuckets(diff)) {
    const r = theirs.get(mine.key)
    if (r === undefined) {
      push.push(mine)
      continue
    }
    theirs.delete(mine.key)
    const c = compareVersionIds(mine, r)
    if (c > 0) push.push(mine)
    else if (c < 0) want.push(mine.key)
  }
  for (const key of theirs.keys()) want.push(key)
  return { push, want }
}

/** Responder, step 3: the versions held for the wanted keys. */
export function lookup (store: Store, keys: readonly string[]): Entry[] {
  const out: Entry[] = []
  for (const k of keys) {
    const e = store.version(k)
    if (e !== undefined) out.push(e)
  }
  return out
}
