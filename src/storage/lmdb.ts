/**
 * A storage in a data directory, on LMDB (the `lmdb` package: a copy-on-write B+tree with ACID
 * transactions, memory-mapped reads, and commits on a worker thread). Why LMDB and not SQLite:
 * docs/benchmarks.md, "Storage engine".
 *
 * Three named databases in one environment: `entries` (UTF-8 key → record, src/core/record.ts),
 * `meta` (name → bytes) and `registers` (quorum register key → acceptor slot, core/caspaxos.ts). A `write` is one transaction; writes begun in the same event-loop
 * turn share one commit, and each resolves after its commit is flushed to disk (`fsync`), so an
 * acknowledged write survives `kill -9` and a power cut, and a torn one is never seen: LMDB
 * keeps the previous root until the new one is complete.
 */
import { mkdirSync } from 'node:fs'
import { open, type Database, type RootDatabase } from 'lmdb'
import type { Entry } from '../core/entry.js'
import { StorageError } from '../core/errors.js'
import { decodeRecord, encodeRecord } from '../core/record.js'
import { compareKeys, type ScanOptions, type Storage, type StorageOp } from '../core/storage.js'

/** The longest key LMDB stores, in UTF-8 bytes (lmdb-js builds LMDB with 4 KiB pages). */
export const LMDB_MAX_KEY_BYTES = 1_978


export class LmdbStorage implements Storage {
  readonly durable = true
  readonly path: string
  private readonly root: RootDatabase
  private readonly entries: Database<Buffer, string>
  private readonly meta: Database<Buffer, string>
  private readonly slots: Database<Buffer, string>
  private last: Promise<unknown> = Promise.resolve()
  private closing: Promise<void> | undefined

  /** Opens (or creates) the environment in directory `path`. */
  constructor (path: string) {
    this.path = path
    try {
      mkdirSync(path, { recursive: true, mode: 0o700 })
      // string keys in lmdb's ordered-binary encoding: UTF-8 order, decoded natively
      this.root = open({ path, compression: false, encoding: 'binary' })
      this.entries = this.root.openDB<Buffer, string>({ name: 'entries', encoding: 'binary', keyEncoding: 'ordered-binary' })
      this.meta = this.root.openDB<Buffer, string>({ name: 'meta', encoding: 'binary', keyEncoding: 'ordered-binary' })
      this.slots = this.root.openDB<Buffer, string>({ name: 'registers', encoding: 'binary', keyEncoding: 'ordered-binary' })
    } catch (err) {
      throw new StorageError(`cannot open the data directory ${path}: ${(err as Error).message}`, { cause: err })
    }
  }

  async write (ops: readonly StorageOp[]): Promise<void> {
    if (this.closing !== undefined) throw new StorageError(`the storage in ${this.path} is closed`)
    // puts issued in one event-loop turn are one transaction (lmdb's event-turn batching), so
    // the ops of one call, issued together here, commit together or not at all
    let committed: Promise<boolean> = Promise.resolve(true)
    for (const op of ops) {
      if (op.type === 'put') committed = this.entries.put(op.entry.key, encodeRecord(op.entry) as Buffer)
      else if (op.type === 'remove') committed = this.entries.remove(op.key)
      else if (op.type === 'meta') committed = this.meta.put(op.name, op.value as Buffer)
      else if (op.slot === undefined) committed = this.slots.remove(op.key)
      else committed = this.slots.put(op.key, op.slot as Buffer)
    }
    const durable = committed.then(async () => { await this.root.flushed })
    this.last = durable.catch(() => {})
    await durable
  }

  get (key: string): Entry | undefined {
    const bytes = this.entries.getBinary(key)
    return bytes === undefined ? undefined : decodeRecord(key, bytes)
  }

  * scan (options: ScanOptions = {}): IterableIterator<Entry> {
    const prefix = options.prefix ?? ''
    const limit = options.limit ?? Infinity
    // keys hold no NUL, so after + NUL is the least key greater than after
    const start = options.after !== undefined && compareKeys(options.after, prefix) >= 0 ? options.after + '\0' : prefix
    let n = 0
    for (const { key, value } of this.entries.getRange({ start })) {
      if (n++ >= limit || !key.startsWith(prefix)) return
      yield decodeRecord(key, value, true) // lmdb hands out a fresh buffer per record
    }
  }

  getMeta (name: string): Uint8Array | undefined {
    const v = this.meta.getBinary(name)
    return v === undefined ? undefined : new Uint8Array(v)
  }

  * registers (): IterableIterator<[string, Uint8Array]> {
    for (const { key, value } of this.slots.getRange()) yield [key, new Uint8Array(value)]
  }

  async flushed (): Promise<void> {
    await this.last
  }

  async close (): Promise<void> {
    this.closing ??= (async () => {
      await this.last
      await this.root.close()
    })()
    return this.closing
  }
}
