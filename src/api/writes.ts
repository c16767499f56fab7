/**
 * A local write's way out of the node: applied to the store, committed to the data directory (a
 * durable node), gossiped once its timestamp is safe to show, and, when asked, handed to
 * `replicas` peers before the caller's promise resolves.
 */
import type { Entry } from '../core/entry.js'
import { StorageError } from '../core/errors.js'
import type { Store } from '../core/store.js'
import { DEFAULT_REPLICA_TIMEOUT_MS } from '../net/delivery.js'
import type { MeshNode } from '../net/node.js'
import type { DataDir } from '../storage/data-dir.js'
import type { ReplicationOptions } from './mesh-types.js'

export class Writes {
  private readonly store: Store
  private readonly node: MeshNode
  /** The data directory of a durable node. */
  private readonly dataDir: DataDir | undefined
  /** True once the mesh is closing: a write waiting for its timestamp to be durable is not gossiped then. */
  private readonly closing: () => boolean
  private flushQueued = false

  constructor (store: Store, node: MeshNode, dataDir: DataDir | undefined, closing: () => boolean) {
    this.store = store
    this.node = node
    this.dataDir = dataDir
    this.closing = closing
    // changes not made by set/delete (merges, expiry) reach the disk once per event-loop turn
    if (store.journal !== undefined) {
      store.journal.onDirty = () => { this.queueFlush() }
      if (store.journal.dirty) this.queueFlush() // what loading changed (values of keys expired while down)
    }
  }

  /** A write, reserved keys included (meshkv's own, e.g. drops): applied and gossiped. */
  set (key: string, value: string | Uint8Array, options: { ttl?: number }): Entry {
    const entry = this.store.set(key, value, options.ttl)
    this.publish(entry)
    return entry
  }

  /** A delete, reserved keys included (a burnt drop): applied and gossiped. */
  delete (key: string): Entry {
    const tombstone = this.store.delete(key)
    this.publish(tombstone)
    return tombstone
  }

  /** Resolves once a local write is durable (with a data directory) and held by `replicas` peers. */
  async settle (entry: Entry, replicas: number, options: ReplicationOptions): Promise<void> {
    const replicated = replicas > 0 ? this.node.replicate(entry, replicas, options.replicaTimeout ?? DEFAULT_REPLICA_TIMEOUT_MS, options.signal) : undefined
    try {
      await this.durable()
    } catch (err) {
      replicated?.catch(() => {})
      throw err
    }
    await replicated
  }

  /** With a data directory: resolves once every change so far is on disk (a durable commit). */
  async durable (): Promise<void> {
    if (this.store.journal === undefined) return
    try {
      await this.store.flush()
    } catch (err) {
      throw new StorageError(`the write is applied in memory but the data directory ${this.dataDir?.path ?? ''} could not store it: ${(err as Error).message}`, { cause: err })
    }
  }

  /**
   * Gossips a local write. A durable node first commits a timestamp at or above the high-water
   * mark on disk (see Journal.exposable), so that what peers hold never exceeds what a restart resumes above.
   */
  publish (e: Entry): void {
    const journal = this.store.journal
    if (journal === undefined || journal.exposable(e)) this.node.publish(e)
    else this.store.flush().then(() => { if (!this.closing()) this.node.publish(e) }, () => {})
  }

  /** Flushes the journal at the end of this turn (once, however many changes it brings). */
  private queueFlush (): void {
    if (this.flushQueued) return
    this.flushQueued = true
    queueMicrotask(() => {
      this.flushQueued = false
      // a failure is kept by the journal and fails every later set/delete and close
      this.store.flush().catch(() => {})
    })
  }
}
