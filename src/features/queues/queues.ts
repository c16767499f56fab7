/**
 * `mesh.queues`: work queues with visibility timeouts, acks and a dead-letter queue, in two
 * modes. Gossip (the default; gossip.ts): items are store entries, FIFO by HLC, always available,
 * at-least-once (two nodes popping within the gossip delay may both get an item). Quorum
 * (quorum.ts): the queue's state is a CASPaxos register; one consumer holds an item at a time,
 * and `size`/`peek` are exact. See docs/semantics.md, "Queues".
 */
import { AbortError } from '../../core/errors.js'
import { resolveTtl, toValueBytes } from '../../core/limits.js'
import { checkMode, type DataMode } from '../data-mode.js'
import * as gossip from './gossip.js'
import type { PeekedItem, PoppedItem, QueueHost } from './host.js'
import { checkPeekLimit, checkPopOptions, checkQueueName, decodeReceipt, queuePrefix, type PopParams } from './layout.js'
import * as quorum from './quorum.js'

export type { PeekedItem, PoppedItem } from './host.js'
export { DEFAULT_VISIBILITY_TIMEOUT_MS, DEFAULT_PEEK_LIMIT, DEAD_SUFFIX } from './layout.js'

/** How often a waiting quorum-mode pop asks again, at most (it starts sooner and backs off). */
const QUORUM_POLL_MAX_MS = 250

export interface QueueOptions {
  /** `'gossip'`: local view, at-least-once; `'quorum'`: exact, one consumer per item. @default 'gossip' */
  mode?: DataMode
  signal?: AbortSignal
}

export interface PushOptions extends QueueOptions {
  /** Time to live of the item in ms; `Infinity` never expires. @default the mesh's `defaultTtlMs` */
  ttl?: number
}

export interface PopOptions extends QueueOptions {
  /** How long the item stays hidden from other consumers unless acked or nacked, in ms. @default 30_000 */
  visibilityTimeout?: number
  /** Wait this many ms for an item when the queue has none visible. @default 0 (answer at once) */
  wait?: number
  /** An item delivered this many times without an ack goes to `<name>:dead` instead of a further delivery. @default no limit */
  maxDeliveries?: number
}

export interface PeekOptions extends QueueOptions {
  /** Most items shown. @default 10 */
  limit?: number
}

export class Queues {
  constructor (private readonly host: QueueHost) {}

  /** Adds an item at the tail; resolves with its id. */
  async push (name: string, data: string | Uint8Array, options: PushOptions = {}): Promise<{ id: string }> {
    checkQueueName(name)
    const mode = checkMode(options.mode)
    const bytes = toValueBytes(data, this.host.maxValueBytes)
    const ttl = resolveTtl(options.ttl, this.host.defaultTtlMs, this.host.maxTtlMs)
    if (mode === 'gossip') return gossip.push(this.host, name, bytes, ttl)
    return quorum.push(this.host, name, bytes, ttl, options)
  }

  /**
   * Takes the first visible item for `visibilityTimeout` ms: `{ id, data, receipt, deliveries }`,
   * or undefined when none is visible (after `wait` ms, if given). Ack it when done; unacked, it
   * becomes visible again when the timeout runs out.
   */
  async pop (name: string, options: PopOptions = {}): Promise<PoppedItem | undefined> {
    checkQueueName(name)
    const mode = checkMode(options.mode)
    const p = checkPopOptions(options, this.host.maxTtlMs)
    const { signal } = options
    if (signal?.aborted === true) throw new AbortError(`pop of queue ${JSON.stringify(name)} was aborted`)
    if (p.wait === 0) return this.attempt(name, mode, p, signal).then(a => a.item)
    return this.waitFor(name, mode, p, signal)
  }

  private async attempt (name: string, mode: DataMode, p: PopParams, signal: AbortSignal | undefined): Promise<gossip.Attempt> {
    if (mode === 'gossip') return gossip.pop(this.host, name, p)
    return { item: await quorum.pop(this.host, name, p, { signal }) }
  }

  /**
   * Pops until an item comes or `wait` runs out. Gossip mode wakes on any change to the queue
   * (a push, an ack, a nack, from any node) and when the first item held elsewhere times out;
   * quorum mode asks the quorum again, backing off to every 250 ms.
   */
  private async waitFor (name: string, mode: DataMode, p: PopParams, signal: AbortSignal | undefined): Promise<PoppedItem | undefined> {
    const deadline = Date.now() + p.wait
    const stop = new AbortController()
    const onAbort = (): void => { stop.abort() }
    signal?.addEventListener('abort', onAbort, { once: true })
    // subscribed before the first attempt: nothing that happens after it is missed
    const changes = mode === 'gossip' ? this.host.watch({ prefix: queuePrefix(name), signal: stop.signal })[Symbol.asyncIterator]() : undefined
    let next = changes?.next()
    let poll = 10
    try {
      for (;;) {
        const a = await this.attempt(name, mode, p, signal)
        if (a.item !== undefined) return a.item
        if (signal?.aborted === true) throw new AbortError(`pop of queue ${JSON.stringify(name)} was aborted while waiting`)
        const left = deadline - Date.now()
        if (left <= 0) return undefined
        let delay = left
        if (a.nextVisibleAt !== undefined) delay = Math.min(delay, Math.max(1, a.nextVisibleAt - this.host.now()))
        if (mode === 'quorum') delay = Math.min(delay, poll = Math.min(QUORUM_POLL_MAX_MS, poll * 2))
        const woke = await sleepOr(delay, next, stop.signal)
        if (woke) next = changes?.next()
      }
    } finally {
      signal?.removeEventListener('abort', onAbort)
      stop.abort()
    }
  }

  /** Done with an item: removes it. A receipt whose item is already gone is fine (acks repeat safely). */
  async ack (name: string, receipt: string, options: QueueOptions = {}): Promise<void> {
    checkQueueName(name)
    const mode = checkMode(options.mode)
    const r = decodeReceipt(receipt)
    if (mode === 'gossip') return gossip.ack(this.host, name, r)
    return quorum.ack(this.host, name, r, options)
  }

  /** Gives an item back: visible again at once (its deliveries count stays). */
  async nack (name: string, receipt: string, options: QueueOptions = {}): Promise<void> {
    checkQueueName(name)
    const mode = checkMode(options.mode)
    const r = decodeReceipt(receipt)
    if (mode === 'gossip') return gossip.nack(this.host, name, r)
    return quorum.nack(this.host, name, r, options)
  }

  /** Items not acked yet: visible ones and those out with a consumer (dead-lettered ones are in `<name>:dead`). */
  async size (name: string, options: QueueOptions = {}): Promise<number> {
    checkQueueName(name)
    if (checkMode(options.mode) === 'gossip') return gossip.size(this.host, name)
    return quorum.size(this.host, name, options)
  }

  /** The first `limit` visible items, in order, without claiming them. */
  async peek (name: string, options: PeekOptions = {}): Promise<PeekedItem[]> {
    checkQueueName(name)
    const mode = checkMode(options.mode)
    const limit = checkPeekLimit(options.limit)
    if (mode === 'gossip') return gossip.peek(this.host, name, limit)
    return quorum.peek(this.host, name, limit, options)
  }
}

/** Resolves true when `wake` settles first, false after `ms` (or when `signal` aborts). */
async function sleepOr (ms: number, wake: Promise<unknown> | undefined, signal: AbortSignal): Promise<boolean> {
  return new Promise(resolve => {
    const timer = setTimeout(() => { done(false) }, ms)
    const onAbort = (): void => { done(false) }
    const done = (woke: boolean): void => {
      clearTimeout(timer)
      signal.removeEventListener('abort', onAbort)
      resolve(woke)
    }
    signal.addEventListener('abort', onAbort, { once: true })
    wake?.then(() => { done(true) }, () => { done(true) })
  })
}
