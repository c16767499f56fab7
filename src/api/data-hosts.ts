/**
 * The data types of a mesh (drops, logs, queues, counters, sets), each made on first use, and the
 * hosts they are given: what they may do to the store, built from the mesh's parts, so `mesh.ts`
 * holds only one getter per type.
 */
import type { Entry } from '../core/entry.js'
import { formatTimestamp } from '../core/hlc.js'
import type { Store } from '../core/store.js'
import { Counters } from '../features/counters/counters.js'
import type { DataHost } from '../features/data-host.js'
import { Drops, type DropHost } from '../features/drops/drops.js'
import { Logs, type LogHost } from '../features/logs/logs.js'
import type { QueueHost } from '../features/queues/host.js'
import { Queues } from '../features/queues/queues.js'
import { Sets } from '../features/sets/sets.js'
import { checkReplication } from './mesh-types.js'
import type { QuorumRegisters } from './quorum.js'
import type { Writes } from './writes.js'

/** What the mesh lends its data types. */
export interface MeshParts {
  store: Store
  /** A local write's way to the disk and the peers. */
  writes: Writes
  /** Quorum registers (CASPaxos), for the quorum mode. */
  quorum: QuorumRegisters
  assertOpen: () => void
  /** The mesh's `watch` (bounded, ends on close). */
  watch: (options: { prefix: string, signal?: AbortSignal }) => AsyncIterable<{ type: string, key: string, entry?: Entry }>
  /** The mesh's `waitFor` and `list` (drops wait for and list their keys). */
  waitFor: DropHost['waitFor']
  list: DropHost['list']
}

/** The data types of a mesh, each made on first use. */
export class DataTypes {
  /** What counters, sets and conditional writes get: the store, publishing, the durable commit and the quorum engine. */
  readonly host: DataHost
  private readonly m: MeshParts
  private _drops: Drops | undefined
  private _logs: Logs | undefined
  private _queues: Queues | undefined
  private _counters: Counters | undefined
  private _sets: Sets | undefined

  constructor (m: MeshParts) {
    this.m = m
    this.host = {
      store: m.store,
      publish: e => { m.writes.publish(e) },
      durable: async () => { await m.writes.durable() },
      quorum: m.quorum,
      assertOpen: m.assertOpen
    }
  }

  get drops (): Drops {
    this._drops ??= new Drops(dropHost(this.m))
    return this._drops
  }

  get logs (): Logs {
    this._logs ??= new Logs(logHost(this.m))
    return this._logs
  }

  get queues (): Queues {
    this._queues ??= new Queues(queueHost(this.m))
    return this._queues
  }

  get counters (): Counters {
    this._counters ??= new Counters(this.host)
    return this._counters
  }

  get sets (): Sets {
    this._sets ??= new Sets(this.host)
    return this._sets
  }
}

/** What drops get: writes and deletes of meshkv's own keys (reserved ones included), reads, waits, lists, watches. */
function dropHost (m: MeshParts): DropHost {
  return {
    set: async (key, value, options) => { m.assertOpen(); return m.writes.set(key, value, options) },
    get: key => m.store.get(key),
    delete: async key => { m.assertOpen(); return m.writes.delete(key) },
    waitFor: async (key, options) => m.waitFor(key, options),
    list: options => m.list(options),
    watch: options => m.watch(options)
  }
}

/** The store operations every data type uses, reserved keys included (only meshkv calls them). */
function storeOps (m: MeshParts): Pick<LogHost, 'node' | 'maxKeyBytes' | 'maxTtlMs' | 'write' | 'erase' | 'get' | 'list' | 'watch'> {
  return {
    node: m.store.node,
    maxKeyBytes: m.store.maxKeyBytes,
    maxTtlMs: m.store.maxTtlMs,
    write: async (key, value, options) => {
      m.assertOpen()
      const e = m.writes.set(key, value, options)
      await m.writes.settle(e, 0, {})
      return e
    },
    erase: async key => {
      m.assertOpen()
      const e = m.writes.delete(key)
      await m.writes.settle(e, 0, {})
      return e
    },
    get: key => m.store.get(key),
    list: options => m.store.list(options),
    watch: options => m.watch(options)
  }
}

function logHost (m: MeshParts): LogHost {
  return { ...storeOps(m), writeStamped: writeStamped(m) }
}

function queueHost (m: MeshParts): QueueHost {
  return {
    ...storeOps(m),
    writeStamped: writeStamped(m),
    maxValueBytes: m.store.maxValueBytes,
    defaultTtlMs: m.store.defaultTtlMs,
    now: () => m.store.now(),
    subscribe: fn => { m.store.subscribe(fn) },
    stamp: () => { m.assertOpen(); m.store.checkClock(); return formatTimestamp(m.store.hlc.now()) },
    quorum: m.quorum
  }
}

/** Writes at a key made from the write's own HLC (log records, queue items). */
function writeStamped (m: MeshParts): LogHost['writeStamped'] {
  return async (keyOf, value, options) => {
    m.assertOpen()
    const replicas = checkReplication(options)
    // the key carries the write's own clock: stamp first, then write with that stamp
    m.store.checkClock()
    const t = m.store.hlc.now()
    const e = m.store.set(keyOf(formatTimestamp(t)), value, options.ttl, t)
    m.writes.publish(e)
    await m.writes.settle(e, replicas, options)
    return e
  }
}
