/**
 * A quorum-mode lease acceptor (PaxosLease-style, no log). It grants a claim unless it has
 * granted a live lease on that lock to another owner, never grants a token lower than one it
 * granted before, and after a restart grants nothing for one maximum lease TTL (it has forgotten
 * what it granted, and a lease it granted may still be running). Pure: the clock is injected.
 */
import type { PhysicalClock } from './hlc.js'

export type GrantKind = 'acquire' | 'renew' | 'release'

export interface GrantRequest {
  kind: GrantKind
  name: string
  owner: string
  /** The claim's HLC string: the fencing token. */
  token: string
  ttlMs: number
}

export type GrantReply =
  | { granted: true }
  | { granted: false, reason: 'held' | 'stale-token' | 'not-holder' | 'recovering' | 'ttl', holder?: { owner: string, token: string } }

interface Grant {
  owner: string
  token: string
  expiresAt: number
}

export class Acceptor {
  private readonly grants = new Map<string, Grant>()
  /** The greatest token granted per lock, kept after the grant ends. */
  private readonly highest = new Map<string, string>()
  private readonly clock: PhysicalClock
  private readonly maxLeaseTtlMs: number
  private readonly recoverUntil: number

  constructor (clock: PhysicalClock, maxLeaseTtlMs: number) {
    this.clock = clock
    this.maxLeaseTtlMs = maxLeaseTtlMs
    this.recoverUntil = clock() + maxLeaseTtlMs
  }

  handle (req: GrantRequest): GrantReply {
    const now = this.clock()
    if (req.ttlMs <= 0 || req.ttlMs > this.maxLeaseTtlMs) return { granted: false, reason: 'ttl' }
    const g = this.grants.get(req.name)
    const live = g !== undefined && g.expiresAt > now
    const mine = g !== undefined && g.owner === req.owner && g.token === req.token
    switch (req.kind) {
      case 'acquire': {
        if (now < this.recoverUntil) return { granted: false, reason: 'recovering' }
        if (live && g.owner !== req.owner) return { granted: false, reason: 'held', holder: { owner: g.owner, token: g.token } }
        const top = this.highest.get(req.name)
        if (top !== undefined && req.token <= top && !mine) return { granted: false, reason: 'stale-token' }
        // the same owner claiming again never shortens what it was granted before
        this.grants.set(req.name, { owner: req.owner, token: req.token, expiresAt: Math.max(now + req.ttlMs, live ? g.expiresAt : 0) })
        if (top === undefined || req.token > top) this.highest.set(req.name, req.token)
        return { granted: true }
      }
      case 'renew':
        if (!live || !mine) return { granted: false, reason: 'not-holder' }
        g.expiresAt = now + req.ttlMs
        return { granted: true }
      case 'release':
        if (mine) this.grants.delete(req.name)
        return mine ? { granted: true } : { granted: false, reason: 'not-holder' }
    }
  }
}
