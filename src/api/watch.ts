/**
 * Watching: the live watches of a mesh by key prefix, fed the store's visible changes, each a
 * bounded async queue (events pushed by the store, pulled by a `for await` loop) that ends when
 * closed or when its signal aborts. A consumer that falls too far behind (more than `maxItems`
 * queued, or more than `maxBytes`) is ended the way etcd cancels a slow watcher and Redis drops a
 * client over its output buffer limit: the queued items are dropped at once, and the next `next()`
 * rejects with the overflow error.
 */
import { WatchOverflowError } from '../core/errors.js'
import { hiddenUnder } from '../core/keys.js'
import { checkNumberOption } from '../core/limits.js'
import type { StoreEvent } from '../core/store.js'
import type { MeshEvent, WatchOptions } from './mesh-types.js'

/** Most events a watch holds for a consumer that has not taken them yet. @default 10_000 */
export const DEFAULT_WATCH_MAX_QUEUED = 10_000
/** Most bytes (keys + values + 64 per event) a watch holds for its consumer. @default 67_108_864 (64 MiB) */
export const DEFAULT_WATCH_MAX_QUEUED_BYTES = 64 * 1024 * 1024

export interface QueueBounds<T> {
  maxItems: number
  maxBytes: number
  sizeOf: (item: T) => number
  /** The error the consumer gets when a bound is passed, given what was queued then. */
  overflow: (items: number, bytes: number) => Error
}

export class EventQueue<T> implements AsyncIterableIterator<T> {
  private items: T[] = []
  private head = 0
  private bytes = 0
  private waiting: ((r: IteratorResult<T>) => void) | undefined
  private done = false
  /** Set on overflow until the consumer has been told. */
  private failure: Error | undefined
  private readonly onEnd: () => void
  private readonly bounds: QueueBounds<T> | undefined

  constructor (onEnd: () => void, signal?: AbortSignal, bounds?: QueueBounds<T>) {
    this.onEnd = onEnd
    this.bounds = bounds
    if (signal?.aborted === true) this.end()
    signal?.addEventListener('abort', () => this.end(), { once: true })
  }

  /** Items queued and not yet taken. */
  get queued (): number {
    return this.items.length - this.head
  }

  push (item: T): void {
    if (this.done) return
    if (this.waiting !== undefined) {
      const resolve = this.waiting
      this.waiting = undefined
      resolve({ value: item, done: false })
      return
    }
    this.items.push(item)
    if (this.bounds === undefined) return
    this.bytes += this.bounds.sizeOf(item)
    if (this.queued > this.bounds.maxItems || this.bytes > this.bounds.maxBytes) {
      const failure = this.bounds.overflow(this.queued, this.bytes)
      this.items = []
      this.head = 0
      this.bytes = 0
      this.end()
      this.failure = failure
    }
  }

  end (): void {
    if (this.done) return
    this.done = true
    this.onEnd()
    if (this.waiting !== undefined) {
      const resolve = this.waiting
      this.waiting = undefined
      resolve({ value: undefined, done: true })
    }
  }

  async next (): Promise<IteratorResult<T>> {
    if (this.head < this.items.length) {
      const value = this.items[this.head++]
      if (this.bounds !== undefined) this.bytes -= this.bounds.sizeOf(value)
      if (this.head > 1024 && this.head * 2 > this.items.length) {
        this.items.splice(0, this.head)
        this.head = 0
      }
      return { value, done: false }
    }
    if (this.failure !== undefined) {
      const failure = this.failure
      this.failure = undefined
      throw failure
    }
    if (this.done) return { value: undefined, done: true }
    return new Promise(resolve => { this.waiting = resolve })
  }

  async return (): Promise<IteratorResult<T>> {
    this.failure = undefined
    this.end()
    return { value: undefined, done: true }
  }

  [Symbol.asyncIterator] (): this {
    return this
  }
}

/** The live watches of a mesh and their key prefixes. */
export class Watches {
  private readonly queues = new Map<EventQueue<MeshEvent>, string>()
  /** Watches ended because their consumer fell too far behind. */
  overflows = 0

  /** Live watches. */
  get size (): number {
    return this.queues.size
  }

  /** A new watch of the keys under `options.prefix` (see `Mesh.watch`). */
  open (options: WatchOptions): AsyncIterableIterator<MeshEvent> {
    const prefix = options.prefix ?? ''
    const maxItems = checkNumberOption('maxQueued', options.maxQueued ?? DEFAULT_WATCH_MAX_QUEUED, 1)
    const maxBytes = checkNumberOption('maxQueuedBytes', options.maxQueuedBytes ?? DEFAULT_WATCH_MAX_QUEUED_BYTES, 1)
    const queue: EventQueue<MeshEvent> = new EventQueue(() => { this.queues.delete(queue) }, options.signal, {
      maxItems,
      maxBytes,
      sizeOf: e => e.key.length + (e.entry?.value.byteLength ?? 0) + 64,
      overflow: (items, bytes) => {
        this.overflows++
        return new WatchOverflowError(`the watch of ${JSON.stringify(prefix)} fell ${items} events (${bytes} bytes) behind, over its maxQueued of ${maxItems} or maxQueuedBytes of ${maxBytes}: it was ended and those events dropped; list() the state and watch again`)
      }
    })
    this.queues.set(queue, prefix)
    return queue
  }

  /** Hands a change of the store to the watches of its key. */
  fanOut (e: StoreEvent): void {
    if (this.queues.size === 0) return
    const event: MeshEvent = { type: e.type, key: e.key, entry: e.entry, local: e.local }
    // `@` keys (meshkv's own, peers' owned namespaces) reach only watchers that ask for them
    for (const [w, prefix] of this.queues) {
      if (e.key.startsWith(prefix) && !hiddenUnder(e.key, prefix)) w.push(event)
    }
  }

  /** Ends every watch (the mesh closed). */
  endAll (): void {
    for (const w of [...this.queues.keys()]) w.end()
  }
}
