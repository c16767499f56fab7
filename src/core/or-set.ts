/**
 * The gossip-mode set: an add-wins observed-remove set (Shapiro et al. 2011, OR-Set) with a TTL
 * per member, kept in ordinary entries under `@meshkv/set/<key>/<member>/<peer id>`: each node
 * writes only its own record of each member, so the store's last-writer-wins per key is the
 * node's latest operation on that member.
 *
 * A record is an add (its tag is the record's own HLC; live until `a`, or for ever) or a removal,
 * and either carries the covers its writer has seen: per node, the greatest add tag removed or
 * superseded (an add covers the adds it observed, so the latest add sets the member's TTL). A
 * member is present when some node's add is live and its tag is greater than every cover of that
 * node: a remove covers only the adds it observed, so an add concurrent with it wins. Covers are
 * carried forward by every later record of the member, and a record lives as long as the adds it
 * covers might, so a removed add cannot come back when a record expires. Pure.
 */
import type { Entry } from './entry.js'
import { compareTimestamps, parseTimestamp } from './hlc.js'
import { SET_PREFIX } from './keys.js'

/** Most covers one record may carry (one per node that added the member). */
export const MAX_SET_COVERS = 4_096

/** A cover: an add tag of one node and the time that add expires (null: never). */
export interface Cover { tag: string, exp: number | null }

/** One node's latest record of one member. */
export interface MemberRecord {
  /** The writing node. */
  node: string
  /** The record's HLC: its add's tag. */
  tag: string
  /** Present for an add: when it expires (null: never). */
  add?: number | null
  /** Per node, the greatest add tag removed (with when that add expires). */
  covers: Map<string, Cover>
}

/** A member's state in one replica's view. */
export interface MemberState {
  present: boolean
  /** Live adds, one per node. */
  adds: Array<{ node: string, tag: string, exp: number | null }>
  /** Joined covers of every live record. */
  covers: Map<string, Cover>
}

/** The prefix of every record of set `key`. */
export function setPrefix (key: string): string {
  return `${SET_PREFIX}${encodeURIComponent(key)}/`
}

/** The prefix of every node's record of one member. */
export function memberPrefix (key: string, member: string): string {
  return `${setPrefix(key)}${encodeURIComponent(member)}/`
}

/** A node's record key of one member. */
export function memberKey (key: string, member: string, peer: string): string {
  return `${memberPrefix(key, member)}${peer}`
}

/** Whether `exp` (null: never) is still ahead of `now`. */
export function liveAt (exp: number | null, now: number): boolean {
  return exp === null || exp > now
}

/** The later of two expiries (null: never). */
export function laterExp (a: number | null, b: number | null): number | null {
  return a === null || b === null ? null : Math.max(a, b)
}

/** Joins cover maps: per node the greater tag, with the later expiry (commutative, associative, idempotent). */
export function joinCovers (a: ReadonlyMap<string, Cover>, b: ReadonlyMap<string, Cover>): Map<string, Cover> {
  const out = new Map(a)
  for (const [node, c] of b) {
    const held = out.get(node)
    out.set(node, held === undefined ? c : { tag: held.tag >= c.tag ? held.tag : c.tag, exp: laterExp(held.exp, c.exp) })
  }
  return out
}

const decoder = new TextDecoder('utf-8', { fatal: true })
const parsed = new WeakMap<Entry, MemberRecord | string>()

/** A version's record, or why it is no record meshkv could have written. */
export function recordOf (e: Entry): MemberRecord | string {
  let r = parsed.get(e)
  if (r === undefined) parsed.set(e, r = decodeRecord(e))
  return r
}

function isExp (x: unknown): x is number | null {
  return x === null || (typeof x === 'number' && Number.isSafeInteger(x) && x >= 0)
}

function decodeRecord (e: Entry): MemberRecord | string {
  let doc: unknown
  try {
    doc = JSON.parse(decoder.decode(e.value))
  } catch {
    return 'its value is not a JSON set record'
  }
  if (typeof doc !== 'object' || doc === null || !Array.isArray((doc as { c?: unknown }).c)) return 'its value is not a set record ({ a?, c: [[tag, exp]] })'
  const { a, c } = doc as { a?: unknown, c: unknown[] }
  if (a !== undefined && !isExp(a)) return 'its add expiry (a) is neither null nor a non-negative safe integer'
  if (c.length > MAX_SET_COVERS) return `it carries ${c.length} covers, more than ${MAX_SET_COVERS}`
  const covers = new Map<string, Cover>()
  for (const item of c) {
    if (!Array.isArray(item) || item.length !== 2 || typeof item[0] !== 'string' || !isExp(item[1])) return 'a cover is not [add tag, expiry or null]'
    const t = parseTimestamp(item[0])
    if (t === undefined) return `cover ${JSON.stringify(item[0].slice(0, 80))} is not an HLC timestamp`
    // a remove covers only adds it observed: none later than itself
    if (compareTimestamps(t, e) > 0) return `cover ${item[0].slice(0, 80)} is later than its own clock ${e.hlc}`
    if (covers.has(t.node)) return `two covers of node ${t.node.slice(0, 80)}`
    covers.set(t.node, { tag: item[0], exp: item[1] })
  }
  return a === undefined ? { node: e.origin, tag: e.hlc, covers } : { node: e.origin, tag: e.hlc, add: a, covers }
}

/** Serialises a record's add expiry (undefined for a removal) and covers. */
export function encodeRecord (add: number | null | undefined, covers: ReadonlyMap<string, Cover>): Uint8Array {
  const c = [...covers.values()].sort((x, y) => x.tag < y.tag ? -1 : x.tag > y.tag ? 1 : 0).map(v => [v.tag, v.exp])
  return new TextEncoder().encode(JSON.stringify(add === undefined ? { c } : { a: add, c }))
}

/**
 * Why a version under `@meshkv/set/` could not have been written by meshkv: a key not of the shape
 * `<key>/<member>/<writer's peer id>`, or a value that is no record; undefined when it could.
 */
export function forgedMember (e: Entry): string | undefined {
  if (!e.key.startsWith(SET_PREFIX)) return undefined
  const parts = e.key.slice(SET_PREFIX.length).split('/')
  if (parts.length !== 3 || parts[0] === '' || parts[1] === '') return 'a set key is @meshkv/set/<key>/<member>/<peer id>'
  if (parts[2] !== e.origin) return `it is the record of node ${parts[2].slice(0, 80)} but was written by ${e.origin}`
  if (e.tombstone) return undefined
  const r = recordOf(e)
  return typeof r === 'string' ? r : undefined
}

/** A member's state from its records (every live version under its memberPrefix), at `now`. */
export function memberState (records: Iterable<Entry>, now: number): MemberState {
  let covers = new Map<string, Cover>()
  const adds: MemberState['adds'] = []
  for (const e of records) {
    if (!e.isLive(now)) continue
    const r = recordOf(e)
    if (typeof r === 'string') continue
    covers = joinCovers(covers, r.covers)
    if (r.add !== undefined && liveAt(r.add, now)) adds.push({ node: r.node, tag: r.tag, exp: r.add })
  }
  const present = adds.some(a => a.tag > (covers.get(a.node)?.tag ?? ''))
  return { present, adds, covers }
}

/** Covers whose add has expired at `now` cover nothing that can still be live: dropped. */
function pruned (covers: ReadonlyMap<string, Cover>, now: number): Map<string, Cover> {
  return new Map([...covers].filter(([, c]) => liveAt(c.exp, now)))
}

/** Every observed live add covered, on top of the covers seen (pruned of those whose add expired). */
function coverAll (state: MemberState, now: number): Map<string, Cover> {
  let covers = pruned(state.covers, now)
  for (const a of state.adds) covers = joinCovers(covers, new Map([[a.node, { tag: a.tag, exp: a.exp }]]))
  return covers
}

/** The latest of `exp` and the expiries of every covered add: how long a record must live. */
function lifetime (exp: number | null, covers: ReadonlyMap<string, Cover>): number | null {
  let until = exp
  for (const c of covers.values()) until = laterExp(until, c.exp)
  return until
}

/**
 * The record a node writes to add a member live until `exp`: it covers every add it observed, so
 * the member's TTL is the latest add's (as a re-added key's is), while an add it did not observe
 * (a concurrent one) lives on its own TTL.
 */
export function addRecord (state: MemberState, exp: number | null, now: number): { value: Uint8Array, until: number | null } {
  const covers = coverAll(state, now)
  return { value: encodeRecord(exp, covers), until: lifetime(exp, covers) }
}

/** The record a node writes to remove a member: every live add it observed covered. */
export function removeRecord (state: MemberState, now: number): { value: Uint8Array, until: number | null } {
  const covers = coverAll(state, now)
  return { value: encodeRecord(undefined, covers), until: lifetime(now, covers) }
}

/** Groups the versions under a set's prefix by member (decoded), skipping keys of other shapes. */
export function byMember (key: string, versions: Iterable<Entry>): Map<string, Entry[]> {
  const prefix = setPrefix(key)
  const out = new Map<string, Entry[]>()
  for (const e of versions) {
    const rest = e.key.slice(prefix.length)
    const slash = rest.indexOf('/')
    if (slash <= 0 || rest.includes('/', slash + 1)) continue
    let member: string
    try {
      member = decodeURIComponent(rest.slice(0, slash))
    } catch {
      continue
    }
    const list = out.get(member)
    if (list === undefined) out.set(member, [e])
    else list.push(e)
  }
  return out
}
