/**
 * The API facade: `createMesh` and the `Mesh` a caller holds. Thin: validation and the shape of
 * the API here, replication in `net`, semantics in `core`.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import type { Libp2p } from 'libp2p'
import type { Entry } from '../core/entry.js'
import { AbortError, InvalidOptionError, MeshClosedError, ReservedKeyError, StorageError, WaitTimeoutError, WatchOverflowError } from '../core/errors.js'
import { hiddenUnder, isReserved, RESERVED_PREFIX } from '../core/keys.js'
import { checkKey, checkNumberOption, resolveTtl } from '../core/limits.js'
import { Store, type ListOptions, type StoreEvent } from '../core/store.js'
import { DEFAULT_CLOSE_TIMEOUT_MS, DEFAULT_REPLICA_TIMEOUT_MS } from '../net/delivery.js'
import { DEFAULT_SYNC_INTERVAL_MS, MeshNode } from '../net/node.js'
import type { SyncResult } from '../net/sync.js'
import { DEFAULT_WATCH_MAX_QUEUED, DEFAULT_WATCH_MAX_QUEUED_BYTES, EventQueue } from './watch.js'
import type { DataDir } from '../storage/data-dir.js'
import { durableAcceptor, openDurable } from './durable.js'
import { casAcceptorFor, QuorumRegisters } from './quorum.js'
import { loadIdentity, type Identity } from './identity.js'
import { checkAddrs, checkQuorum, DEFAULT_LISTEN, DEFAULT_MESH_NAME, type MeshOptions } from './options.js'
import { statsOf, type MeshStats } from './stats.js'
import { waitUntil, type ReadyOptions } from './readiness.js'
import type { ClockStatus } from '../core/clock-offset.js'

/** The `code` of the process warnings a node emits about its clock (see `stats().clock`). */
export const CLOCK_WARNING_CODE = 'MESHKV_CLOCK_SKEW'

/** Longest a gossip-mode lock waits for a newly started node's first anti-entropy round. */
const CATCH_UP_LIMIT_MS = 5_000
import { Drops } from '../features/drops/drops.js'
import { Logs } from '../features/logs/logs.js'
import { Queues } from '../features/queues/queues.js'
import { logHost, queueHost, type MeshParts } from './data-hosts.js'
import { Acceptor } from '../core/acceptor.js'
import type { LockStatus } from '../core/lease.js'
import { peerIdVerifier, signerFor } from '../net/trust.js'
import { elect, leaderOf, resign, type ElectOptions, type Leadership } from '../features/election/election.js'
import { DEFAULT_MAX_LEASE_TTL_MS, Locks, MAX_SETTLE_MS, MIN_SETTLE_MS, type Lease, type LockOptions, type QuorumOptions } from '../features/locks/locks.js'
import { heartbeat, members, type Heartbeat, type HeartbeatOptions, type Member } from '../features/presence/presence.js'
import { Counters } from '../features/counters/counters.js'
import { Sets } from '../features/sets/sets.js'
import { conditionalDelete, conditionalSet, isConditional, type Condition } from '../features/conditional/conditional.js'
import type { DataHost } from '../features/data-host.js'

/** How far a write must get before its promise resolves (`set`, `delete`). */
export interface ReplicationOptions {
  /**
   * Connected mesh peers that must have applied the write before the promise resolves. 0: applied
   * locally (it is then gossiped and handed to a peer shortly). With fewer peers connected than
   * asked the call fails at once with NotEnoughPeersError; the write stays applied either way.
   * @default 0
   */
  replicas?: number
  /** Milliseconds to wait for `replicas` acks before rejecting with ReplicationTimeoutError. @default 5_000 */
  replicaTimeout?: number
  /** Stops waiting for acks (AbortError); the write stays applied. */
  signal?: AbortSignal
}

export interface SetOptions extends ReplicationOptions, Condition {
  /** Time to live in ms; `Infinity` never expires. @default the mesh's `defaultTtlMs` */
  ttl?: number
}

/** `delete`'s options: replication, and a condition (`ifValue`, `mode`). */
export interface DeleteOptions extends ReplicationOptions, Omit<Condition, 'ifNotExists'> {}

/** What `flush()` and `close()` could not hand to a peer. */
export interface DeliveryReport {
  /** Local writes (the latest per key) no peer has confirmed holding. */
  undelivered: number
}

export interface WatchOptions {
  /** Only keys starting with this. @default '' */
  prefix?: string
  /** Ends the iteration when aborted. */
  signal?: AbortSignal
  /**
   * Most events held for a consumer that has not taken them yet. Past it (or `maxQueuedBytes`) the
   * watch ends: its queued events are dropped and the iteration throws WatchOverflowError.
   * @default 10_000
   */
  maxQueued?: number
  /** Most bytes held for the consumer: key characters + value bytes + 64 per event; the same rule. @default 67_108_864 (64 MiB) */
  maxQueuedBytes?: number
}

export interface WaitOptions {
  signal?: AbortSignal
  /** Milliseconds to wait before rejecting with WaitTimeoutError. @default no limit */
  timeout?: number
}

/** A visible change: a value set, deleted, or expired. */
export interface MeshEvent {
  type: 'set' | 'delete' | 'expire'
  key: string
  /** The new entry (`set`), the tombstone (`delete`), or the version that expired (`expire`). */
  entry?: Entry
  /** True when this node made the change. */
  local: boolean
}

export interface ListPage {
  keys: string[]
  entries?: Entry[]
  /** Pass as `cursor` to get the next page; absent on the last page. */
  nextCursor?: string
}

/** Runs `fn`; if it fails, releases the data directory opened for it. */
async function closingOnFailure<T> (dataDir: DataDir | undefined, fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (err) {
    await dataDir?.close()
    throw err
  }
}

/**
 * The node's identity: from `identityFile` (created on first start), `privateKey`, the data
 * directory's `identity.key` (a durable node keeps its peer id), or a new key.
 */
async function identityOf (options: MeshOptions, dataDir: DataDir | undefined): Promise<Identity> {
  if (options.identityFile !== undefined && options.privateKey !== undefined) {
    throw new InvalidOptionError('give `identityFile` or `privateKey`, not both')
  }
  if (options.identityFile !== undefined) return loadIdentity(options.identityFile)
  // a given key may have been used before (its history is unknown): not fresh
  if (options.privateKey !== undefined) return { privateKey: options.privateKey, created: false }
  if (dataDir !== undefined) return loadIdentity(dataDir.identityFile)
  return { privateKey: await generateKeyPair('Ed25519'), created: true }
}

/** Refuses a public write to a key under `@meshkv/` (only meshkv's features write there). */
function assertPublic (key: unknown, op: 'set' | 'delete'): void {
  if (typeof key === 'string' && isReserved(key)) {
    throw new ReservedKeyError(`cannot ${op} ${JSON.stringify(key.slice(0, 200))}: keys under ${RESERVED_PREFIX} are meshkv's own (lock claims, drops); use the lock and drop APIs`)
  }
}

/** A running mesh node. Create one with {@link createMesh}. */
export class Mesh {
  /** The mesh name. */
  readonly name: string
  /** Advanced: the underlying libp2p node. */
  readonly libp2p: Libp2p
  private readonly store: Store
  private readonly node: MeshNode
  /** Live watches and their key prefixes. */
  private readonly watchers = new Map<EventQueue<MeshEvent>, string>()
  /** Watches ended because their consumer fell too far behind. */
  private watchOverflows = 0
  private readonly locks: Locks
  /** Quorum registers (CASPaxos), for the features' quorum mode. */
  private readonly quorum: QuorumRegisters
  private readonly heartbeats = new Set<Heartbeat>()
  /** Rejecters of pending `waitFor` calls, run on close. */
  private readonly waiters = new Set<() => void>()
  private timer: NodeJS.Timeout | undefined
  private timerAt = Infinity
  private closing: Promise<DeliveryReport> | undefined
  private readonly closeTimeoutMs: number
  /** The data directory of a durable node. */
  private readonly dataDir: DataDir | undefined
  private flushQueued = false

  private constructor (name: string, store: Store, node: MeshNode, options: MeshOptions, maxLeaseTtlMs: number, dataDir: DataDir | undefined) {
    this.name = name
    this.closeTimeoutMs = options.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS
    this.store = store
    this.node = node
    this.libp2p = node.libp2p
    this.dataDir = dataDir
    store.onDeadline = (at) => { this.arm(at) }
    const loaded = store.nextDeadline()
    if (loaded !== undefined) this.arm(loaded)
    // changes not made by set/delete (merges, expiry) reach the disk once per event-loop turn
    if (store.journal !== undefined) {
      store.journal.onDirty = () => { this.queueFlush() }
      if (store.journal.dirty) this.queueFlush() // what loading changed (values of keys expired while down)
    }
    this.quorum = new QuorumRegisters({ members: options.quorum?.members, request: async (peer, req, signal) => node.casRequest(peer, req, signal), now: () => store.now(), assertOpen: () => { this.assertOpen() } })
    this.locks = new Locks({
      store,
      selfId: store.node,
      quorum: options.quorum,
      maxLeaseTtlMs,
      publish: e => { this.publish(e) },
      request: async (peer, req, signal) => node.leaseRequest(peer, req, signal),
      meshPeers: () => this.peers(),
      settleMs: () => Math.min(MAX_SETTLE_MS, Math.max(MIN_SETTLE_MS, node.deliveryBoundMs() ?? MIN_SETTLE_MS)),
      caughtUp: async () => node.caughtUpWith(CATCH_UP_LIMIT_MS),
      assertOpen: () => { this.assertOpen() }
    })
  }

  /** @internal use {@link createMesh} */
  static async create (options: MeshOptions = {}): Promise<Mesh> {
    const name = options.name ?? DEFAULT_MESH_NAME
    if (typeof name !== 'string' || name.length === 0 || name.length > 256 || name.includes('/')) {
      throw new InvalidOptionError(`\`name\` must be 1 to 256 characters without "/", got ${JSON.stringify(name)}`)
    }
    const syncIntervalMs = checkNumberOption('syncIntervalMs', options.syncIntervalMs ?? DEFAULT_SYNC_INTERVAL_MS, 10, 2 ** 31 - 1, true)
    const listen = checkAddrs('listen', options.listen ?? DEFAULT_LISTEN)
    const bootstrap = checkAddrs('bootstrap', options.bootstrap ?? [])
    const maxLeaseTtlMs = checkNumberOption('maxLeaseTtlMs', options.maxLeaseTtlMs ?? DEFAULT_MAX_LEASE_TTL_MS, 1, 2 ** 31 - 1)
    if (options.closeTimeoutMs !== undefined) checkNumberOption('closeTimeoutMs', options.closeTimeoutMs, 0, 2 ** 31 - 1)
    if (options.quorum !== undefined) checkQuorum(options.quorum)
    // the store's own options (limits, clock) keep their defaults in the store; nothing else passes
    const { clock, maxDriftMs, clockWarningMs, maxKeyBytes, maxValueBytes, defaultTtlMs, maxTtlMs, tombstoneGraceMs, maxEntries, maxBytes } = options
    const dataDir = openDurable(options)
    const { privateKey, created } = await closingOnFailure(dataDir, async () => identityOf(options, dataDir))
    const store = await closingOnFailure(dataDir, () => new Store(peerIdFromPrivateKey(privateKey).toString(), {
      clock, monotonic: () => performance.now(), maxDriftMs, clockWarningMs, maxKeyBytes, maxValueBytes, defaultTtlMs, maxTtlMs, tombstoneGraceMs, maxEntries, maxBytes,
      signer: signerFor(privateKey),
      verify: peerIdVerifier(),
      storage: dataDir?.storage
    }))
    const node = await closingOnFailure(dataDir, async () => MeshNode.create({
      name,
      listen,
      bootstrap,
      mdns: options.mdns ?? true,
      store,
      // an identity made just now never granted a lease: its acceptor need not wait out old grants
      acceptor: new Acceptor(() => store.now(), maxLeaseTtlMs, { fresh: created, forgetAfterMs: 2 * store.hlc.maxDriftMs, ...durableAcceptor(store, created) }),
      casAcceptor: casAcceptorFor(dataDir?.storage, { created, identityFile: options.identityFile !== undefined, forgetAfterMs: 2 * store.hlc.maxDriftMs }),
      syncIntervalMs,
      privateKey,
      connectionGater: options.connectionGater,
      psk: options.psk,
      allowPeers: options.allowPeers
    }))
    const mesh = new Mesh(name, store, node, options, maxLeaseTtlMs, dataDir)
    store.offsets.onLevel = status => { warnClock(store.node, status, store.hlc.maxDriftMs, store.offsets.warnMs) }
    store.subscribe(e => { mesh.fanOut(e) })
    return mesh
  }

  /** The limits this node enforces on keys, values and TTLs. */
  get limits (): { maxKeyBytes: number, maxValueBytes: number, defaultTtlMs: number, maxTtlMs: number } {
    return { maxKeyBytes: this.store.maxKeyBytes, maxValueBytes: this.store.maxValueBytes, defaultTtlMs: this.store.defaultTtlMs, maxTtlMs: this.store.maxTtlMs }
  }

  /** This node's peer id. */
  get peerId (): string {
    return this.node.peerId.toString()
  }

  /** Addresses other nodes can dial, each ending in `/p2p/<peer id>`. */
  get multiaddrs (): string[] {
    return this.libp2p.getMultiaddrs().map(a => a.toString())
  }

  /**
   * Writes a value: applied locally at once, then replicated. Overwrites silently and refreshes
   * the TTL. With `replicas: k` it resolves once k connected peers have applied it. Keys under
   * `@meshkv/` are meshkv's own (lock claims, drops): ReservedKeyError.
   */
  async set (key: string, value: string | Uint8Array, options: SetOptions = {}): Promise<Entry> {
    this.assertOpen()
    assertPublic(key, 'set')
    const replicas = checkReplication(options)
    let entry: Entry
    if (isConditional(options)) {
      checkKey(key, this.store.maxKeyBytes)
      entry = await conditionalSet(this.dataHost, key, value, options, resolveTtl(options.ttl, this.store.defaultTtlMs, this.store.maxTtlMs))
    } else {
      entry = this.write(key, value, options)
    }
    await this.settle(entry, replicas, options)
    return entry
  }

  /** Resolves once a local write is durable (with a data directory) and held by `replicas` peers. */
  private async settle (entry: Entry, replicas: number, options: ReplicationOptions): Promise<void> {
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
  private async durable (): Promise<void> {
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
  private publish (e: Entry): void {
    const journal = this.store.journal
    if (journal === undefined || journal.exposable(e)) this.node.publish(e)
    else this.store.flush().then(() => { if (this.closing === undefined) this.node.publish(e) }, () => {})
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

  /** A write by meshkv itself (drops), reserved keys included. */
  private write (key: string, value: string | Uint8Array, options: SetOptions): Entry {
    const entry = this.store.set(key, value, options.ttl)
    this.publish(entry)
    return entry
  }

  /** The live entry of a key, from local state; undefined when absent, deleted or expired. */
  get (key: string): Entry | undefined {
    return this.store.get(key)
  }

  /** Whether a key has a live value. */
  has (key: string): boolean {
    return this.store.get(key) !== undefined
  }

  /**
   * Deletes a key: a tombstone write that loses to any later write. Resolves with the tombstone;
   * with `replicas: k`, once k connected peers have applied it. Reserved keys: ReservedKeyError.
   */
  async delete (key: string, options: DeleteOptions = {}): Promise<Entry> {
    this.assertOpen()
    assertPublic(key, 'delete')
    const replicas = checkReplication(options)
    let tombstone: Entry
    if (isConditional(options)) {
      checkKey(key, this.store.maxKeyBytes)
      tombstone = await conditionalDelete(this.dataHost, key, options)
    } else {
      tombstone = this.erase(key)
    }
    await this.settle(tombstone, replicas, options)
    return tombstone
  }

  /** A delete by meshkv itself (a burnt drop), reserved keys included. */
  private erase (key: string): Entry {
    const tombstone = this.store.delete(key)
    this.publish(tombstone)
    return tombstone
  }

  /** Live keys (and entries) in key order, paginated by `limit` and `cursor`. */
  list (options: ListOptions = {}): ListPage {
    const page = this.store.list(options)
    return page.nextCursor === undefined ? { keys: page.keys, entries: page.entries } : page
  }

  /**
   * Changes to keys under `prefix` as they happen (local and remote), until `signal` aborts or the
   * mesh closes. A consumer more than `maxQueued` events (or `maxQueuedBytes`) behind is cut off:
   * the iteration throws WatchOverflowError (read the state with `list` and watch again).
   */
  watch (options: WatchOptions = {}): AsyncIterableIterator<MeshEvent> {
    this.assertOpen()
    const prefix = options.prefix ?? ''
    const maxItems = checkNumberOption('maxQueued', options.maxQueued ?? DEFAULT_WATCH_MAX_QUEUED, 1)
    const maxBytes = checkNumberOption('maxQueuedBytes', options.maxQueuedBytes ?? DEFAULT_WATCH_MAX_QUEUED_BYTES, 1)
    const queue: EventQueue<MeshEvent> = new EventQueue(() => { this.watchers.delete(queue) }, options.signal, {
      maxItems,
      maxBytes,
      sizeOf: e => e.key.length + (e.entry?.value.byteLength ?? 0) + 64,
      overflow: (items, bytes) => {
        this.watchOverflows++
        return new WatchOverflowError(`the watch of ${JSON.stringify(prefix)} fell ${items} events (${bytes} bytes) behind, over its maxQueued of ${maxItems} or maxQueuedBytes of ${maxBytes}: it was ended and those events dropped; list() the state and watch again`)
      }
    })
    this.watchers.set(queue, prefix)
    return queue
  }

  /** Resolves with the key's entry as soon as it is live (at once if it already is). */
  async waitFor (key: string, options: WaitOptions = {}): Promise<Entry> {
    this.assertOpen()
    checkKey(key, this.store.maxKeyBytes)
    const now = this.store.get(key)
    if (now !== undefined) return now
    const { signal, timeout } = options
    if (timeout !== undefined) checkNumberOption('timeout', timeout, 0, 2 ** 31 - 1)
    if (signal?.aborted === true) throw new AbortError(`waitFor(${JSON.stringify(key)}) was aborted`)
    return new Promise<Entry>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined
      const done = (): void => {
        unsubscribe()
        clearTimeout(timer)
        signal?.removeEventListener('abort', onAbort)
        this.waiters.delete(onClose)
      }
      const onAbort = (): void => { done(); reject(new AbortError(`waitFor(${JSON.stringify(key)}) was aborted`)) }
      const onClose = (): void => { done(); reject(new MeshClosedError('the mesh closed while waiting')) }
      const unsubscribe = this.store.subscribe(e => {
        if (e.key === key && e.type === 'set') { done(); resolve(e.entry) }
      })
      if (timeout !== undefined) {
        timer = setTimeout(() => { done(); reject(new WaitTimeoutError(`waitFor(${JSON.stringify(key)}) timed out after ${timeout} ms`)) }, timeout)
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      this.waiters.add(onClose)
    })
  }

  // ---- locks, leaders, presence -------------------------------------------------------------

  /**
   * Acquires a lock: resolves with a Lease (fencing `token`, `signal`, `renew`, `release`).
   * Without `wait` it fails at once with LockUnavailableError while another owner holds it.
   */
  async lock (name: string, options: LockOptions = {}): Promise<Lease> {
    return this.locks.lock(name, options)
  }

  /** Releases `name` held by `owner` (who need not hold a Lease object here). Anyone else: NotLockHolderError. */
  async unlock (name: string, options: { owner?: string } = {}): Promise<void> {
    await this.locks.unlock(name, options.owner ?? this.peerId)
  }

  /** Who holds a lock now: `{ held, owner, token, expiresAt, since }` or `{ held: false }`. */
  lockStatus (name: string): LockStatus {
    return this.locks.status(name)
  }

  /** Campaigns for leadership of `group`; resolves when this node leads (auto-renewing). ElectionLostError while another leader is live, unless `wait`. */
  async elect (group: string, options: ElectOptions = {}): Promise<Leadership> {
    return elect(this.locks, group, options)
  }

  /** The id of the live leader of `group`, or undefined. */
  leader (group: string): string | undefined {
    return leaderOf(this.locks, group)
  }

  /** Ends the leadership of `group` held by `id` (default this node), from any node. Anyone but the live leader: NotLeaderError. */
  async resign (group: string, options: { id?: string } = {}): Promise<void> {
    await resign(this.locks, group, options.id ?? this.peerId)
  }

  /** Announces presence: rewrites a short-TTL key every `interval` until `stop()`. */
  heartbeat (id: string, options: HeartbeatOptions = {}): Heartbeat {
    this.assertOpen()
    const hb = heartbeat(this.store, e => { this.publish(e) }, id, options)
    this.heartbeats.add(hb)
    return hb
  }

  /** Live presence entries whose id starts with `prefix`. */
  members (prefix = ''): Member[] {
    return members(this.store, prefix)
  }

  /** Secure-relay drops: encrypted here, stored by the mesh as ciphertext only. */
  get drops (): Drops {
    this._drops ??= new Drops({
      set: async (key, value, options) => { this.assertOpen(); return this.write(key, value, options) },
      get: key => this.get(key),
      delete: async key => { this.assertOpen(); return this.erase(key) },
      waitFor: async (key, options) => this.waitFor(key, options),
      list: options => this.list(options),
      watch: options => this.watch(options)
    })
    return this._drops
  }

  private _drops: Drops | undefined

  /** Append-only logs: records in HLC order, ranged from a position, watched (gossip mode). */
  get logs (): Logs {
    this._logs ??= new Logs(logHost(this.parts()))
    return this._logs
  }

  private _logs: Logs | undefined

  /** Work queues: push, pop with a visibility timeout, ack, nack, size, peek, dead letters (gossip or quorum mode). */
  get queues (): Queues {
    this._queues ??= new Queues(queueHost(this.parts(), this.quorum))
    return this._queues
  }

  private _queues: Queues | undefined

  /** What the data-type hosts (api/data-hosts.ts) may use. */
  private parts (): MeshParts {
    return {
      store: this.store,
      publish: e => { this.publish(e) },
      settle: async (e, replicas, options) => { await this.settle(e, replicas, options) },
      assertOpen: () => { this.assertOpen() },
      watch: options => this.watch(options)
    }
  }

  /**
   * Integer counters (`inc`, `dec`, `get`): a PN-counter in gossip mode (this node's view, never
   * loses an increment), exact in quorum mode (unique values, bounded `dec`).
   */
  get counters (): Counters {
    this._counters ??= new Counters(this.dataHost)
    return this._counters
  }

  private _counters: Counters | undefined

  /** Sets of strings with a TTL per member (`add`, `remove`, `members`, `has`, `size`): add-wins in gossip mode, exact in quorum mode. */
  get sets (): Sets {
    this._sets ??= new Sets(this.dataHost)
    return this._sets
  }

  private _sets: Sets | undefined

  /** What the data types get: the store, publishing, the durable commit and the quorum engine. */
  private get dataHost (): DataHost {
    this._dataHost ??= {
      store: this.store,
      publish: e => { this.publish(e) },
      durable: async () => { await this.durable() },
      quorum: this.quorum,
      assertOpen: () => { this.assertOpen() }
    }
    return this._dataHost
  }

  private _dataHost: DataHost | undefined

  /**
   * Whether this node holds the mesh's state: it has completed an anti-entropy round with a peer
   * since it started, or expects no peer (no `bootstrap` address, no mesh peer met or connected).
   */
  get caughtUp (): boolean {
    return this.node.caughtUp || !this.node.expectsPeers()
  }

  /**
   * Resolves once this node holds the mesh's state: its first anti-entropy round with a peer is
   * done. At once when it expects no peer (no `bootstrap` address, no mesh peer met or connected
   * yet: an mDNS-only node alone; `waitForPeers` waits for one). Rejects with WaitTimeoutError
   * after `timeout` ms, AbortError when `signal` aborts, MeshClosedError on close.
   */
  async ready (options: ReadyOptions = {}): Promise<void> {
    this.assertOpen()
    await waitUntil({ what: 'first anti-entropy round', holds: () => this.caughtUp, watch: wake => this.node.onCaughtUp(wake), onClose: this.onClose }, options)
  }

  /**
   * Resolves with the connected peers of this mesh once there are at least `count` of them (at
   * once if there are). Rejects with WaitTimeoutError after `timeout` ms, AbortError when `signal`
   * aborts, MeshClosedError on close.
   */
  async waitForPeers (count = 1, options: ReadyOptions = {}): Promise<string[]> {
    this.assertOpen()
    checkNumberOption('count', count, 1, 100_000)
    await waitUntil({ what: `${count} connected mesh peer${count === 1 ? '' : 's'}`, holds: () => this.peers().length >= count, watch: wake => this.node.onPeersChange(wake), onClose: this.onClose }, options)
    return this.peers()
  }

  /** Registers a rejecter of a pending wait, run on close; returns an unregister. */
  private readonly onClose = (reject: () => void): () => void => {
    this.waiters.add(reject)
    return () => { this.waiters.delete(reject) }
  }

  /** Peer ids of connected peers in this mesh. */
  peers (): string[] {
    return this.node.meshPeers().map(p => p.toString())
  }

  /** Dials a peer by multiaddr (ending in `/p2p/<peer id>`); resolves with its peer id. */
  async dial (addr: string, options: { signal?: AbortSignal } = {}): Promise<string> {
    this.assertOpen()
    return (await this.node.dial(addr, options)).toString()
  }

  /** Runs one anti-entropy round with a connected peer now (they also run on their own). */
  async sync (peerId: string, options: { signal?: AbortSignal } = {}): Promise<SyncResult | undefined> {
    this.assertOpen()
    return this.node.syncWith(peerIdFromString(peerId), options)
  }

  /**
   * Publishes queued writes now and hands every write no peer has confirmed yet to connected
   * peers; resolves when some peer holds each, when no peer is connected, or after `timeout`
   * (default: the mesh's `closeTimeoutMs`), saying how many remain undelivered.
   */
  async flush (options: { timeout?: number } = {}): Promise<DeliveryReport> {
    this.assertOpen()
    const timeout = checkNumberOption('timeout', options.timeout ?? this.closeTimeoutMs, 0, 2 ** 31 - 1)
    return { undelivered: await this.node.flush(timeout) }
  }

  /** Counters of state, traffic, rejections and sync. */
  stats (): MeshStats {
    return statsOf(this.store, this.node, { active: this.watchers.size, overflowed: this.watchOverflows })
  }

  /**
   * Hands every write made before it to the connected peers (until some peer holds each, or
   * `timeout`, default the mesh's `closeTimeoutMs`), then leaves the mesh and ends every watch
   * and wait. What could not be delivered is counted (`stats().replication.undeliveredAtClose`),
   * returned, and reported as a process warning (code `MESHKV_UNDELIVERED`). Idempotent.
   */
  async close (options: { timeout?: number } = {}): Promise<DeliveryReport> {
    if (this.closing === undefined) {
      const timeout = checkNumberOption('timeout', options.timeout ?? this.closeTimeoutMs, 0, 2 ** 31 - 1)
      this.closing = (async () => {
        clearTimeout(this.timer)
        for (const hb of this.heartbeats) hb.stop({ leave: true })
        this.locks.closeAll()
        const connected = this.node.meshPeers().length
        const undelivered = await this.node.stop(timeout)
        try {
          await this.durable()
        } finally {
          this.store.close()
          await this.dataDir?.close()
        }
        for (const w of [...this.watchers.keys()]) w.end()
        for (const fn of [...this.waiters]) fn()
        if (undelivered > 0) {
          const why = connected === 0 ? 'no mesh peer was connected' : `no peer confirmed them within ${timeout} ms`
          process.emitWarning(`meshkv: mesh ${this.name} closed with ${undelivered} local writes no peer holds (${why}); they are lost unless a peer got them by gossip${this.dataDir !== undefined ? ' or they are reloaded from the data directory' : ''}`, { code: 'MESHKV_UNDELIVERED' })
        }
        return { undelivered }
      })()
    }
    return this.closing
  }

  private assertOpen (): void {
    if (this.closing !== undefined) throw new MeshClosedError('the mesh is closed')
  }

  private fanOut (e: StoreEvent): void {
    if (this.watchers.size === 0) return
    const event: MeshEvent = { type: e.type, key: e.key, entry: e.entry, local: e.local }
    // `@` keys (meshkv's own, peers' owned namespaces) reach only watchers that ask for them
    for (const [w, prefix] of this.watchers) {
      if (e.key.startsWith(prefix) && !hiddenUnder(e.key, prefix)) w.push(event)
    }
  }

  /** Arms the expiry timer for `at` if that is earlier than the one armed. */
  private arm (at: number): void {
    if (at >= this.timerAt || this.closing !== undefined) return
    clearTimeout(this.timer)
    this.timerAt = at
    const delay = Math.min(Math.max(at - this.store.now(), 0), 2 ** 31 - 1)
    this.timer = setTimeout(() => {
      this.timerAt = Infinity
      this.store.tick()
      const next = this.store.nextDeadline()
      if (next !== undefined) this.arm(next)
    }, delay)
    this.timer.unref()
  }
}

/** Validates `replicas` and `replicaTimeout`; returns the replicas asked for. */
function checkReplication (options: ReplicationOptions): number {
  const replicas = checkNumberOption('replicas', options.replicas ?? 0, 0, 1_000)
  if (!Number.isInteger(replicas)) throw new InvalidOptionError(`\`replicas\` must be a whole number of peers, got ${replicas}`)
  if (options.replicaTimeout !== undefined) checkNumberOption('replicaTimeout', options.replicaTimeout, 0, 2 ** 31 - 1)
  return replicas
}

/**
 * Says so on the process's warning channel (`process.on('warning')`; printed to stderr by default)
 * when this node's clock crosses the warning threshold or maxDriftMs, or comes back.
 */
function warnClock (node: string, status: ClockStatus, maxDriftMs: number, warnMs: number): void {
  const off = `${Math.round(Math.abs(status.offsetMs))} ms ${status.offsetMs > 0 ? 'ahead of' : 'behind'} the mesh's (median of ${status.peers} peers and itself)`
  const message = status.level === 'skewed'
    ? `meshkv node ${node}: its clock is ${off}, beyond maxDriftMs = ${maxDriftMs} ms: local writes are refused (ClockSkewError) until it is fixed`
    : status.level === 'warn'
      ? `meshkv node ${node}: its clock is ${off}, over the warning threshold of ${warnMs} ms (it runs on the corrected time meanwhile)`
      : `meshkv node ${node}: its clock is back within ${warnMs} ms of the mesh's`
  process.emitWarning(message, { code: CLOCK_WARNING_CODE })
}
