/**
 * Locks: leases over the core fold (gossip mode) or granted by a majority of acceptors (quorum
 * mode), with fencing tokens and a signal that aborts when the lease is lost. The claim logic is
 * the core lock client (src/core/lock-client.ts); this module carries out its effects on a live
 * node: entries written and published, grant requests over the lease protocol, real timers. See
 * docs/locks.md.
 */
import type { GrantReply, GrantRequest } from '../../core/acceptor.js'
import type { Entry } from '../../core/entry.js'
import { AbortError, InvalidOptionError, LeaseLostError, LockUnavailableError, MeshClosedError, NotLockHolderError, type LeaseLossReason } from '../../core/errors.js'
import { checkLeaseName, statusOf, type Claim, type LeaseMode, type LockStatus } from '../../core/lease.js'
import { checkNumberOption } from '../../core/limits.js'
import { DEFAULT_WAIT_TTL_MS, driveClient, LockClient, releaseClaims, type LockEffect, type LockEvent } from '../../core/lock-client.js'
import { lockHolder } from '../../core/lock-view.js'
import type { Store } from '../../core/store.js'

/** Least settle window of a gossip-mode acquire. @default 50 */
export const MIN_SETTLE_MS = 50
/** Most settle window derived from observed delivery latency. @default 2_000 */
export const MAX_SETTLE_MS = 2_000
/** Longest lease TTL in quorum mode (an acceptor that restarts grants nothing for this long). @default 60_000 */
export const DEFAULT_MAX_LEASE_TTL_MS = 60_000

export interface QuorumOptions {
  /**
   * Peer ids of the quorum members (the acceptors): a majority of them must grant a claim (and
   * agree on every quorum-mode register change). A fixed list: a count of acceptors (the removed
   * `size`) would let two disjoint majorities form when more nodes than that run acceptors.
   */
  members: string[]
}

/** Checks a `quorum` option: `{ members }` with at least one peer id; the removed `size` is refused, saying why. */
export function checkQuorum (q: unknown): asserts q is QuorumOptions {
  if (typeof q !== 'object' || q === null) throw new InvalidOptionError(`\`quorum\` must be { members: [peer ids] }, got ${JSON.stringify(q)}`)
  const { members, size } = q as { members?: unknown, size?: unknown }
  if (size !== undefined) {
    throw new InvalidOptionError(`\`quorum.size\` was removed: a count of acceptors lets two disjoint majorities form when more than ${JSON.stringify(size)} nodes run acceptors. Name the members instead: \`quorum: { members: [peer ids] }\``)
  }
  if (!Array.isArray(members) || members.length === 0 || members.some(m => typeof m !== 'string' || m.length === 0 || m.length > 128)) {
    throw new InvalidOptionError(`\`quorum.members\` must be a non-empty array of peer id strings, got ${JSON.stringify(members)}`)
  }
}

export interface LockOptions {
  /** Lease duration in ms. @default 30_000 */
  ttl?: number
  /** Who holds it. @default this node's peer id */
  owner?: string
  /** Keep trying for this many ms while another owner holds it or waits ahead (waiters get the lock in arrival order). @default 0 (fail at once) */
  wait?: number
  signal?: AbortSignal
  /** @default 'quorum' when the mesh (or this call) has `quorum`, else 'gossip' */
  mode?: LeaseMode
  /** Quorum-mode acceptors for this call. @default the mesh's `quorum` */
  quorum?: QuorumOptions
  /** Gossip mode: how long to let competing claims arrive before re-checking. @default derived from delivery latency, at least 50 ms */
  settleMs?: number
}

/** @default 30_000 */
export const DEFAULT_LOCK_TTL_MS = 30_000

/** What the lock service needs from the mesh. */
export interface LeaseHost {
  readonly store: Store
  readonly selfId: string
  readonly quorum: QuorumOptions | undefined
  readonly maxLeaseTtlMs: number
  publish: (e: Entry) => void
  request: (peer: string, req: GrantRequest, signal?: AbortSignal) => Promise<GrantReply>
  meshPeers: () => string[]
  settleMs: () => number
  /** Resolves when this node has caught up with the mesh's state (bounded wait). */
  caughtUp: () => Promise<void>
  assertOpen: () => void
}


/** What a run tells the lock call or the lease it serves. */
interface RunHandlers {
  acquired?: (claim: Claim) => void
  /** The acquisition failed (unavailable, aborted) or an effect could not be carried out. */
  failed?: (err: Error) => void
  renewed?: (expiresAt: number) => void
  ended?: (reason: LeaseLossReason, message: string) => void
}

/** Carries out one core lock client's effects on this node: entries, grant requests, its timer. */
class ClientRun {
  readonly client: LockClient
  readonly feed: (ev: LockEvent) => void
  on: RunHandlers = {}
  private readonly locks: Locks
  private timer: NodeJS.Timeout | undefined
  private readonly unsubscribe: () => void
  /** Release requests in flight: `release()` resolves once the acceptors answered. */
  private releases: Array<Promise<unknown>> = []
  private stopped = false

  constructor (locks: Locks, client: LockClient) {
    this.locks = locks
    this.client = client
    this.feed = driveClient(client, fx => { this.carry(fx) })
    this.unsubscribe = locks.host.store.subscribe(e => { if (!this.stopped && client.concerns(e.key)) this.feed({ type: 'changed' }) })
  }

  /** Releases the hold (every claim of its owner on the lock); resolves when the acceptors answered. */
  async release (): Promise<void> {
    if (!this.client.done) this.feed({ type: 'release' })
    await Promise.all(this.releases)
  }

  private carry (fx: LockEffect): void {
    const { store, publish } = this.locks.host
    try {
      switch (fx.type) {
        case 'write': publish(store.set(fx.key, '', fx.ttl, fx.stamp)); return
        case 'delete': publish(store.delete(fx.key)); return
        case 'request': {
          const p = this.locks.requestAll(fx.to, fx.req, (from, reply) => { this.feed({ type: 'reply', from, kind: fx.req.kind, token: fx.req.token, reply }) })
          if (fx.req.kind === 'release') this.releases.push(p)
          return
        }
        case 'arm': {
          clearTimeout(this.timer)
          const delay = Math.min(Math.max(fx.at - store.now(), 0), 2 ** 31 - 1)
          this.timer = setTimeout(() => { this.feed({ type: 'timer' }) }, delay)
          this.timer.unref()
          return
        }
        case 'acquired': this.on.acquired?.(fx.claim); return
        case 'renewed': this.on.renewed?.(fx.expiresAt); return
        case 'unavailable': this.stop(); this.on.failed?.(new LockUnavailableError(fx.reason, fx.waitedMs > 0 ? `${fx.message} (waited ${fx.waitedMs} ms)` : fx.message, { waitedMs: fx.waitedMs })); return
        case 'aborted': this.stop(); this.on.failed?.(this.locks.closing ? new MeshClosedError('the mesh closed while waiting for the lock') : new AbortError(`lock(${JSON.stringify(this.client.name)}) was aborted`)); return
        case 'ended': this.stop(); this.on.ended?.(fx.reason, fx.message)
      }
    } catch (err) {
      // a write refused (the store is full or closed): the run cannot go on
      this.stop()
      this.on.failed?.(err as Error)
    }
  }

  private stop (): void {
    if (this.stopped) return
    this.stopped = true
    clearTimeout(this.timer)
    this.unsubscribe()
    this.locks.runs.delete(this)
  }
}

/** A held lock. */
export class Lease {
  readonly name: string
  readonly owner: string
  readonly mode: LeaseMode
  /** Fencing token: strictly increasing per lock; compare as strings. Pass it to the resource you guard. */
  readonly token: string
  /** Aborts (reason: LeaseLostError) when the lease is lost, expires unrenewed, or is released. */
  readonly signal: AbortSignal
  private readonly controller = new AbortController()
  private readonly locks: Locks
  private readonly run: ClientRun
  /** Renewals run one after another. */
  private renewing: Promise<void> = Promise.resolve()
  private pending: { resolve: () => void, reject: (err: Error) => void } | undefined

  /** @internal */
  constructor (locks: Locks, run: ClientRun, claim: Claim) {
    this.locks = locks
    this.run = run
    this.name = claim.name
    this.owner = claim.owner
    this.mode = claim.mode
    this.token = claim.token
    this.signal = this.controller.signal
    run.on = {
      renewed: () => { this.pending?.resolve() },
      ended: (reason, message) => { this.end(new LeaseLostError(reason, message)) },
      failed: err => { this.end(new LeaseLostError('closed', `lease on ${this.name} ended: ${err.message}`), err) }
    }
  }

  /** When the lease ends unless renewed (epoch ms). */
  get expiresAt (): number {
    return this.run.client.expiresAt
  }

  /** True while this lease is held. */
  get held (): boolean {
    return !this.signal.aborted
  }

  /**
   * Extends the lease (holder only). Throws LeaseLostError when it is no longer held; `signal`
   * stops waiting for the renewal (AbortError), not the renewal itself.
   */
  async renew (options: { ttl?: number, signal?: AbortSignal } = {}): Promise<void> {
    this.assertHeld()
    const ttl = this.locks.ttl(options.ttl, this.mode)
    const { signal } = options
    if (signal?.aborted === true) throw new AbortError(`renewal of the lease on ${this.name} was aborted`)
    const next = this.renewing.then(async () => {
      this.assertHeld()
      await new Promise<void>((resolve, reject) => {
        this.pending = { resolve, reject }
        this.run.feed({ type: 'renew', ttl })
      }).finally(() => { this.pending = undefined })
    })
    this.renewing = next.catch(() => {})
    if (signal === undefined) return await next
    await new Promise<void>((resolve, reject) => {
      const onAbort = (): void => { reject(new AbortError(`renewal of the lease on ${this.name} was aborted`)) }
      signal.addEventListener('abort', onAbort, { once: true })
      next.then(resolve, reject).finally(() => { signal.removeEventListener('abort', onAbort) })
    })
  }

  /** Releases the lease (holder only), and any other claim its owner still has on the lock; its signal aborts with reason `released`. */
  async release (): Promise<void> {
    if (this.signal.aborted) return
    await this.run.release()
  }

  private end (reason: LeaseLostError, err: Error = reason): void {
    if (!this.signal.aborted) this.controller.abort(reason)
    this.pending?.reject(err)
  }

  private assertHeld (): void {
    if (this.signal.aborted) throw this.signal.reason as Error
  }
}

/** The lock service behind `mesh.lock`, `mesh.unlock` and `mesh.lockStatus`. */
export class Locks {
  readonly host: LeaseHost
  /** @internal every client running on this node, acquiring or holding */
  readonly runs = new Set<ClientRun>()
  /** @internal set by closeAll */
  closing = false
  private readonly leases = new Set<Lease>()

  constructor (host: LeaseHost) {
    this.host = host
  }

  /** The accepted claim holding `name` now, if any. */
  holder (name: string): Claim | undefined {
    return lockHolder(this.host.store, name)
  }

  status (name: string): LockStatus {
    checkLeaseName('lock name', name)
    return statusOf(this.holder(name))
  }

  ttl (ttl: number | undefined, mode: LeaseMode): number {
    const max = mode === 'quorum' ? this.host.maxLeaseTtlMs : this.host.store.maxTtlMs
    return checkNumberOption('ttl', ttl ?? Math.min(DEFAULT_LOCK_TTL_MS, max), 1, max)
  }

  async lock (name: string, options: LockOptions = {}): Promise<Lease> {
    this.host.assertOpen()
    checkLeaseName('lock name', name)
    const owner = options.owner ?? this.host.selfId
    checkLeaseName('owner', owner)
    if (options.quorum !== undefined) checkQuorum(options.quorum)
    const quorum = options.quorum ?? this.host.quorum
    const mode = options.mode ?? (quorum !== undefined ? 'quorum' : 'gossip')
    if (mode !== 'gossip' && mode !== 'quorum') throw new InvalidOptionError(`\`mode\` must be 'gossip' or 'quorum', got ${JSON.stringify(mode)}`)
    if (mode === 'quorum' && quorum === undefined) throw new InvalidOptionError('quorum mode needs `quorum: { members: [peer ids] }`, on createMesh or on this call')
    const ttl = this.ttl(options.ttl, mode)
    const wait = checkNumberOption('wait', options.wait ?? 0, 0, 2 ** 31 - 1, true)
    if (options.settleMs !== undefined) checkNumberOption('settleMs', options.settleMs, 0, 60_000)
    this.host.store.checkClock() // a skewed node's claim would be refused: fail before asking anyone
    const { signal } = options
    // a node that just joined must see the claims already made before it makes its own
    if (mode === 'gossip') await this.host.caughtUp()
    if (signal?.aborted === true) throw new AbortError(`lock(${JSON.stringify(name)}) was aborted`)
    this.host.assertOpen()
    const client = new LockClient(this.host.store, {
      name,
      owner,
      mode,
      ttl,
      wait,
      settleMs: options.settleMs ?? this.host.settleMs(),
      acceptors: () => this.acceptors(quorum),
      random: Math.random,
      waitTtlMs: Math.min(DEFAULT_WAIT_TTL_MS, this.host.store.maxTtlMs)
    })
    const run = new ClientRun(this, client)
    this.runs.add(run)
    return await new Promise<Lease>((resolve, reject) => {
      const onAbort = (): void => { run.feed({ type: 'abort' }) }
      signal?.addEventListener('abort', onAbort, { once: true })
      run.on = {
        acquired: claim => {
          signal?.removeEventListener('abort', onAbort)
          const lease = new Lease(this, run, claim)
          this.leases.add(lease)
          lease.signal.addEventListener('abort', () => this.leases.delete(lease), { once: true })
          resolve(lease)
        },
        failed: err => {
          signal?.removeEventListener('abort', onAbort)
          reject(err)
        }
      }
      run.feed({ type: 'start' })
    })
  }

  /** Releases `name` on behalf of `owner` (the CLI's `lock release`): every claim `owner` has on it. Refuses anyone but the holder, a free lock included. */
  async unlock (name: string, owner: string): Promise<void> {
    this.host.assertOpen()
    checkLeaseName('lock name', name)
    checkLeaseName('owner', owner)
    const holder = this.holder(name)
    // a free lock has no holder to release: nothing of `owner`'s was (its lease may have run out)
    if (holder === undefined) throw new NotLockHolderError(`lock ${name} is not held (by ${owner} or anyone: its lease may have run out)`)
    if (holder.owner !== owner) throw new NotLockHolderError(`lock ${name} is held by ${holder.owner}, not ${owner}`)
    const local = [...this.leases].find(l => l.name === name && l.owner === owner)
    if (local !== undefined) {
      await local.release()
      return
    }
    const waits: Array<Promise<unknown>> = []
    for (const fx of releaseClaims(this.host.store, name, owner, this.acceptors(this.host.quorum).members)) {
      if (fx.type === 'delete') this.host.publish(this.host.store.delete(fx.key))
      else if (fx.type === 'request') waits.push(this.requestAll(fx.to, fx.req))
    }
    await Promise.all(waits)
  }

  /** Ends every lease this node holds, and every acquisition under way (on close). */
  closeAll (): void {
    this.closing = true
    for (const run of [...this.runs]) run.feed({ type: 'close' })
  }

  /** @internal sends `req` to every acceptor in `to`; resolves when all answered (a failed request is a refusal). */
  async requestAll (to: string[], req: GrantRequest, onReply?: (from: string, reply: GrantReply) => void): Promise<void> {
    await Promise.all(to.map(async peer => {
      const reply = await this.host.request(peer, req).catch((): GrantReply => ({ granted: false, reason: 'not-holder' }))
      onReply?.(peer, reply)
    }))
  }

  /** The acceptors of a quorum: its members (none without one). */
  private acceptors (q: QuorumOptions | undefined): { members: string[], size: number } {
    const members = q?.members ?? []
    return { members, size: members.length }
  }
}
