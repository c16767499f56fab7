/**
 * What one node knows of one lock: its claims and holder (the fold, core/lease.ts) and its waiting
 * line. A waiter's place is a marker, `@meshkv/wait/<name>/<token>/<owner>`, whose HLC token orders
 * the line (core/lock-client.ts writes, rewrites and deletes them).
 */
import type { Entry } from './entry.js'
import { compareTimestamps, parseTimestamp, type Timestamp } from './hlc.js'
import { WAIT_PREFIX } from './keys.js'
import { claimOf, holderAt, lockPrefix, type Claim } from './lease.js'

/** What the client reads: the store's clock, HLC and versions (a `Store` is one). */
export interface LockReader {
  now: () => number
  readonly hlc: { now: () => Timestamp }
  versionsWithPrefix: (prefix: string) => Iterable<Entry>
}

export function waitPrefix (name: string): string {
  return `${WAIT_PREFIX}${encodeURIComponent(name)}/`
}

export function waitKey (name: string, token: string, owner: string): string {
  return `${waitPrefix(name)}${token}/${encodeURIComponent(owner)}`
}

/** A live waiting marker. */
export interface Waiter {
  token: string
  owner: string
  expiresAt: number
}

/**
 * The longest a waiting marker may live past its write (lock clients write them with a few
 * seconds' TTL and rewrite them while they wait). A longer one was not written by meshkv.
 */
export const MAX_WAIT_TTL_MS = 30_000

/**
 * Why a version under `@meshkv/wait/` is not a waiting marker meshkv could have written (as for
 * lock claims, core/lease.ts: its token must be its own first stamp, written by the node it names
 * unless it is a withdrawal; and it lives at most MAX_WAIT_TTL_MS past each write, so a forged
 * place at the head of the line cannot hold the lock up for long); undefined for a genuine one or
 * any other key.
 */
export function forgedWaiter (e: Entry): string | undefined {
  if (!e.key.startsWith(WAIT_PREFIX)) return undefined
  const parts = e.key.slice(WAIT_PREFIX.length).split('/')
  if (parts.length !== 3) return 'a waiting marker\'s key is <name>/<token>/<owner>'
  const t = parseTimestamp(parts[1])
  if (t === undefined) return `its token ${JSON.stringify(parts[1].slice(0, 80))} is not an HLC timestamp`
  if (compareTimestamps(t, e) > 0) return `its token ${parts[1]} is later than its own clock ${e.hlc}`
  if (e.deleted) return undefined
  if (t.node !== e.origin) return `its token names node ${t.node} but it was written by ${e.origin}`
  if (e.expiresAt === undefined || e.expiresAt - e.wall > MAX_WAIT_TTL_MS) return `it lives longer than a waiting marker may (${MAX_WAIT_TTL_MS} ms past its write)`
  return undefined
}

/** Places read from marker versions (immutable), by entry: the line is read on every change to a lock. */
const places = new WeakMap<Entry, Waiter | null>()

/** A waiting marker's place and owner; undefined when the key is not a well-formed, genuine marker. */
function placeOf (e: Entry): Waiter | undefined {
  let w = places.get(e)
  if (w === undefined) places.set(e, w = parsePlace(e) ?? null)
  return w ?? undefined
}

function parsePlace (e: Entry): Waiter | undefined {
  if (!e.key.startsWith(WAIT_PREFIX) || e.expiresAt === undefined || forgedWaiter(e) !== undefined) return undefined
  const parts = e.key.slice(WAIT_PREFIX.length).split('/')
  try {
    return { token: parts[1], owner: decodeURIComponent(parts[2]), expiresAt: e.expiresAt }
  } catch {
    return undefined
  }
}

/** The live waiters of a lock, oldest first. Forged markers (forgedWaiter) do not count. */
export function waitersOf (reader: LockReader, name: string, now: number): Waiter[] {
  const out: Waiter[] = []
  for (const e of reader.versionsWithPrefix(waitPrefix(name))) {
    if (!e.isLive(now)) continue
    const w = placeOf(e)
    if (w !== undefined) out.push(w)
  }
  return out.sort((a, b) => a.token < b.token ? -1 : a.token > b.token ? 1 : 0)
}

/** Every claim of one lock this node knows, released or not. */
export function claimsOf (reader: LockReader, name: string): Claim[] {
  const claims: Claim[] = []
  for (const e of reader.versionsWithPrefix(lockPrefix(name))) {
    const c = claimOf(e)
    if (c !== undefined && c.name === name) claims.push(c)
  }
  return claims
}

/** The accepted claim holding `name` now, if any. */
export function lockHolder (reader: LockReader, name: string): Claim | undefined {
  return holderAt(claimsOf(reader, name), reader.now())
}
