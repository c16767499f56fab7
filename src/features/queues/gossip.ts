/**
 * Gossip-mode queues: items and claims are entries in the store (layout.ts), so a queue is always
 * available and converges after partitions, and delivery is at-least-once. A pop claims the first
 * visible item by writing its claim; on one node the check and the claim are one synchronous step
 * (no two local consumers get one item), but two nodes popping within the gossip delay (or on two
 * sides of a partition) can both claim it: the later claim wins the register, both consumers got
 * the item. That window is measured in bench/queues.ts and documented in docs/semantics.md.
 */
import type { Entry } from '../../core/entry.js'
import { InvalidReceiptError, StaleReceiptError } from '../../core/errors.js'
import { formatTimestamp } from '../../core/hlc.js'
import type { PeekedItem, PoppedItem, QueueHost } from './host.js'
import { claimKey, deadQueueOf, decodeClaim, encodeClaim, encodeReceipt, itemKey, itemPrefix, type Claim, type PopParams, type Receipt } from './layout.js'

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
  const prefix = itemPrefix(name)
  const now = h.now()
  let nextVisibleAt: number | undefined
  for (const e of h.list({ prefix }).entries ?? []) {
    const id = e.key.slice(prefix.length)
    const claim = claimOf(h, name, id)
    if (claim !== undefined && claim.visibleAt > now) {
      nextVisibleAt = Math.min(nextVisibleAt ?? Infinity, claim.visibleAt)
      continue
    }
    const done = claim?.deliveries ?? 0
    if (p.maxDeliveries !== undefined && done >= p.maxDeliveries) return { kind: 'dead', moved: deadLetter(h, name, id, e, now) }
    const deliveries = done + 1
    const data = e.value
    const written = h.write(claimKey(name, id), encodeClaim({ deliveries, visibleAt: now + p.visibilityTimeout }), { ttl: remaining(e, now) })
    return { kind: 'claimed', item: written.then(c => ({ id, data, deliveries, receipt: encodeReceipt({ mode: 'gossip', id, claim: formatTimestamp(c) }) })) }
  }
  return { kind: 'empty', nextVisibleAt }
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
  return h.list({ prefix: itemPrefix(name) }).entries?.length ?? 0
}

export function peek (h: QueueHost, name: string, limit: number): PeekedItem[] {
  const prefix = itemPrefix(name)
  const now = h.now()
  const out: PeekedItem[] = []
  for (const e of h.list({ prefix }).entries ?? []) {
    const id = e.key.slice(prefix.length)
    const claim = claimOf(h, name, id)
    if (claim !== undefined && claim.visibleAt > now) continue
    out.push({ id, data: e.value, deliveries: claim?.deliveries ?? 0 })
    if (out.length >= limit) break
  }
  return out
}
