/**
 * Lease registers (shared/DESIGN.md §5). A lock's state is a deterministic fold over its claims
 * sorted by HLC: a claim is accepted if no accepted claim of a different owner is live at the
 * claim's time. The accepted claim's HLC is its fencing token, so tokens strictly increase.
 *
 * Each acquisition is one ordinary entry, `@meshkv/lease/<name>/<token>/<owner>/<mode>`: it replicates
 * by gossip and anti-entropy like any write. Renewing rewrites that entry with a new TTL (the
 * holder is its only writer); releasing deletes it. The key keeps the token and owner, so a claim
 * still counts after it expired or was released: its interval [token time, end) stays known.
 *
 * Mode `g` (gossip) claims go through the fold's conflict rule. Mode `q` (quorum) claims were
 * granted by a majority of acceptors before they were written, so the fold accepts them as they
 * are; they only publish the holder to the whole mesh.
 *
 * A claim's token must be its entry's own clock: the first write of a claim is stamped with the
 * token itself, and a renewal or release rewrites it later. So a version whose token is later than
 * its own HLC, or (unless it is a release) names another node than its origin, was not written by
 * meshkv: it is no claim (the fold ignores it, and every node refuses it on arrival). A forged
 * token can then be no later than its writer's clock, which the drift bound keeps near now.
 */
import type { Entry } from './entry.js'
import { InvalidKeyError } from './errors.js'
import { compareTimestamps, parseTimestamp } from './hlc.js'
import { LEASE_PREFIX } from './keys.js'

export type LeaseMode = 'gossip' | 'quorum'

/** One acquisition of a lock, read from its claim entry. */
export interface Claim {
  name: string
  mode: LeaseMode
  /** The claim's HLC at acquisition: the fencing token. Sorts in HLC order. */
  token: string
  /** Wall time of the token. */
  at: number
  owner: string
  /** When the claim stops holding: its expiry, or the time of its release. */
  end: number
  released: boolean
}

/** The state of one lock. */
export type LockStatus =
  | { held: true, owner: string, token: string, expiresAt: number, since: number }
  | { held: false }

/** Prefix of every claim of one lock. */
export function lockPrefix (name: string): string {
  return `${LEASE_PREFIX}${encodeURIComponent(name)}/`
}

export function claimKey (name: string, token: string, owner: string, mode: LeaseMode): string {
  return `${lockPrefix(name)}${token}/${encodeURIComponent(owner)}/${mode === 'quorum' ? 'q' : 'g'}`
}

/** Checks a lock (or group) name or owner: a non-empty string of at most 256 characters. */
export function checkLeaseName (what: 'lock name' | 'owner' | 'group' | 'id', value: unknown): asserts value is string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 256 || !value.isWellFormed()) {
    throw new InvalidKeyError(`${what} must be a non-empty string of at most 256 characters, got ${JSON.stringify(value)}`)
  }
}

/** Claims already read, by entry (entries are immutable): the fold runs on every change to a lock. */
const parsed = new WeakMap<Entry, Claim | string>()

/** Reads a claim from one version of its entry; undefined when the key is not a well-formed, genuine claim. */
export function claimOf (e: Entry): Claim | undefined {
  const c = readClaim(e)
  return typeof c === 'string' ? undefined : c
}

/**
 * Why a version under `@meshkv/lease/` is not a claim meshkv could have written (malformed key,
 * no expiry, or a token that is not its own clock); undefined for a genuine claim or any other key.
 */
export function forgedClaim (e: Entry): string | undefined {
  if (!e.key.startsWith(LEASE_PREFIX)) return undefined
  const c = readClaim(e)
  return typeof c === 'string' ? c : undefined
}

function readClaim (e: Entry): Claim | string {
  let c = parsed.get(e)
  if (c === undefined) parsed.set(e, c = parseClaim(e))
  return c
}

function parseClaim (e: Entry): Claim | string {
  if (!e.key.startsWith(LEASE_PREFIX)) return 'not a lease key'
  const parts = e.key.slice(LEASE_PREFIX.length).split('/')
  if (parts.length !== 4 || (parts[3] !== 'g' && parts[3] !== 'q')) return 'a lease key is <name>/<token>/<owner>/<g|q>'
  const t = parseTimestamp(parts[1])
  if (t === undefined) return `its token ${JSON.stringify(parts[1].slice(0, 80))} is not an HLC timestamp`
  // the token is the claim's own first stamp: never later than this version's clock, and (but
  // for a release, which the owner may make from any node) written by the node it names
  if (compareTimestamps(t, e) > 0) return `its token ${parts[1]} is later than its own clock ${e.hlc}`
  if (!e.deleted && t.node !== e.origin) return `its token names node ${t.node} but it was written by ${e.origin}`
  let name: string
  let owner: string
  try {
    name = decodeURIComponent(parts[0])
    owner = decodeURIComponent(parts[2])
  } catch {
    return 'its lock name or owner is not valid percent-encoding'
  }
  const end = e.deleted ? e.wall : e.expiresAt
  if (end === undefined) return 'it never expires (a claim would hold forever)'
  return { name, mode: parts[3] === 'q' ? 'quorum' : 'gossip', token: parts[1], at: t.wall, owner, end, released: e.deleted }
}

/**
 * The fold: accepted claims in token order. A claim is refused when an accepted claim of another
 * owner is live at the claim's time. O(k log k): it tracks the latest end of the owner whose
 * accepted claims end latest (`top`) and the latest end among all other owners (`next`).
 */
export function acceptedClaims (claims: Iterable<Claim>): Claim[] {
  const sorted = [...claims].sort((a, b) => a.token < b.token ? -1 : a.token > b.token ? 1 : 0)
  const accepted: Claim[] = []
  let top: { owner: string, end: number } | undefined
  let next: { owner: string, end: number } | undefined
  for (const c of sorted) {
    const rival = top === undefined ? undefined : top.owner !== c.owner ? top : next
    if (c.mode === 'gossip' && rival !== undefined && rival.end > c.at) continue
    accepted.push(c)
    if (top?.owner === c.owner) top.end = Math.max(top.end, c.end)
    else if (next?.owner === c.owner) next.end = Math.max(next.end, c.end)
    else if (next === undefined || c.end > next.end) next = { owner: c.owner, end: c.end }
    if (next !== undefined && (top === undefined || next.end > top.end)) [top, next] = [next, top]
  }
  return accepted
}

/**
 * The holder at `now`: the accepted claim live at `now` with the greatest token; failing that, the
 * first accepted claim that starts after `now` (a claimant whose clock runs ahead of ours).
 */
export function holderAt (claims: Iterable<Claim>, now: number): Claim | undefined {
  let holder: Claim | undefined
  let ahead: Claim | undefined
  for (const c of acceptedClaims(claims)) {
    if (c.released || c.end <= now) continue
    if (c.at <= now) holder = c
    else ahead ??= c
  }
  return holder ?? ahead
}

export function statusOf (holder: Claim | undefined): LockStatus {
  return holder === undefined ? { held: false } : { held: true, owner: holder.owner, token: holder.token, expiresAt: holder.end, since: holder.at }
}
