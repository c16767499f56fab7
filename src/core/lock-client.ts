/**
 * The lock client as a pure state machine: one acquisition of one lock, from the first attempt to
 * the end of the hold. Gossip mode claims, lets competing claims settle and re-checks the fold;
 * quorum mode asks the acceptors, counts grants and writes the granted claim; both renew, release,
 * and notice expiry and loss. Both the product (`src/features/locks`) and the simulator drive it:
 * they feed it events (start, its timer fired, a grant reply, the lock's keys changed, renew,
 * release, abort) and carry out the effects it returns (write or delete an entry, send grant
 * requests, arm its one timer, settle the caller's promise). It reads the store (the fold, the
 * clock) but never writes it, and holds no timers; it is deterministic for an injected clock and
 * random source.
 *
 * Waiting is a queue: a client that has to wait writes a marker (core/lock-view.ts) whose HLC
 * token is its place. When the lock is free, a
 * client claims only if no live marker of another owner is older than its own (a client without a
 * marker defers to every marker), so a contended lock passes to its waiters in arrival order
 * instead of back to the node that just released it. The queue is courtesy, not safety: the fold
 * (and in quorum mode the acceptors) still decides between claims that race. A marker lives
 * `waitTtlMs` and is rewritten at a third of it while its client waits, so a crashed waiter holds
 * up the queue for at most that long.
 */
import type { GrantKind, GrantReply, GrantRequest } from './acceptor.js'
import type { LeaseLossReason, LockUnavailableReason } from './errors.js'
import { formatTimestamp, type Timestamp } from './hlc.js'
import { claimKey, lockPrefix, type Claim, type LeaseMode } from './lease.js'
import { claimsOf, lockHolder, waitersOf, waitKey, waitPrefix, type LockReader } from './lock-view.js'
import { releaseClaims, type LockEffect, type LockEvent } from './lock-driver.js'
import { countReply, openRound, tallyOf, whyFailed, type Round } from './grant-round.js'

export { driveClient, releaseClaims, type LockEffect, type LockEvent } from './lock-driver.js'

/** How long a waiting marker lives unless its waiter rewrites it. @default 3_000 */
export const DEFAULT_WAIT_TTL_MS = 3_000
/** Least pause before trying again after a claim lost or a quorum refused; up to twice this. */
export const RETRY_MS = 100
/**
 * The pause (up to twice this) when acceptors refused only because of a lease this node already
 * saw released: the release request is still on its way to them.
 */
export const RETRY_SOON_MS = 10

export interface LockClientOptions {
  name: string
  owner: string
  mode: LeaseMode
  /** Lease duration, ms. */
  ttl: number
  /** Keep trying this long (ms; Infinity allowed) while another owner holds the lock or waits ahead. 0: fail at once. */
  wait: number
  /** Gossip mode: how long competing claims may take to arrive. */
  settleMs: number
  /** Quorum mode: the acceptors to ask now, and how many acceptors there are (a majority of `size` must grant). */
  acceptors: () => { members: string[], size: number }
  /** Uniform in [0, 1): the jitter of retries. */
  random: () => number
  /** How long a waiting marker lives unless rewritten. @default DEFAULT_WAIT_TTL_MS */
  waitTtlMs?: number
}

type Phase = 'idle' | 'waiting' | 'settling' | 'asking' | 'held' | 'done'

export class LockClient {
  readonly name: string
  readonly owner: string
  readonly mode: LeaseMode
  private readonly reader: LockReader
  private readonly options: LockClientOptions
  private readonly waitTtlMs: number
  /** The lock's claims and its waiting line. */
  private readonly prefixes: [string, string]
  private phase: Phase = 'idle'
  private deadline = 0
  /** This client's place in the queue, once it had to wait. */
  private place: { key: string, token: string, rewriteAt: number } | undefined
  /** No new claim before this (after a lost one). */
  private retryAt = -Infinity
  /** Why the client waits: the message it fails with when the wait runs out. */
  private why = ''
  private whyReason: LockUnavailableReason = 'held'
  /** The claim being settled or held. */
  private claim: Claim | undefined
  /** The grant requests in flight (quorum mode). */
  private round: Round | undefined
  private _expiresAt = 0
  private fx: LockEffect[] = []

  constructor (reader: LockReader, options: LockClientOptions) {
    this.reader = reader
    this.options = options
    this.name = options.name
    this.owner = options.owner
    this.mode = options.mode
    this.waitTtlMs = options.waitTtlMs ?? DEFAULT_WAIT_TTL_MS
    this.prefixes = [lockPrefix(this.name), waitPrefix(this.name)]
  }

  /** The fencing token once acquired. */
  get token (): string | undefined {
    return this.claim?.token
  }

  /** When the hold ends unless renewed (the node's clock). */
  get expiresAt (): number {
    return this._expiresAt
  }

  get held (): boolean {
    return this.phase === 'held'
  }

  /** True after a terminal effect: the client takes no more events. */
  get done (): boolean {
    return this.phase === 'done'
  }

  /** Whether a change to `key` concerns this client: feed `changed` for these. */
  concerns (key: string): boolean {
    return key.startsWith(this.prefixes[0]) || key.startsWith(this.prefixes[1])
  }

  /** Takes one event; returns the effects to carry out, in order. */
  handle (ev: LockEvent): LockEffect[] {
    this.fx = []
    switch (ev.type) {
      case 'start':
        if (this.phase !== 'idle') break
        this.deadline = this.reader.now() + this.options.wait
        this.phase = 'waiting'
        this.evaluate()
        break
      case 'timer':
        if (this.phase === 'waiting') this.evaluate()
        else if (this.phase === 'settling') this.settle()
        else if (this.phase === 'asking') this.roundFailed()
        // the timer measures the lease on this node's clock as it was armed: a clock set back later does not stretch it
        else if (this.phase === 'held') this.end('expired', `lease on ${this.name} expired unrenewed`)
        break
      case 'changed':
        if (this.phase === 'waiting') this.evaluate()
        else if (this.phase === 'held') this.check()
        break
      case 'reply':
        this.reply(ev.from, ev.kind, ev.token, ev.reply)
        break
      case 'renew':
        if (this.phase === 'held' && this.round === undefined) this.renew(ev.ttl)
        break
      case 'release':
        if (this.phase === 'held') this.release()
        break
      case 'abort':
      case 'close':
        if (this.phase === 'held') this.end('closed', `lease on ${this.name} ended: the mesh closed`)
        else if (this.phase !== 'done') this.giveUp({ type: 'aborted' })
        break
    }
    return this.fx
  }

  // ---- acquiring ---------------------------------------------------------------------------

  /** Claims now if the lock is free and nobody waits ahead; otherwise waits (or fails when the wait ran out). */
  private evaluate (): void {
    const now = this.reader.now()
    const holder = lockHolder(this.reader, this.name)
    let until: number
    if (holder !== undefined && holder.owner !== this.owner) {
      this.why = `lock ${this.name} is held by ${holder.owner} (token ${holder.token}) until ${new Date(holder.end).toISOString()}`
      this.whyReason = 'held'
      until = holder.end
    } else {
      // the owner that holds it may claim again at once; anyone else queues behind older waiters
      const ahead = holder !== undefined
        ? []
        : waitersOf(this.reader, this.name, now).filter(w => w.owner !== this.owner && (this.place === undefined || w.token < this.place.token))
      if (ahead.length > 0) {
        this.why = `lock ${this.name} is free but ${ahead.length} other owner${ahead.length > 1 ? 's wait' : ' waits'} ahead (first ${ahead[0].owner})`
        this.whyReason = 'contended'
        until = Math.min(...ahead.map(w => w.expiresAt))
      } else if (now < this.retryAt) {
        until = this.retryAt
      } else {
        this.claimNow(now)
        return
      }
    }
    if (now >= this.deadline) {
      this.giveUp({ type: 'unavailable', reason: this.whyReason, message: this.why, waitedMs: this.options.wait })
      return
    }
    if (this.place === undefined) {
      const stamp = this.reader.hlc.now()
      const token = formatTimestamp(stamp)
      this.place = { key: waitKey(this.name, token, this.owner), token, rewriteAt: now + this.waitTtlMs / 3 }
      this.fx.push({ type: 'write', key: this.place.key, ttl: this.waitTtlMs, stamp })
    } else if (now >= this.place.rewriteAt) {
      this.place.rewriteAt = now + this.waitTtlMs / 3
      this.fx.push({ type: 'write', key: this.place.key, ttl: this.waitTtlMs })
    }
    this.arm(Math.min(this.deadline, until, this.place.rewriteAt))
  }

  private claimNow (now: number): void {
    const stamp = this.reader.hlc.now()
    const token = formatTimestamp(stamp)
    const { name, owner, ttl } = this.options
    if (this.mode === 'gossip') {
      const key = claimKey(name, token, owner, 'gossip')
      this.fx.push({ type: 'write', key, ttl, stamp })
      this.claim = { name, mode: 'gossip', token, at: stamp.wall, owner, end: stamp.wall + ttl, released: false }
      this.phase = 'settling'
      this.arm(now + this.options.settleMs)
    } else {
      this.round = this.ask({ kind: 'acquire', name, owner, token, ttlMs: ttl }, now, stamp)
      this.phase = 'asking'
      // a lease runs from before the requests went out: past its end a majority is worth nothing
      this.arm(now + ttl)
    }
  }

  /** Gossip mode, after the settle window: acquired if this claim holds the fold; else withdraw it and wait. */
  private settle (): void {
    const claim = this.claim as Claim
    const holder = lockHolder(this.reader, this.name)
    if (holder?.token === claim.token) {
      this.acquired(holder)
      return
    }
    // lost the race: withdraw, so that no node that missed the winner counts this claim as holder
    this.fx.push({ type: 'delete', key: claimKey(this.name, claim.token, this.owner, 'gossip') })
    this.claim = undefined
    this.lost()
  }

  private acquired (claim: Claim): void {
    if (this.place !== undefined) this.fx.push({ type: 'delete', key: this.place.key })
    this.place = undefined
    this.claim = claim
    this._expiresAt = claim.end
    this.phase = 'held'
    this.fx.push({ type: 'acquired', claim })
    this.arm(claim.end)
  }

  /** After a lost claim or a refused round: wait a jittered moment (or for the holder), then try again. */
  private lost (soon = false, reason: LockUnavailableReason = 'contended', why = `lock ${this.name} could not be acquired: another claim won`): void {
    const now = this.reader.now()
    this.retryAt = now + (soon ? RETRY_SOON_MS : RETRY_MS) * (1 + this.options.random())
    this.why = why
    this.whyReason = reason
    this.phase = 'waiting'
    this.evaluate()
  }

  private giveUp (result: LockEffect): void {
    if (this.phase === 'settling' && this.claim !== undefined) this.fx.push({ type: 'delete', key: claimKey(this.name, this.claim.token, this.owner, 'gossip') })
    if (this.phase === 'asking') this.returnGrants()
    if (this.place !== undefined) this.fx.push({ type: 'delete', key: this.place.key })
    this.place = undefined
    this.claim = undefined
    this.phase = 'done'
    this.fx.push(result)
  }

  // ---- quorum rounds -----------------------------------------------------------------------

  private ask (req: GrantRequest, start: number, stamp?: Timestamp): Round {
    const { members, size } = this.options.acceptors()
    this.fx.push({ type: 'request', to: members, req })
    return openRound(req, start, members, size, stamp)
  }

  private reply (from: string, kind: GrantKind, token: string, reply: GrantReply): void {
    const r = this.round
    if (r === undefined || r.req.kind !== kind || r.req.token !== token || (this.phase !== 'asking' && this.phase !== 'held')) {
      // a grant for an acquisition this client gave up: give it back
      if (kind === 'acquire' && reply.granted && token !== this.claim?.token) {
        this.fx.push({ type: 'request', to: [from], req: { kind: 'release', name: this.name, owner: this.owner, token, ttlMs: 1 } })
      }
      return
    }
    const outcome = countReply(r, from, reply, token => this.sawReleased(token))
    if (outcome === 'majority') {
      if (kind === 'acquire') this.granted(r)
      else this.renewed(r)
    } else if (outcome === 'out-of-reach') {
      if (kind === 'acquire') this.roundFailed()
      else this.end('quorum-lost', `lease on ${this.name} could not be renewed: ${tallyOf(r)}`)
    }
  }

  /** A majority granted the acquisition: publish the claim to the whole mesh. */
  private granted (r: Round): void {
    const { name, owner, ttl } = this.options
    if (this.reader.now() >= r.start + ttl) {
      this.roundFailed()
      return
    }
    this.round = undefined
    const stamp = r.stamp as Timestamp
    this.fx.push({ type: 'write', key: claimKey(name, r.req.token, owner, 'quorum'), ttl: Math.max(1, r.start + ttl - stamp.wall), stamp })
    this.acquired({ name, mode: 'quorum', token: r.req.token, at: stamp.wall, owner, end: r.start + ttl, released: false })
  }

  /** No majority (refused, or not in time): give back what was granted, then wait and retry. */
  private roundFailed (): void {
    const r = this.round
    const soon = (r?.releasedHolder ?? 0) > 0
    this.returnGrants()
    if (r === undefined) {
      this.lost(soon)
      return
    }
    const { reason, why } = whyFailed(r, this.name)
    this.lost(soon, reason, why)
  }

  private sawReleased (token: string): boolean {
    return claimsOf(this.reader, this.name).some(c => c.token === token && c.released)
  }

  private returnGrants (): void {
    const r = this.round
    this.round = undefined
    if (r !== undefined && r.granted.size > 0) this.fx.push({ type: 'request', to: [...r.granted], req: { ...r.req, kind: 'release' } })
  }

  // ---- holding -----------------------------------------------------------------------------

  /** Re-reads the fold after a change: the hold is lost when its claim no longer holds. Expiry is the timer's to tell. */
  private check (): void {
    const claim = this.claim as Claim
    const holder = lockHolder(this.reader, this.name)
    if (holder?.token === claim.token) return
    if (holder === undefined && this.reader.now() >= this._expiresAt) return
    const mine = claimsOf(this.reader, this.name).find(c => c.token === claim.token && c.owner === this.owner)
    if (mine?.released === true) {
      this.end('released', `lease on ${this.name} (token ${claim.token}) was released by its owner ${this.owner} from another node`)
      return
    }
    this.end('superseded', `lease on ${this.name} (token ${claim.token}) was superseded${holder !== undefined ? ` by ${holder.owner} (token ${holder.token})` : ''}`)
  }

  private renew (ttl: number): void {
    const claim = this.claim as Claim
    const holder = lockHolder(this.reader, this.name)
    if (holder?.token !== claim.token) {
      this.end('superseded', `lease on ${this.name} is no longer held`)
      return
    }
    const now = this.reader.now()
    if (this.mode === 'quorum') {
      this.round = this.ask({ kind: 'renew', name: this.name, owner: this.owner, token: claim.token, ttlMs: ttl }, now)
      return
    }
    this.fx.push({ type: 'write', key: claimKey(this.name, claim.token, this.owner, 'gossip'), ttl })
    this._expiresAt = now + ttl
    this.fx.push({ type: 'renewed', expiresAt: this._expiresAt })
    this.arm(this._expiresAt)
  }

  private renewed (r: Round): void {
    this.round = undefined
    this.fx.push({ type: 'write', key: claimKey(this.name, r.req.token, this.owner, 'quorum'), ttl: r.req.ttlMs })
    this._expiresAt = r.start + r.req.ttlMs
    this.fx.push({ type: 'renewed', expiresAt: this._expiresAt })
    this.arm(this._expiresAt)
  }

  private release (): void {
    const members = this.mode === 'quorum' ? this.options.acceptors().members : []
    this.fx.push(...releaseClaims(this.reader, this.name, this.owner, members))
    this.end('released', `lease on ${this.name} released`)
  }

  private end (reason: LeaseLossReason, message: string): void {
    this.round = undefined
    this.phase = 'done'
    this.fx.push({ type: 'ended', reason, message })
  }

  private arm (at: number): void {
    // whole milliseconds, as the clock reads: a timer never fires a fraction before its instant
    this.fx.push({ type: 'arm', at: Math.ceil(at) })
  }
}
