/**
 * The API facade: the `Mesh` a caller holds. Thin: validation and the shape of the API here,
 * replication in `net`, semantics in `core`, the features in `features`. Beside it: what its
 * calls take and give (mesh-types.ts), starting a node (start.ts), a local write's way to the
 * disk and the peers (writes.ts), the data types and their hosts (data-hosts.ts), watches
 * (watch.ts), waits (readiness.ts).
 */
import { peerIdFromString } from '@libp2p/peer-id'
import type { Libp2p } from 'libp2p'
import type { Entry } from '../core/entry.js'
import { MeshClosedError, ReservedKeyError } from '../core/errors.js'
import { isReserved, RESERVED_PREFIX } from '../core/keys.js'
import { checkKey, checkNumberOption, resolveTtl } from '../core/limits.js'
import type { ListOptions, Store } from '../core/store.js'
import type { LockStatus } from '../core/lease.js'
import { DEFAULT_CLOSE_TIMEOUT_MS } from '../net/delivery.js'
import type { MeshNode } from '../net/node.js'
import type { SyncResult } from '../net/sync.js'
import type { DataDir } from '../storage/data-dir.js'
import type { Drops } from '../features/drops/drops.js'
import type { Logs } from '../features/logs/logs.js'
import type { Queues } from '../features/queues/queues.js'
import { elect, leaderOf, resign, type ElectOptions, type Leadership } from '../features/election/election.js'
import { Locks, MAX_SETTLE_MS, MIN_SETTLE_MS, type Lease, type LockOptions } from '../features/locks/locks.js'
import { heartbeat, members, type Heartbeat, type HeartbeatOptions, type Member } from '../features/presence/presence.js'
import type { Counters } from '../features/counters/counters.js'
import type { Sets } from '../features/sets/sets.js'
import { conditionalDelete, conditionalSet, isConditional } from '../features/conditional/conditional.js'
import { DataTypes } from './data-hosts.js'
import { checkReplication, type DeleteOptions, type DeliveryReport, type ListPage, type MeshEvent, type SetOptions, type WaitOptions, type WatchOptions } from './mesh-types.js'
import type { MeshOptions } from './options.js'
import { QuorumRegisters } from './quorum.js'
import { waitForLive, waitUntil, type ReadyOptions } from './readiness.js'
import { start, warnClock } from './start.js'
import { statsOf, type MeshStats } from './stats.js'
import { Watches } from './watch.js'
import { Writes } from './writes.js'

/** Longest a gossip-mode lock waits for a newly started node's first anti-entropy round. */
const CATCH_UP_LIMIT_MS = 5_000

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
  private readonly watches = new Watches()
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
  /** A local write's way to the disk and the peers. */
  private readonly writes: Writes
  /** The data types (drops, logs, queues, counters, sets), each made on first use. */
  private readonly types: DataTypes

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
    this.writes = new Writes(store, node, dataDir, () => this.closing !== undefined)
    this.quorum = new QuorumRegisters({ members: options.quorum?.members, request: async (peer, req, signal) => node.casRequest(peer, req, signal), now: () => store.now(), hint: key => node.casAcceptor.hint(key), assertOpen: () => { this.assertOpen() } })
    this.types = new DataTypes({
      store,
      writes: this.writes,
      quorum: this.quorum,
      assertOpen: () => { this.assertOpen() },
      watch: options => this.watch(options),
      waitFor: async (key, options) => this.waitFor(key, options),
      list: options => this.list(options)
    })
    this.locks = new Locks({
      store,
      selfId: store.node,
      quorum: options.quorum,
      maxLeaseTtlMs,
      publish: e => { this.writes.publish(e) },
      request: async (peer, req, signal) => node.leaseRequest(peer, req, signal),
      meshPeers: () => this.peers(),
      settleMs: () => Math.min(MAX_SETTLE_MS, Math.max(MIN_SETTLE_MS, node.deliveryBoundMs() ?? MIN_SETTLE_MS)),
      caughtUp: async () => node.caughtUpWith(CATCH_UP_LIMIT_MS),
      assertOpen: () => { this.assertOpen() }
    })
  }

  /** @internal use {@link createMesh} */
  static async create (options: MeshOptions = {}): Promise<Mesh> {
    const { name, store, node, maxLeaseTtlMs, dataDir } = await start(options)
    const mesh = new Mesh(name, store, node, options, maxLeaseTtlMs, dataDir)
    store.offsets.onLevel = status => { warnClock(store.node, status, store.hlc.maxDriftMs, store.offsets.warnMs) }
    store.subscribe(e => { mesh.watches.fanOut(e) })
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
      entry = await conditionalSet(this.types.host, key, value, options, resolveTtl(options.ttl, this.store.defaultTtlMs, this.store.maxTtlMs))
    } else {
      entry = this.writes.set(key, value, options)
    }
    await this.writes.settle(entry, replicas, options)
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
      tombstone = await conditionalDelete(this.types.host, key, options)
    } else {
      tombstone = this.writes.delete(key)
    }
    await this.writes.settle(tombstone, replicas, options)
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
    return this.watches.open(options)
  }

  /** Resolves with the key's entry as soon as it is live (at once if it already is). */
  async waitFor (key: string, options: WaitOptions = {}): Promise<Entry> {
    this.assertOpen()
    return waitForLive(this.store, key, options, this.onClose)
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
    const hb = heartbeat(this.store, e => { this.writes.publish(e) }, id, options)
    this.heartbeats.add(hb)
    return hb
  }

  /** Live presence entries whose id starts with `prefix`. */
  members (prefix = ''): Member[] {
    return members(this.store, prefix)
  }

  /** Secure-relay drops: encrypted here, stored by the mesh as ciphertext only. */
  get drops (): Drops {
    return this.types.drops
  }

  /** Append-only logs: records in HLC order, ranged from a position, watched (gossip mode). */
  get logs (): Logs {
    return this.types.logs
  }

  /** Work queues: push, pop with a visibility timeout, ack, nack, size, peek, dead letters (gossip or quorum mode). */
  get queues (): Queues {
    return this.types.queues
  }

  /**
   * Integer counters (`inc`, `dec`, `get`): a PN-counter in gossip mode (this node's view, never
   * loses an increment), exact in quorum mode (unique values, bounded `dec`).
   */
  get counters (): Counters {
    return this.types.counters
  }

  /** Sets of strings with a TTL per member (`add`, `remove`, `members`, `has`, `size`): add-wins in gossip mode, exact in quorum mode. */
  get sets (): Sets {
    return this.types.sets
  }

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
    return statsOf(this.store, this.node, { active: this.watches.size, overflowed: this.watches.overflows })
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
          await this.writes.durable()
        } finally {
          this.store.close()
          await this.dataDir?.close()
        }
        this.watches.endAll()
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

