/**
 * The gossip-mode counter: a PN-counter (Shapiro et al. 2011) kept in ordinary entries under
 * `@meshkv/counter/<key>/<peer id>`, so replication, anti-entropy, expiry and durability are the
 * store's. Each node writes only its own key, holding its whole current view: a vector of slots,
 * each an origin's (positive, negative) totals. A read joins every live key's view pointwise by
 * max and sums. A slot is named by the HLC timestamp that started it (`<hlc>`, whose node is the
 * origin), and only that origin ever raises it, from its own record of the slot kept in memory; a
 * node starts a new slot whenever it has none (its first update since it started, or since its
 * key expired while others may still carry its old slot), so an increment is never lost to a
 * stale copy nor counted twice. Pure.
 */
import type { Entry } from './entry.js'
import { compareTimestamps, parseTimestamp, type Timestamp, formatTimestamp } from './hlc.js'
import { COUNTER_PREFIX } from './keys.js'

/** Most slots one counter view may hold (each is an origin's incarnation); a longer one is not meshkv's. */
export const MAX_COUNTER_SLOTS = 4_096

/** One origin's totals: increments and decrements, each a non-negative safe integer. */
export interface Slot { p: number, n: number }

/** A node's view of a counter: its own current slot and every slot it knows. */
export interface CounterView {
  /** The slot this view's writer raises (absent in a joined, read-only view). */
  own?: string
  slots: Map<string, Slot>
}

/** The prefix of every node's key of a counter. */
export function counterPrefix (key: string): string {
  return `${COUNTER_PREFIX}${encodeURIComponent(key)}/`
}

/** A node's key of a counter. */
export function counterKey (key: string, peer: string): string {
  return `${counterPrefix(key)}${peer}`
}

/** The empty view. */
export function emptyView (): CounterView {
  return { slots: new Map() }
}

/** Pointwise max of two views' slots (commutative, associative, idempotent). `own` is dropped. */
export function joinViews (a: CounterView, b: CounterView): CounterView {
  const slots = new Map(a.slots)
  for (const [id, s] of b.slots) {
    const held = slots.get(id)
    slots.set(id, held === undefined ? s : { p: Math.max(held.p, s.p), n: Math.max(held.n, s.n) })
  }
  return { slots }
}

/** The counter's value in a view: every increment minus every decrement. */
export function valueOf (view: CounterView): number {
  let total = 0
  for (const s of view.slots.values()) total += s.p - s.n
  return total
}

/** Serialises a view (JSON: `{"o": own slot, "s": [[slot, p, n], …]}`, slots in order). */
export function encodeView (view: CounterView): Uint8Array {
  const s = [...view.slots].sort((x, y) => x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0).map(([id, t]) => [id, t.p, t.n])
  return new TextEncoder().encode(JSON.stringify({ o: view.own, s }))
}

const decoder = new TextDecoder('utf-8', { fatal: true })
/** Views parsed from versions (immutable), by entry: reads join on every call. */
const parsed = new WeakMap<Entry, CounterView | string>()

/** A version's view, or why it is no view meshkv could have written. */
export function viewOfEntry (e: Entry): CounterView | string {
  let v = parsed.get(e)
  if (v === undefined) parsed.set(e, v = decodeView(e))
  return v
}

function isTotal (x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0
}

function decodeView (e: Entry): CounterView | string {
  let doc: unknown
  try {
    doc = JSON.parse(decoder.decode(e.value))
  } catch {
    return 'its value is not a JSON counter view'
  }
  if (typeof doc !== 'object' || doc === null || !Array.isArray((doc as { s?: unknown }).s)) return 'its value is not a counter view ({ o, s: [[slot, p, n]] })'
  const { o, s } = doc as { o?: unknown, s: unknown[] }
  if (s.length > MAX_COUNTER_SLOTS) return `it holds ${s.length} slots, more than ${MAX_COUNTER_SLOTS}`
  const slots = new Map<string, Slot>()
  for (const item of s) {
    if (!Array.isArray(item) || item.length !== 3 || typeof item[0] !== 'string' || !isTotal(item[1]) || !isTotal(item[2])) {
      return 'a slot is not [slot hlc, non-negative safe integer, non-negative safe integer]'
    }
    const t = parseTimestamp(item[0])
    if (t === undefined) return `slot ${JSON.stringify(item[0].slice(0, 80))} is not an HLC timestamp`
    // nobody can carry a slot started after the version that carries it
    if (compareTimestamps(t, e) > 0) return `slot ${item[0].slice(0, 80)} is later than its own clock ${e.hlc}`
    if (slots.has(item[0])) return `slot ${item[0].slice(0, 80)} appears twice`
    slots.set(item[0], { p: item[1], n: item[2] })
  }
  if (typeof o !== 'string') return 'its own slot (o) is missing'
  const own = parseTimestamp(o)
  if (own === undefined || own.node !== e.origin) return `its own slot ${JSON.stringify(o.slice(0, 80))} is not one its writer ${e.origin} started`
  if (!slots.has(o)) return 'its own slot is not among its slots'
  return { own: o, slots }
}

/**
 * Why a version under `@meshkv/counter/` could not have been written by meshkv: a key not of the
 * shape `<key>/<writer's peer id>`, or a value that is no view; undefined when it could.
 */
export function forgedCounter (e: Entry): string | undefined {
  if (!e.key.startsWith(COUNTER_PREFIX)) return undefined
  const rest = e.key.slice(COUNTER_PREFIX.length)
  const slash = rest.indexOf('/')
  if (slash <= 0 || rest.indexOf('/', slash + 1) !== -1) return 'a counter key is @meshkv/counter/<key>/<peer id>'
  if (rest.slice(slash + 1) !== e.origin) return `it is the key of node ${rest.slice(slash + 1).slice(0, 80)} but was written by ${e.origin}`
  if (e.tombstone) return undefined
  const v = viewOfEntry(e)
  return typeof v === 'string' ? v : undefined
}

/** The counter's keys among `versions` (all under its prefix), without those of keys nested below it. */
function ownLevel (prefix: string, e: Entry): boolean {
  return !e.key.includes('/', prefix.length)
}

/** The join of every live view of counter `key` among its versions, at `now`. */
export function readCounter (key: string, versions: Iterable<Entry>, now: number): CounterView {
  const prefix = counterPrefix(key)
  let view = emptyView()
  for (const e of versions) {
    if (!ownLevel(prefix, e) || !e.isLive(now)) continue
    const v = viewOfEntry(e)
    if (typeof v !== 'string') view = joinViews(view, v)
  }
  return view
}

/** What a node knows of its own current slot of one counter: only it raises the slot. */
export interface OwnSlot { id: string, p: number, n: number }

/**
 * The view a node writes to add `delta` (an integer, either sign): the join of every live view,
 * with its own current slot raised. `own` is the node's own record of its current slot, kept by
 * the writer in memory for as long as its key lives; without one (the first update since this
 * process started, or since its key expired) a new slot starts at `stamp`. The store's copy of the
 * node's own key is never trusted for it: after a restart it may be an older incarnation's version
 * (from a peer, or with a later clock), and raising a stale total would lose increments to the
 * max. Throws RangeError past the safe integers.
 */
export function applyDelta (key: string, versions: Iterable<Entry>, now: number, delta: number, own: OwnSlot | undefined, stamp: Timestamp): { view: CounterView, own: OwnSlot } {
  const joined = readCounter(key, versions, now)
  const base = own ?? { id: formatTimestamp(stamp), p: 0, n: 0 }
  const next = delta >= 0 ? { id: base.id, p: base.p + delta, n: base.n } : { id: base.id, p: base.p, n: base.n - delta }
  if (!Number.isSafeInteger(next.p) || !Number.isSafeInteger(next.n)) throw new RangeError('the counter\'s totals would pass Number.MAX_SAFE_INTEGER')
  const held = joined.slots.get(next.id)
  joined.slots.set(next.id, { p: Math.max(next.p, held?.p ?? 0), n: Math.max(next.n, held?.n ?? 0) })
  return { view: { own: next.id, slots: joined.slots }, own: next }
}
