/**
 * Queues' pure parts: validation, receipts, and the gossip-mode key layout. Gossip mode keeps a
 * queue in the store under `@meshkv/queue/<encoded name>/`: an item `i/<id>` (its id is the push's
 * own HLC, so FIFO is HLC order and the id is checked on arrival) and, once popped, a claim
 * `c/<id>` (an LWW register: deliveries so far and when the item is visible again). A node that
 * pops says so under `n/<node>` (a marker with a short TTL), so consumers know how many nodes share the queue.
 */
import { InvalidKeyError, InvalidOptionError, InvalidReceiptError } from '../../core/errors.js'
import { checkKey, checkNumberOption } from '../../core/limits.js'
import { QUEUE_PREFIX } from '../../core/keys.js'

/** How long a popped item stays invisible to other consumers unless acked or nacked. @default 30_000 */
export const DEFAULT_VISIBILITY_TIMEOUT_MS = 30_000
/** Items `peek` returns by default. @default 10 */
export const DEFAULT_PEEK_LIMIT = 10
/** Most items `peek` returns. */
export const MAX_PEEK_LIMIT = 1_000
/** The dead-letter queue of `name`: where items go after `maxDeliveries`. */
export const DEAD_SUFFIX = ':dead'
/** Longest queue name, in UTF-8 bytes (it becomes part of every item key). */
export const MAX_QUEUE_NAME_BYTES = 512

export function deadQueueOf (name: string): string {
  return name + DEAD_SUFFIX
}

export function checkQueueName (name: unknown): asserts name is string {
  checkKey(name, MAX_QUEUE_NAME_BYTES)
  if (Buffer.byteLength(encodeURIComponent(name)) > MAX_QUEUE_NAME_BYTES) {
    throw new InvalidKeyError(`a queue name must be at most ${MAX_QUEUE_NAME_BYTES} bytes once URI-encoded, got ${Buffer.byteLength(encodeURIComponent(name))}`)
  }
}

/** Validated `pop` options. */
export interface PopParams {
  visibilityTimeout: number
  wait: number
  maxDeliveries: number | undefined
}

export function checkPopOptions (o: { visibilityTimeout?: unknown, wait?: unknown, maxDeliveries?: unknown }, maxTtlMs: number): PopParams {
  const visibilityTimeout = checkNumberOption('visibilityTimeout', (o.visibilityTimeout ?? DEFAULT_VISIBILITY_TIMEOUT_MS) as number, 1, maxTtlMs)
  const wait = checkNumberOption('wait', (o.wait ?? 0) as number, 0, 2 ** 31 - 1)
  let maxDeliveries: number | undefined
  if (o.maxDeliveries !== undefined) {
    maxDeliveries = checkNumberOption('maxDeliveries', o.maxDeliveries as number, 1, 1_000_000)
    if (!Number.isInteger(maxDeliveries)) throw new InvalidOptionError(`\`maxDeliveries\` must be a whole number, got ${maxDeliveries}`)
  }
  return { visibilityTimeout, wait, maxDeliveries }
}

export function checkPeekLimit (limit: unknown): number {
  const n = checkNumberOption('limit', (limit ?? DEFAULT_PEEK_LIMIT) as number, 1, MAX_PEEK_LIMIT)
  if (!Number.isInteger(n)) throw new InvalidOptionError(`\`limit\` must be a whole number of items, got ${n}`)
  return n
}

// ---- receipts ------------------------------------------------------------------------------

/**
 * What a receipt names: the item, and which delivery of it: in gossip mode the claim's HLC, in
 * quorum mode its delivery count (the register changes it on every pop).
 */
export type Receipt = { mode: 'gossip', id: string, claim: string } | { mode: 'quorum', id: string, deliveries: number }

/** An opaque string: `r1.` and the receipt as base64url JSON. */
export function encodeReceipt (r: Receipt): string {
  const body = r.mode === 'gossip' ? { g: 1, i: r.id, c: r.claim } : { q: 1, i: r.id, d: r.deliveries }
  return 'r1.' + Buffer.from(JSON.stringify(body)).toString('base64url')
}

/** @throws InvalidReceiptError unless `s` is what `pop` returned as `receipt`. */
export function decodeReceipt (s: unknown): Receipt {
  const bad = (): InvalidReceiptError => new InvalidReceiptError(`a receipt must be the \`receipt\` a pop returned (r1.…), got ${JSON.stringify(s)?.slice(0, 80)}`)
  if (typeof s !== 'string' || !s.startsWith('r1.') || s.length > 4096) throw bad()
  let body: unknown
  try {
    body = JSON.parse(Buffer.from(s.slice(3), 'base64url').toString('utf8'))
  } catch {
    throw bad()
  }
  if (typeof body !== 'object' || body === null) throw bad()
  const b = body as Record<string, unknown>
  if (typeof b.i !== 'string' || b.i.length === 0) throw bad()
  if (b.g === 1 && typeof b.c === 'string') return { mode: 'gossip', id: b.i, claim: b.c }
  if (b.q === 1 && Number.isSafeInteger(b.d) && (b.d as number) > 0) return { mode: 'quorum', id: b.i, deliveries: b.d as number }
  throw bad()
}

// ---- gossip-mode keys and claims -------------------------------------------------------------

export function queuePrefix (name: string): string {
  return `${QUEUE_PREFIX}${encodeURIComponent(name)}/`
}

export function itemPrefix (name: string): string {
  return queuePrefix(name) + 'i/'
}

export function itemKey (name: string, id: string): string {
  return itemPrefix(name) + id
}

export function claimKey (name: string, id: string): string {
  return queuePrefix(name) + 'c/' + id
}

/** Where a node says it pops from the queue (a consumer marker with a short TTL). */
export function consumerPrefix (name: string): string {
  return queuePrefix(name) + 'n/'
}

/** A gossip-mode claim: deliveries so far, and when the item is visible again (mesh ms). */
export interface Claim {
  deliveries: number
  visibleAt: number
}

export function encodeClaim (c: Claim): string {
  return JSON.stringify({ d: c.deliveries, v: c.visibleAt })
}

/** A claim's value, or undefined when it is not one (a peer's garbage: treated as no claim). */
export function decodeClaim (value: Uint8Array): Claim | undefined {
  try {
    const o = JSON.parse(Buffer.from(value).toString('utf8')) as { d?: unknown, v?: unknown }
    if (Number.isSafeInteger(o.d) && (o.d as number) >= 0 && typeof o.v === 'number' && Number.isFinite(o.v)) return { deliveries: o.d as number, visibleAt: o.v }
  } catch {}
  return undefined
}
