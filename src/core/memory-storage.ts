/**
 * A storage in this process's memory: it survives a store being closed and reopened (the
 * simulator's durable restarts), not the process. Writes apply at once, atomically.
 */
import type { Entry } from './entry.js'
import { MeshClosedError } from './errors.js'
import { compareKeys, type ScanOptions, type Storage, type StorageOp } from './storage.js'

export class MemoryStorage implements Storage {
  readonly durable = false
  private readonly entries = new Map<string, Entry>()
  private readonly meta = new Map<string, Uint8Array>()
  private readonly slots = new Map<string, Uint8Array>()
  private sorted: string[] | undefined
  private closed = false

  async write (ops: readonly StorageOp[]): Promise<void> {
    this.writeSync(ops)
  }

  /** `write` without the promise: applied when it returns. */
  writeSync (ops: readonly StorageOp[]): void {
    if (this.closed) throw new MeshClosedError('the storage is closed')
    for (const op of ops) {
      if (op.type === 'put') {
        if (!this.entries.has(op.entry.key)) this.sorted = undefined
        this.entries.set(op.entry.key, op.entry)
      } else if (op.type === 'remove') {
        if (this.entries.delete(op.key)) this.sorted = undefined
      } else if (op.type === 'meta') {
        this.meta.set(op.name, op.value.slice())
      } else if (op.slot === undefined) {
        this.slots.delete(op.key)
      } else {
        this.slots.set(op.key, op.slot.slice())
      }
    }
  }

  get (key: string): Entry | undefined {
    return this.entries.get(key)
  }

  * scan (options: ScanOptions = {}): IterableIterator<Entry> {
    const prefix = options.prefix ?? ''
    const limit = options.limit ?? Infinity
    this.sorted ??= [...this.entries.keys()].sort(compareKeys)
    const keys = this.sorted
    let lo = 0
    let hi = keys.length
    const from = options.after !== undefined && compareKeys(options.after, prefix) >= 0 ? options.after : prefix
    const strict = from === options.after
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      const c = compareKeys(keys[mid], from)
      if (c < 0 || (strict && c === 0)) lo = mid + 1
      else hi = mid
    }
    let n = 0
    for (let i = lo; i < keys.length && n < limit && keys[i].startsWith(prefix); i++) {
      const e = this.entries.get(keys[i])
      if (e === undefined) continue
      n++
      yield e
    }
  }

  getMeta (name: string): Uint8Array | undefined {
    return this.meta.get(name)?.slice()
  }

  * registers (): IterableIterator<[string, Uint8Array]> {
    for (const [key, slot] of this.slots) yield [key, slot.slice()]
  }

  async flushed (): Promise<void> {}

  async close (): Promise<void> {
    this.closed = true
  }

  /** Opens again after `close` (the state is kept): a restart in the simulator. */
  reopen (): this {
    this.closed = false
    return this
  }
}
