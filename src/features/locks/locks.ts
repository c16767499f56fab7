/**
 * Locks: leases over the core fold (gossip mode) or granted by a majority of acceptors (quorum
 * mode), with fencing tokens and a signal that aborts when the lease is lost. See docs/locks.md.
 */
import type { GrantReply, GrantRequest } from '../../core/acceptor.js'
import type { Entry } from '../../core/entry.js'
import { AbortError, InvalidOptionError, LeaseLostError, LockUnavailableError, NotLockHolderError, type LeaseLossReason } from '../../core/errors.js'
import { formatTimestamp } from '../../core/hlc.js'
import { checkLeaseName, claimKey, claimOf, holderAt, lockPrefix, statusOf, type Claim, type LeaseMode, type LockStatus } from '../../core/lease.js'
import { checkNumberOption } from '../../core/limits.js'
import type { Store } from '../../core/store.js'

/** Least settle window of a gossip-mode acquire. @default 50 */
export const MIN_SETTLE_MS = 50
/** Most settle window derived from observed delivery latency. @default 2_000 */
export const MAX_SETTLE_MS = 2_000
/** Longest lease TTL in quorum mode (an acceptor that restarts grants nothing for this long). @default 60_000 */
export const DEFAULT_MAX_LEASE_TTL_MS = 60_000
/** Pause between attempts while waiting for a quorum lock. */
const QUORUM_RETRY_MS = 100

export interface QuorumOptions {
  /** Peer ids of the acceptors. A majority of them must grant a claim. */
  members?: string[]
  /** Or: the mesh has this many acceptors; a majority of `size` grants from any of them. */
  size?: number
}

export interface LockOptions {
  /** Lease duration in ms. @default 30_000 */
  ttl?: number
  /** Who holds it. @default this node's peer id */
  owner?: string
  /** Keep trying for this many ms while another owner holds it. @default 0 (fail at once) */
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

/** A held lock. */
export class Lease {
  readonly name: string
  readonly owner: string
  readonly mode: LeaseMode
  /** @internal the acceptors of a quorum-mode lease */
  readonly quorum: QuorumOptions | undefined
  /** Fencing token: strictly increasing per lock; compare as strings. Pass it to the resource you guard. */
  readonly token: string
  /** Aborts (reason: LeaseLostError) when the lease is lost, expires unrenewed, or is released. */
  readonly signal: AbortSignal
  private _expiresAt: number
  private readonly controller = new AbortController()
  private readonly locks: Locks
  private releasing = false
  private timer: NodeJS.Timeout | undefined
  private unsubscribe: () => void

  /** @internal */
  constructor (locks: Locks, claim: Claim, quorum: QuorumOptions | undefined) {
    this.locks = locks
    this.quorum = quorum
    this.name = claim.name
    this.owner = claim.owner
    this.mode = claim.mode
    this.token = claim.token
    this._expiresAt = claim.end
    this.signal = this.controller.signal
    const prefix = lockPrefix(this.name)
    this.unsubscribe = locks.host.store.subscribe(e => { if (e.key.startsWith(prefix)) this.check() })
    this.arm()
  }

  /** When the lease ends unless renewed (epoch ms). */
  get expiresAt (): number {
    return this._expiresAt
  }

  /** True while this lease is held. */
  get held (): boolean {
    return !this.signal.aborted
  }

  /** Extends the lease (holder only). Throws LeaseLostError when it is no longer held. */
  async renew (options: { ttl?: number, signal?: AbortSignal } = {}): Promise<void> {
    this.assertHeld()
    const ttl = this.locks.ttl(options.ttl, this.mode)
    this._expiresAt = await this.locks.renewClaim(this, ttl, options.signal)
    this.arm()
  }

  /** Releases the lease (holder only); its signal aborts with reason `released`. */
  async release (): Promise<void> {
    if (this.signal.aborted) return
    this.releasing = true
    await this.locks.releaseClaim(this)
    this.end('released', `lease on ${this.name} released`)
  }

  /** @internal */
  end (reason: LeaseLossReason, message: string): void {
    clearTimeout(this.timer)
    this.unsubscribe()
    if (!this.signal.aborted) this.controller.abort(new LeaseLostError(reason, message))
  }

  private assertHeld (): void {
    if (this.signal.aborted) throw this.signal.reason as Error
  }

  /**
   * Re-reads the fold after any change to the lock's claims: the lease is lost when its claim no
   * longer holds (another claim won on heal, or a newer acquisition replaced it). Expiry is the
   * timer's to tell.
   */
  private check (): void {
    if (this.signal.aborted || this.releasing) return
    const holder = this.locks.holder(this.name)
    if (holder?.token === this.token) return
    if (holder === undefined && this.locks.host.store.now() >= this._expiresAt) return
    this.end('superseded', `lease on ${this.name} (token ${this.token}) was superseded${holder !== undefined ? ` by ${holder.owner} (token ${holder.token})` : ''}`)
  }

  private arm (): void {
    clearTimeout(this.timer)
    const delay = Math.min(Math.max(this._expiresAt - this.locks.host.store.now(), 0), 2 ** 31 - 1)
    this.timer = setTimeout(() => {
      if (this.locks.host.store.now() >= this._expiresAt) this.end('expired', `lease on ${this.name} expired unrenewed`)
      else this.arm()
    }, delay)
    this.timer.unref()
  }
}

/** The lock service behind `mesh.lock`, `mesh.unlock` and `mesh.lockStatus`. */
export class Locks {
  readonly host: LeaseHost
  private readonly leases = new Set<Lease>()

  constructor (host: LeaseHost) {
    this.host = host
  }

  /** The accepted claim holding `name` now, if any. */
  holder (name: string): Claim | undefined {
    const claims: Claim[] = []
    for (const e of this.host.store.versionsWithPrefix(lockPrefix(name))) {
      const c = claimOf(e)
      if (c !== undefined && c.name === name) claims.push(c)
    }
    return holderAt(claims, this.host.store.now())
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
    const quorum = options.quorum ?? this.host.quorum
    const mode = options.mode ?? (quorum !== undefined ? 'quorum' : 'gossip')
    if (mode !== 'gossip' && mode !== 'quorum') throw new InvalidOptionError(`\`mode\` must be 'gossip' or 'quorum', got ${JSON.stringify(mode)}`)
    if (mode === 'quorum' && quorum === undefined) throw new InvalidOptionError('quorum mode needs `quorum: { members }` or `quorum: { size }`, on createMesh or on this call')
    const ttl = this.ttl(options.ttl, mode)
    const wait = checkNumberOption('wait', options.wait ?? 0, 0, 2 ** 31 - 1, true)
    if (options.settleMs !== undefined) checkNumberOption('settleMs', options.settleMs, 0, 60_000)
    const { signal } = options
    // a node that just joined must see the claims already made before it makes its own
    if (mode === 'gossip') await this.host.caughtUp()
    const deadline = this.host.store.now() + wait
    for (;;) {
      if (signal?.aborted === true) throw new AbortError(`lock(${JSON.stringify(name)}) was aborted`)
      const held = this.holder(name)
      if (held !== undefined && held.owner !== owner) {
        await this.waitTurn(name, held, deadline, signal)
        continue
      }
      const claim = mode === 'quorum'
        ? await this.claimByQuorum(name, owner, ttl, quorum as QuorumOptions, signal)
        : await this.claimByGossip(name, owner, ttl, options.settleMs ?? this.host.settleMs(), signal)
      if (claim !== undefined) {
        const lease = new Lease(this, claim, mode === 'quorum' ? quorum : undefined)
        this.leases.add(lease)
        lease.signal.addEventListener('abort', () => this.leases.delete(lease), { once: true })
        return lease
      }
      const now = this.holder(name)
      await this.waitTurn(name, now, deadline, signal)
    }
  }

  /** Releases `name` on behalf of `owner` (the CLI's `lock release`). Refuses anyone but the holder. */
  async unlock (name: string, owner: string): Promise<void> {
    this.host.assertOpen()
    checkLeaseName('lock name', name)
    checkLeaseName('owner', owner)
    const holder = this.holder(name)
    if (holder === undefined) return
    if (holder.owner !== owner) throw new NotLockHolderError(`lock ${name} is held by ${holder.owner}, not ${owner}`)
    for (const l of this.leases) if (l.name === name && l.token === holder.token) { await l.release(); return }
    await this.withdraw(holder)
  }

  /** Ends every lease this node holds (on close). */
  closeAll (): void {
    for (const l of [...this.leases]) l.end('closed', `lease on ${l.name} ended: the mesh closed`)
  }

  /** @internal */
  async renewClaim (lease: Lease, ttl: number, signal?: AbortSignal): Promise<number> {
    const claim = this.holder(lease.name)
    if (claim === undefined || claim.token !== lease.token) {
      const err = new LeaseLostError('superseded', `lease on ${lease.name} is no longer held`)
      lease.end(err.reason, err.message)
      throw err
    }
    const start = this.host.store.now()
    if (lease.mode === 'quorum') {
      const ok = await this.ask({ kind: 'renew', name: lease.name, owner: lease.owner, token: lease.token, ttlMs: ttl }, lease.quorum ?? this.host.quorum ?? {}, signal)
      if (!ok.majority) {
        const err = new LeaseLostError('quorum-lost', `lease on ${lease.name} could not be renewed: ${ok.grants} of ${ok.asked} acceptors granted, ${ok.needed} needed`)
        lease.end(err.reason, err.message)
        throw err
      }
    }
    this.write(lease.name, lease.token, lease.owner, lease.mode, ttl)
    return start + ttl
  }

  /** @internal */
  async releaseClaim (lease: Lease): Promise<void> {
    const claim = this.holder(lease.name)
    if (claim !== undefined && claim.token === lease.token) await this.withdraw(claim, lease.quorum)
  }

  private async withdraw (claim: Claim, quorum = this.host.quorum): Promise<void> {
    if (claim.mode === 'quorum') await this.ask({ kind: 'release', name: claim.name, owner: claim.owner, token: claim.token, ttlMs: 1 }, quorum ?? {})
    this.host.publish(this.host.store.delete(claimKey(claim.name, claim.token, claim.owner, claim.mode)))
  }

  /** Writes (or rewrites, to renew) a claim entry. */
  private write (name: string, token: string, owner: string, mode: LeaseMode, ttl: number, stamp?: ReturnType<Store['hlc']['now']>): Entry {
    const e = this.host.store.set(claimKey(name, token, owner, mode), '', ttl, stamp)
    this.host.publish(e)
    return e
  }

  /** Gossip mode: claim, let competing claims arrive, re-check the fold. */
  private async claimByGossip (name: string, owner: string, ttl: number, settleMs: number, signal?: AbortSignal): Promise<Claim | undefined> {
    const stamp = this.host.store.hlc.now()
    const token = formatTimestamp(stamp)
    this.write(name, token, owner, 'gossip', ttl, stamp)
    await sleep(settleMs, signal)
    const holder = this.holder(name)
    if (holder !== undefined && holder.token === token) return holder
    // lost the race: withdraw, so that no node that missed the winner counts us as holder
    const version = this.host.store.version(claimKey(name, token, owner, 'gossip'))
    const mine = version === undefined ? undefined : claimOf(version)
    if (mine !== undefined && !mine.released) await this.withdraw(mine)
    return undefined
  }

  /** Quorum mode: a majority of acceptors must grant the claim; then it is published. */
  private async claimByQuorum (name: string, owner: string, ttl: number, quorum: QuorumOptions, signal?: AbortSignal): Promise<Claim | undefined> {
    const stamp = this.host.store.hlc.now()
    const token = formatTimestamp(stamp)
    const start = this.host.store.now()
    const req: GrantRequest = { kind: 'acquire', name, owner, token, ttlMs: ttl }
    const r = await this.ask(req, quorum, signal)
    // a lease runs from before the request went out: the acceptors' grants outlive the holder's view of it
    if (!r.majority || this.host.store.now() >= start + ttl) {
      for (const peer of r.granted) void this.host.request(peer, { ...req, kind: 'release' })
      return undefined
    }
    this.write(name, token, owner, 'quorum', Math.max(1, start + ttl - stamp.wall), stamp)
    return { name, mode: 'quorum', token, at: stamp.wall, owner, end: start + ttl, released: false }
  }

  /** Sends a request to every acceptor; counts grants against the majority. */
  private async ask (req: GrantRequest, q: QuorumOptions, signal?: AbortSignal): Promise<{ majority: boolean, grants: number, asked: number, needed: number, granted: string[] }> {
    const members = q.members ?? [this.host.selfId, ...this.host.meshPeers()]
    const size = q.members?.length ?? q.size ?? members.length
    const needed = Math.floor(size / 2) + 1
    const replies = await Promise.all(members.map(async m => ({ m, r: await this.host.request(m, req, signal) })))
    const granted = replies.filter(x => x.r.granted).map(x => x.m)
    return { majority: granted.length >= needed, grants: granted.length, asked: members.length, needed, granted }
  }

  /** Waits until the lock may be free (its holder's end, a change, or a quorum retry), or throws when `deadline` has passed. */
  private async waitTurn (name: string, held: Claim | undefined, deadline: number, signal?: AbortSignal): Promise<void> {
    const now = this.host.store.now()
    if (now >= deadline) {
      throw new LockUnavailableError(held !== undefined
        ? `lock ${name} is held by ${held.owner} (token ${held.token}) until ${new Date(held.end).toISOString()}`
        : `lock ${name} could not be acquired: another claim won`)
    }
    const until = Math.min(deadline, held?.end ?? now + QUORUM_RETRY_MS + Math.random() * QUORUM_RETRY_MS)
    const prefix = lockPrefix(name)
    await new Promise<void>((resolve, reject) => {
      const done = (): void => { clearTimeout(timer); unsubscribe(); signal?.removeEventListener('abort', onAbort); resolve() }
      const onAbort = (): void => { clearTimeout(timer); unsubscribe(); reject(new AbortError(`lock(${JSON.stringify(name)}) was aborted`)) }
      const timer = setTimeout(done, Math.max(1, until - now))
      const unsubscribe = this.host.store.subscribe(e => { if (e.key.startsWith(prefix) && e.type !== 'set') done() })
      signal?.addEventListener('abort', onAbort, { once: true })
    })
  }
}

async function sleep (ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0) return
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve() }, ms)
    const onAbort = (): void => { clearTimeout(timer); reject(new AbortError('aborted while settling a lock claim')) }
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
