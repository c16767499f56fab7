/**
 * What one node knows of one lock: its claims and holder (the fold, core/lease.ts) and its waiting
 * line. A waiter's place is a marker, `@meshkv/wait/<name>/<token>/<owner>`, whose HLC token orders
 * the line (core/lock-client.ts writes, rewrites and deletes them).
 */
import type { Entry } from './entry.js'
import { parseTimestamp, type Timestamp } from './hlc.js'
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

/** The live waiters of a lock, oldest first. */
export function waitersOf (reader: LockReader, name: string, now: number): Waiter[] {
  const prefix = waitPrefix(name)
  const out: Waiter[] = []
  for (const e of reader.versionsWithPrefix(prefix)) {
    if (!e.isLive(now) || e.expiresAt === undefined) continue
    const parts = e.key.slice(prefix.length).split('/')
    if (parts.length !== 2 || parseTimestamp(parts[0]) === undefined) continue
    let owner: string
    try {
      owner = decodeURIComponent(parts[1])
    } catch {
      continue
    }
    out.push({ token: parts[0], owner, expiresAt: e.expiresAt })
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
