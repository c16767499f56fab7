/**
 * The hosts the data-type features (logs, queues) are given: what they may do to the store,
 * built from the mesh's internals so `mesh.ts` holds only one getter per type.
 */
import type { Entry } from '../core/entry.js'
import { checkNumberOption } from '../core/limits.js'
import type { Store } from '../core/store.js'
import { formatTimestamp } from '../core/hlc.js'
import type { LogHost } from '../features/logs/logs.js'
import { InvalidOptionError } from '../core/errors.js'
import type { QueueHost, QuorumRegisters } from '../features/queues/host.js'

/** How far a write must get (as `set`'s options). */
interface ReplicationOptions { replicas?: number, replicaTimeout?: number, signal?: AbortSignal }

/** What the mesh lends its data-type hosts. */
export interface MeshParts {
  store: Store
  /** Gossips a local write. */
  publish: (e: Entry) => void
  /** Resolves once a local write is durable and held by `replicas` peers. */
  settle: (e: Entry, replicas: number, options: ReplicationOptions) => Promise<void>
  assertOpen: () => void
  /** The mesh's `watch` (bounded, ends on close). */
  watch: (options: { prefix: string, signal?: AbortSignal }) => AsyncIterable<{ type: string, key: string, entry?: Entry }>
}

/** The store operations every data type uses, reserved keys included (only meshkv calls them). */
function storeOps (m: MeshParts): Pick<LogHost, 'node' | 'maxKeyBytes' | 'maxTtlMs' | 'write' | 'erase' | 'get' | 'list' | 'watch'> {
  return {
    node: m.store.node,
    maxKeyBytes: m.store.maxKeyBytes,
    maxTtlMs: m.store.maxTtlMs,
    write: async (key, value, options) => {
      m.assertOpen()
      const e = m.store.set(key, value, options.ttl)
      m.publish(e)
      await m.settle(e, 0, {})
      return e
    },
    erase: async key => {
      m.assertOpen()
      const e = m.store.delete(key)
      m.publish(e)
      await m.settle(e, 0, {})
      return e
    },
    get: key => m.store.get(key),
    list: options => m.store.list(options),
    watch: options => m.watch(options)
  }
}

export function logHost (m: MeshParts): LogHost {
  return { ...storeOps(m), writeStamped: writeStamped(m) }
}

export function queueHost (m: MeshParts, quorum: QuorumRegisters): QueueHost {
  return {
    ...storeOps(m),
    writeStamped: writeStamped(m),
    maxValueBytes: m.store.maxValueBytes,
    defaultTtlMs: m.store.defaultTtlMs,
    now: () => m.store.now(),
    subscribe: fn => { m.store.subscribe(fn) },
    stamp: () => { m.assertOpen(); m.store.checkClock(); return formatTimestamp(m.store.hlc.now()) },
    quorum
  }
}

/** Writes at a key made from the write's own HLC (log records, queue items). */
function writeStamped (m: MeshParts): LogHost['writeStamped'] {
  return async (keyOf, value, options) => {
    m.assertOpen()
    const replicas = checkReplicas(options)
    // the key carries the write's own clock: stamp first, then write with that stamp
    m.store.checkClock()
    const t = m.store.hlc.now()
    const e = m.store.set(keyOf(formatTimestamp(t)), value, options.ttl, t)
    m.publish(e)
    await m.settle(e, replicas, options)
    return e
  }
}

/** Validates `replicas` and `replicaTimeout` (as `set` does); returns the replicas asked for. */
function checkReplicas (options: ReplicationOptions): number {
  const replicas = checkNumberOption('replicas', options.replicas ?? 0, 0, 1_000)
  if (!Number.isInteger(replicas)) throw new InvalidOptionError(`\`replicas\` must be a whole number of peers, got ${replicas}`)
  if (options.replicaTimeout !== undefined) checkNumberOption('replicaTimeout', options.replicaTimeout, 0, 2 ** 31 - 1)
  return replicas
}
