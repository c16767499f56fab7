/**
 * `mesh.logs`: append-only logs over the gossip store. A record is an ordinary entry under
 * `@meshkv/log/<key>/`, written only through this module, at a position that is its own HLC: every
 * node orders a log's records the same way, and merging replicas is the store's LWW merge (a
 * record key is written once, so there is nothing to conflict). `range` reads the store's sorted
 * key index from a position on (no scan of the log); `watch` replays then follows, in one
 * synchronous step, so nothing falls between; `clear` writes a marker whose HLC hides every
 * earlier record, including ones still in flight from a partitioned node.
 *
 * Logs are gossip-only (see docs/semantics.md, "Logs"): the HLC already gives one total order that
 * every node agrees on, so a quorum would add only a stable prefix (no record appearing later at
 * an earlier position), at a round trip per append.
 */
import type { Entry } from '../../core/entry.js'
import { InvalidOptionError } from '../../core/errors.js'
import { encodeCursor } from '../../core/key-index.js'
import { checkNumberOption } from '../../core/limits.js'
import { checkMode } from '../data-mode.js'
import { checkLogKey, checkPosition, clearKey, later, positionOf, recordPrefix } from './layout.js'

/** One record of a log. */
export interface LogRecord {
  /** Where it sits: opaque, sorts in append (HLC) order; pass as `since` to read on from it. */
  position: string
  data: Uint8Array
}

export interface AppendOptions {
  /** Time to live of this record in ms; `Infinity` never expires. @default the mesh's `defaultTtlMs` */
  ttl?: number
  /** Logs are gossip-only: `'quorum'` throws InvalidOptionError. @default 'gossip' */
  mode?: 'gossip' | 'quorum'
  /** Connected peers that must hold the record before the promise resolves (as `set`). @default 0 */
  replicas?: number
  /** Milliseconds to wait for `replicas` acks. @default 5_000 */
  replicaTimeout?: number
  signal?: AbortSignal
}

export interface RangeOptions {
  /** Only records after this position (exclusive). @default the log's start */
  since?: string
  /** Most records returned. @default no limit */
  limit?: number
}

export interface LogWatchOptions {
  /** Replay the records after this position (exclusive) first. @default the log's start */
  since?: string
  /** Ends the iteration. */
  signal?: AbortSignal
}

/** What logs need from the mesh (built in api/data-hosts.ts). */
export interface LogHost {
  /** This node's id (the origin in its positions). */
  readonly node: string
  readonly maxKeyBytes: number
  /** The longest finite TTL: how long a clear marker lives. */
  readonly maxTtlMs: number
  /** Writes `value` at a key made from the write's own HLC (a position); resolves as `set` does with `replicas`. */
  writeStamped: (keyOf: (position: string) => string, value: string | Uint8Array, options: AppendOptions) => Promise<Entry>
  /** A write by meshkv (reserved keys allowed); resolves once applied (and durable). */
  write: (key: string, value: string | Uint8Array, options: { ttl?: number }) => Promise<Entry>
  erase: (key: string) => Promise<Entry>
  get: (key: string) => Entry | undefined
  /** Live entries under a prefix in key order, from after the cursor's key. */
  list: (options: { prefix: string, cursor?: string, limit?: number }) => { entries?: Entry[] }
  /** Subscribes at once (synchronously) to changes under the prefix. */
  watch: (options: { prefix: string, signal?: AbortSignal }) => AsyncIterable<{ type: string, key: string, entry?: Entry }>
}

export class Logs {
  constructor (private readonly host: LogHost) {}

  /** Appends a record; resolves with its position (once `replicas` peers hold it, when asked). */
  async append (key: string, data: string | Uint8Array, options: AppendOptions = {}): Promise<{ position: string }> {
    checkLogKey(key, this.host.node, this.host.maxKeyBytes)
    gossipOnly(options.mode)
    const prefix = recordPrefix(key)
    const e = await this.host.writeStamped(position => prefix + position, data, options)
    return { position: positionOf(e) }
  }

  /** Records after `since` (exclusive), in position order, at most `limit`: the local view. */
  async range (key: string, options: RangeOptions = {}): Promise<LogRecord[]> {
    return this.rangeNow(key, options)
  }

  private rangeNow (key: string, options: RangeOptions): LogRecord[] {
    checkLogKey(key, this.host.node, this.host.maxKeyBytes)
    if (options.since !== undefined) checkPosition(options.since)
    const limit = checkNumberOption('limit', options.limit ?? Infinity, 1, Number.MAX_SAFE_INTEGER, true)
    if (limit !== Infinity && !Number.isInteger(limit)) throw new InvalidOptionError(`\`limit\` must be a whole number of records, got ${limit}`)
    const prefix = recordPrefix(key)
    const after = later(options.since, this.clearedUpTo(key))
    const page = this.host.list({ prefix, cursor: after === undefined ? undefined : encodeCursor(prefix + after), limit })
    return (page.entries ?? []).map(e => ({ position: e.key.slice(prefix.length), data: e.value }))
  }

  /**
   * The records after `since`, then each new record as this node receives it, until `signal`
   * aborts or the mesh closes. The replay and the subscription happen in one synchronous step, so
   * no record falls between them or comes twice. A record arriving late from another node (written
   * earlier, delivered now) is yielded when it arrives, unless it is at or before `since` or
   * cleared: live records come in arrival order, the replay in position order.
   */
  watch (key: string, options: LogWatchOptions = {}): AsyncIterable<LogRecord> {
    checkLogKey(key, this.host.node, this.host.maxKeyBytes)
    if (options.since !== undefined) checkPosition(options.since)
    const prefix = recordPrefix(key)
    const { since, signal } = options
    const self = this
    return {
      async * [Symbol.asyncIterator] () {
        if (signal?.aborted === true) return
        const live = self.host.watch({ prefix, signal })
        const replay = self.rangeNow(key, { since })
        yield * replay
        for await (const ev of live) {
          if (ev.type !== 'set' || ev.entry === undefined) continue
          const position = ev.key.slice(prefix.length)
          if (since !== undefined && position <= since) continue
          const cleared = self.clearedUpTo(key)
          if (cleared !== undefined && position <= cleared) continue
          yield { position, data: ev.entry.value }
        }
      }
    }
  }

  /**
   * Clears the log: a marker whose HLC hides every record at or before it (so records still in
   * flight from elsewhere stay cleared when they arrive), and a delete of each record held here.
   * Records appended after it remain. The marker lives `maxTtlMs` (records with a finite TTL are
   * gone by then).
   */
  async clear (key: string, options: { mode?: 'gossip' | 'quorum' } = {}): Promise<void> {
    checkLogKey(key, this.host.node, this.host.maxKeyBytes)
    gossipOnly(options.mode)
    const marker = await this.host.write(clearKey(key), '', { ttl: this.host.maxTtlMs })
    const upTo = positionOf(marker)
    const prefix = recordPrefix(key)
    for (const e of this.host.list({ prefix }).entries ?? []) {
      if (e.key.slice(prefix.length) < upTo) await this.host.erase(e.key)
    }
  }

  /** The position the log was last cleared up to (its marker's HLC), if it was. */
  private clearedUpTo (key: string): string | undefined {
    const marker = this.host.get(clearKey(key))
    return marker === undefined ? undefined : positionOf(marker)
  }
}

function gossipOnly (mode: unknown): void {
  if (checkMode(mode) === 'quorum') {
    throw new InvalidOptionError('logs are gossip-only: every node already orders a log by the records\' HLC positions, so mode \'quorum\' is not offered (see docs/semantics.md, "Logs")')
  }
}
