/**
 * Gossip-mode queues: items and claims are entries in the store (layout.ts), so a queue is always
 * available and converges after partitions, and delivery is at-least-once. A pop claims the first
 * visible item by writing its claim; on one node the check and the claim are one synchronous step
 * (no two local consumers get one item), but two nodes popping within the gossip delay (or on two
 * sides of a partition) can both claim it: the later claim wins the register, both consumers got
 * the item. That window is measured in bench/queues.ts and documented in docs/semantics.md.
 * When consumers on several nodes pop one queue (each popping node keeps a marker with a short
 * TTL under `n/<node>`), each node prefers the items its rank owns (a hash of the item id modulo
 * the number of consuming nodes) among the first visible ones, and takes any other only when none
 * of its own is visible: nodes then rarely pick the same item whatever the timing, and FIFO becomes
 * best-effort order (as in SQS standard queues).
 */
import type { Entry } from '../../core/entry.js'
import { InvalidReceiptError, StaleReceiptError } from '../../core/errors.js'
import { formatTimestamp } from '../../core/hlc.js'
import type { PeekedItem, PoppedItem, QueueHost } from './host.js'
import { ItemIndex } from './item-index.js'
import { claimKey, consumerPrefix, deadQueueOf, decodeClaim, encodeClaim, encodeReceipt, itemKey, itemPrefix, type Claim, type PopParams, type Receipt } from './layout.js'

/** How long a consumer marker lives; a popping node rewrites it once half of that has passed. @default 10_000 */
export const CONSUMER_MARKER_TTL_MS = 10_000
/** How many of the first visible items a node on a shared queue looks through for one of its own. @default 64 */
export const OWN_ITEM_WINDOW = 64

/** Each node's index of the live items of the queues it pops from (item-index.ts), one per host. */
const indexes = new WeakMap<QueueHost, ItemIndex>()

function indexOf (h: QueueHost): ItemIndex {
  let index = indexes.get(h)
  if (index === undefined) {
    const made = new ItemIndex()
    h.subscribe(e => { made.observe(e) })
    indexes.set(h, index = made)
  }
  return index
}

/** The live item ids of `name` in HLC order, from the index (built from the store on first use). */
function liveIds (h: QueueHost, name: string): { ids: string[] } {
  const prefix = itemPrefix(name)
  return indexOf(h).of(name, () => (h.list({ prefix }).entries ?? []).map(e => e.key.slice(prefix.length)))
}

export async function push (h: QueueHost, name: string, data: string | Uint8Array, ttl: number | undefined): Promise<{ id: string }> {
  const prefix = itemPrefix(name)
  const e = await h.writeStamped(position => prefix + position, data, { ttl })
  return { id: e.key.slice(prefix.length) }
}

/** What a pop attempt found: an item, or when the first claimed one becomes visible again. */
export interface Attempt {
  item?: PoppedItem
  /** The earliest visibleAt (mesh ms) among items held by other consumers. */
  nextVisibleAt?: number
}

export async function pop (h: QueueHost, name: string, p: PopParams): Promise<Attempt> {
  for (;;) {
    const step = claimFirst(h, name, p)
    if (step.kind === 'claimed') return { item: await step.item }
    if (step.kind === 'empty') return { nextVisibleAt: step.nextVisibleAt }
    await step.moved
  }
}

type Step =
  | { kind: 'claimed', item: Promise<PoppedItem> }
  | { kind: 'dead', moved: Promise<void> }
  | { kind: 'empty', nextVisibleAt?: number }

/**
 * Scans the items in HLC order and claims the first visible one, synchronously up to the claim's
 * write (applied when `write` is called); an item past maxDeliveries is moved to the dead-letter
 * queue instead (the caller awaits that and scans again).
 */
function claimFirst (h: QueueHost, name: string, p: PopParams): Step {
  const q = liveIds(h, name)
  const now = h.now()
  const { rank, consumers } = consumerRank(h, name, now)
  let nextVisibleAt: number | undefined
  let first: { id: string, e: Entry, done: number } | undefined
  let own: typeof first
  let looked = 0
  for (const id of q.ids) {
    const e = h.get(itemKey(name, id))
    if (e === undefined) continue // expired, its event not yet run
    const claim = claimOf(h, name, id)
    if (claim !== undefined && claim.visibleAt > now) {
      nextVisibleAt = Math.min(nextVisibleAt ?? Infinity, claim.visibleAt)
      continue
    }
    const done = claim?.deliveries ?? 0
    if (p.maxDeliveries !== undefined && done >= p.maxDeliveries) return { kind: 'dead', moved: deadLetter(h, name, id, e, now) }
    first ??= { id, e, done }
    if (consumers === 1 || fnv1a(id) % consumers === rank) { own = { id, e, done }; break }
    if (++looked >= OWN_ITEM_WINDOW) break
  }
  const pick = own ?? first
  if (pick === undefined) return { kind: 'empty', nextVisibleAt }
  const { id, e, done } = pick
  const deliveries = done + 1
  const data = e.value
  const written = h.write(claimKey(name, id), encodeClaim({ deliveries, visibleAt: now + p.visibilityTimeout }), { ttl: remaining(e, now) })
  return { kind: 'claimed', item: written.then(c => ({ id, data, deliveries, receipt: encodeReceipt({ mode: 'gossip', id, claim: formatTimestamp(c) }) })) }
}

/**
 * This node's rank among the nodes popping from `name` (live consumer markers, sorted) and how
 * many there are; refreshes this node's own marker when half its TTL has passed (synchronously).
 */
function consumerRank (h: QueueHost, name: string, now: number): { rank: number, consumers: number } {
  const prefix = consumerPrefix(name)
  const mine = h.get(prefix + h.node)
  if (mine === undefined || (mine.expiresAt ?? Infinity) - now < CONSUMER_MARKER_TTL_MS / 2) {
    h.write(prefix + h.node, '', { ttl: CONSUMER_MARKER_TTL_MS }).catch(() => {})
  }
  const nodes = (h.list({ prefix }).entries ?? []).map(e => e.key.slice(prefix.length))
  if (!nodes.includes(h.node)) nodes.push(h.node)
  nodes.sort()
  return { rank: nodes.indexOf(h.node), consumers: nodes.length }
}

/** FNV-1a, 32 bits. */
function fnv1a (s: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193)
  return h >>> 0
}

/** An item's remaining lifetime: what its claim lives (so the claim goes with it). */
function remaining (e: Entry, now: number): number {
  return e.expiresAt === undefined ? Infinity : Math.max(1, e.expiresAt - now)
}

function claimOf (h: QueueHost, name: string, id: string): Claim | undefined {
  const c = h.get(claimKey(name, id))
  return c === undefined ? undefined : decodeClaim(c.value)
}

/** Moves an item to `<name>:dead` (a new item there, same data and expiry), then removes it here. */
async function deadLetter (h: QueueHost, name: string, id: string, e: Entry, now: number): Promise<void> {
  const moved = push(h, deadQueueOf(name), e.value, remaining(e, now))
  const gone = [h.erase(itemKey(name, id)), h.erase(claimKey(name, id))]
  await moved
  await Promise.all(gone)
}

function gossipReceipt (r: Receipt): { id: string, claim: string } {
  if (r.mode !== 'gossip') throw new InvalidReceiptError('this receipt is from a quorum-mode pop: ack or nack it with mode \'quorum\'')
  return r
}

/** Deletes the item (whoever holds it now: delivery is at-least-once) and its claim. An item already gone: nothing to do. */
export async function ack (h: QueueHost, name: string, receipt: Receipt): Promise<void> {
  const { id } = gossipReceipt(receipt)
  if (h.get(itemKey(name, id)) === undefined) return
  await Promise.all([h.erase(itemKey(name, id)), h.erase(claimKey(name, id))])
}

/** Makes the item visible again at once, if this receipt's claim is still the one held. */
export async function nack (h: QueueHost, name: string, receipt: Receipt): Promise<void> {
  const { id, claim } = gossipReceipt(receipt)
  const item = h.get(itemKey(name, id))
  if (item === undefined) return
  const held = h.get(claimKey(name, id))
  const c = held === undefined ? undefined : decodeClaim(held.value)
  if (held === undefined || c === undefined || held.hlc !== claim) {
    throw new StaleReceiptError(`item ${id} of queue ${JSON.stringify(name)} was popped again since this receipt (by this or another consumer): it is not this receipt's to give back`)
  }
  await h.write(claimKey(name, id), encodeClaim({ deliveries: c.deliveries, visibleAt: 0 }), { ttl: remaining(item, h.now()) })
}

/** Items not acked (visible or out with a consumer), in this node's view. */
export function size (h: QueueHost, name: string): number {
  return liveIds(h, name).ids.filter(id => h.get(itemKey(name, id)) !== undefined).length
}

export function peek (h: QueueHost, name: string, limit: number): PeekedItem[] {
  const now = h.now()
  const out: PeekedItem[] = []
  for (const id of liveIds(h, name).ids) {
    const e = h.get(itemKey(name, id))
    if (e === undefined) continue
    const claim = claimOf(h, name, id)
    if (claim !== undefined && claim.visibleAt > now) continue
    out.push({ id, data: e.value, deliveries: claim?.deliveries ?? 0 })
    if (out.length >= limit) break
  }
  return out
}
