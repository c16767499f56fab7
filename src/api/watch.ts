/**
 * An unbounded async queue: events pushed by the store, pulled by a `for await` loop. Ends when
 * closed or when its signal aborts.
 */
export class EventQueue<T> implements AsyncIterableIterator<T> {
  private readonly items: T[] = []
  private head = 0
  private waiting: ((r: IteratorResult<T>) => void) | undefined
  private done = false
  private readonly onEnd: () => void

  constructor (onEnd: () => void, signal?: AbortSignal) {
    this.onEnd = onEnd
    if (signal?.aborted === true) this.end()
    signal?.addEventListener('abort', () => this.end(), { once: true })
  }

  push (item: T): void {
    if (this.done) return
    if (this.waiting !== undefined) {
      const resolve = this.waiting
      this.waiting = undefined
      resolve({ value: item, done: false })
    } else {
      this.items.push(item)
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
      if (this.head > 1024 && this.head * 2 > this.items.length) {
        this.items.splice(0, this.head)
        this.head = 0
      }
      return { value, done: false }
    }
    if (this.done) return { value: undefined, done: true }
    return new Promise(resolve => { this.waiting = resolve })
  }

  async return (): Promise<IteratorResult<T>> {
    this.end()
    return { value: undefined, done: true }
  }

  [Symbol.asyncIterator] (): this {
    return this
  }
}
