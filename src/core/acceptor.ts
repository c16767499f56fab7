/**
 * A quorum-mode lease acceptor (PaxosLease-style, no log). It grants a claim unless it has
 * granted a live lease on that lock to another owner, never grants a token lower than one it
 * granted, and after a restart grants nothing for one maximum lease TTL (it has forgotten what it
 * granted, and a lease it granted may still be running). An acceptor whose identity was created
 * just now has granted nothing under it, so it grants at once. Pure: the clock is injected.
 *
 * Bounded: any peer can name locks, so the acceptor keeps state for at most `maxLocks` of them. A
 * lock's state is forgotten `forgetAfterMs` after its last grant ended (by then any honest
 * claimant's token is above the highest granted, unless its clock lags by more than the drift
 * bound); when the table is full of locks it must still remember, claims on new lock names are
 * refused (`full`) and counted.
 */
import { DEFAULT_MAX_DRIFT_MS, type PhysicalClock } from './hlc.js'

export type GrantKind = 'acquire' | 'renew' | 'release'

export interface GrantRequest {
  kind: GrantKind
  name: string
  owner: string
  /** The claim's HLC string: the fencing token. */
  token: string
  ttlMs: number
}

/** Why an acceptor refused. */
export type RefusalReason = 'held' | 'stale-token' | 'not-holder' | 'recovering' | 'ttl' | 'full'
export const REFUSAL_REASONS: readonly RefusalReason[] = ['held', 'stale-token', 'not-holder', 'recovering', 'ttl', 'full']

export type GrantReply =
  | { granted: true }
  | { granted: false, reason: RefusalReason, holder?: { owner: string, token: string } }

/** Most locks an acceptor keeps state for. @default 4_096 */
export const DEFAULT_MAX_ACCEPTOR_LOCKS = 4_096
/** Least time between two sweeps of a full table, in ms (a sweep is O(locks)). */
const SWEEP_INTERVAL_MS = 1_000

export interface AcceptorOptions {
  /**
   * What it had granted before a restart (a durable node's state, see `grant`): it remembers,
   * so it grants at once. @default undefined (in memory: it waits `maxLeaseTtlMs` unless `fresh`)
   */
  restored?: AcceptorState
  /**
   * Writes the state durably; `grant` awaits it before answering a grant. @default undefined
   * (nothing is written: the acceptor forgets at a restart)
   */
  persist?: (state: AcceptorState) => Promise<void>
  /**
   * This acceptor's identity was created just now (a new key, a new identity file): it never
   * granted anything, so it grants at once instead of waiting `maxLeaseTtlMs`. @default false
   */
  fresh?: boolean
  /** Most locks it keeps state for; claims on new names beyond it are refused (`full`). @default 4_096 */
  maxLocks?: number
  /**
   * How long a lock's highest granted token is kept after its last grant ended. A claimant whose
   * clock lags the acceptor's by more than half of this could be granted a lower token after.
   * @default 2 × DEFAULT_MAX_DRIFT_MS (120_000)
   */
  forgetAfterMs?: number
}

export interface AcceptorCounters {
  /** Acquisitions of new lock names refused because the table was full. */
  full: number
  /** Locks whose state was forgotten after their grants ended. */
  forgotten: number
}

/** What an acceptor keeps, as a durable node stores it. */
export interface AcceptorState {
  locks: Array<[string, LockState]>
}

export interface LockState {
  /** The live (or last) grant; undefined once released. */
  owner: string | undefined
  token: string
  expiresAt: number
  /** The greatest token granted, kept after the grant ends. */
  highest: string
}

/** The storage meta record of a durable node's acceptor state. */
export const ACCEPTOR_META = 'acceptor'

/** An acceptor's state as bytes (JSON). */
export function encodeAcceptorState (state: AcceptorState): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(state))
}

/** The state `encodeAcceptorState` wrote; undefined when the bytes are not one. */
export function decodeAcceptorState (bytes: Uint8Array): AcceptorState | undefined {
  try {
    const v = JSON.parse(new TextDecoder().decode(bytes)) as AcceptorState
    const ok = Array.isArray(v.locks) && v.locks.every(l => Array.isArray(l) && typeof l[0] === 'string' && typeof l[1] === 'object' && l[1] !== null &&
      typeof l[1].token === 'string' && typeof l[1].highest === 'string' && typeof l[1].expiresAt === 'number' && (l[1].owner === undefined || typeof l[1].owner === 'string'))
    return ok ? { locks: v.locks.map(([name, s]) => [name, { owner: s.owner ?? undefined, token: s.token, expiresAt: s.expiresAt, highest: s.highest }]) } : undefined
  } catch {
    return undefined
  }
}

export class Acceptor {
  readonly counters: AcceptorCounters = { full: 0, forgotten: 0 }
  readonly maxLocks: number
  readonly fresh: boolean
  private readonly locks = new Map<string, LockState>()
  private readonly clock: PhysicalClock
  private readonly maxLeaseTtlMs: number
  private readonly forgetAfterMs: number
  /** Until when it grants nothing (it restarted and may have forgotten a live grant). */
  readonly recoverUntil: number
  private lastSweep = -Infinity
  private readonly persist: ((state: AcceptorState) => Promise<void>) | undefined

  constructor (clock: PhysicalClock, maxLeaseTtlMs: number, options: AcceptorOptions = {}) {
    this.clock = clock
    this.maxLeaseTtlMs = maxLeaseTtlMs
    this.fresh = options.fresh ?? false
    this.maxLocks = options.maxLocks ?? DEFAULT_MAX_ACCEPTOR_LOCKS
    this.forgetAfterMs = options.forgetAfterMs ?? 2 * DEFAULT_MAX_DRIFT_MS
    this.persist = options.persist
    for (const [name, s] of options.restored?.locks ?? []) this.locks.set(name, { ...s })
    // a restored acceptor remembers every grant it answered (each was written first)
    this.recoverUntil = this.fresh || options.restored !== undefined ? -Infinity : clock() + maxLeaseTtlMs
  }

  /** Its state, to be stored. */
  state (): AcceptorState {
    return { locks: [...this.locks].map(([name, s]) => [name, { ...s }]) }
  }

  /**
   * `handle`, and for a grant, the state written (when `persist` is given) before the answer: an
   * acceptor that restarts remembers every grant it answered. A grant whose state could not be
   * written is answered as a refusal (the acceptor still holds it, which only refuses more).
   */
  async grant (req: GrantRequest): Promise<GrantReply> {
    const reply = this.handle(req)
    if (!reply.granted || this.persist === undefined) return reply
    try {
      await this.persist(this.state())
      return reply
    } catch {
      return { granted: false, reason: 'recovering' }
    }
  }

  /** Locks it keeps state for. */
  get size (): number {
    return this.locks.size
  }

  handle (req: GrantRequest): GrantReply {
    const now = this.clock()
    if (now - this.lastSweep >= this.forgetAfterMs) this.sweep(now)
    if (req.ttlMs <= 0 || req.ttlMs > this.maxLeaseTtlMs) return { granted: false, reason: 'ttl' }
    const s = this.locks.get(req.name)
    const live = s?.owner !== undefined && s.expiresAt > now
    const mine = s?.owner !== undefined && s.owner === req.owner && s.token === req.token
    switch (req.kind) {
      case 'acquire': {
        if (now < this.recoverUntil) return { granted: false, reason: 'recovering' }
        if (s === undefined) {
          if (!this.room(now)) {
            this.counters.full++
            return { granted: false, reason: 'full' }
          }
          this.locks.set(req.name, { owner: req.owner, token: req.token, expiresAt: now + req.ttlMs, highest: req.token })
          return { granted: true }
        }
        if (live && s.owner !== req.owner) return { granted: false, reason: 'held', holder: { owner: s.owner as string, token: s.token } }
        if (req.token <= s.highest && !mine) return { granted: false, reason: 'stale-token' }
        // the same owner claiming again never shortens what it was granted before
        s.expiresAt = Math.max(now + req.ttlMs, live ? s.expiresAt : 0)
        s.owner = req.owner
        s.token = req.token
        if (req.token > s.highest) s.highest = req.token
        return { granted: true }
      }
      case 'renew':
        if (!live || !mine) return { granted: false, reason: 'not-holder' }
        // never shortens: the holder's view (the lease fold) keeps the latest end it was granted,
        // so a shorter renewal must not free the lock for a rival before that end
        s.expiresAt = Math.max(s.expiresAt, now + req.ttlMs)
        return { granted: true }
      case 'release':
        if (!mine) return { granted: false, reason: 'not-holder' }
        s.owner = undefined
        s.expiresAt = Math.min(s.expiresAt, now)
        return { granted: true }
    }
  }

  /** Whether a new lock fits: at once below the cap; when full, after forgetting ended grants (one sweep a second at most). */
  private room (now: number): boolean {
    if (this.locks.size < this.maxLocks) return true
    if (now - this.lastSweep < SWEEP_INTERVAL_MS) return false
    this.sweep(now)
    return this.locks.size < this.maxLocks
  }

  /** Forgets the locks whose last grant ended `forgetAfterMs` ago. Also runs every `forgetAfterMs` on its own. */
  private sweep (now: number): void {
    this.lastSweep = now
    for (const [name, s] of this.locks) {
      if (s.expiresAt + this.forgetAfterMs <= now) {
        this.locks.delete(name)
        this.counters.forgotten++
      }
    }
  }
}
