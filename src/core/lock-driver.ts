/**
 * Driving a lock client (core/lock-client.ts): the events its driver feeds it, the effects it
 * returns for the driver to carry out, `driveClient` (one event at a time, in order), and
 * `releaseClaims` (the effects that end an owner's claims, with or without a client).
 */
import type { GrantKind, GrantReply, GrantRequest } from './acceptor.js'
import type { LeaseLossReason, LockUnavailableReason } from './errors.js'
import type { Timestamp } from './hlc.js'
import { claimKey, type Claim } from './lease.js'
import { claimsOf, type LockReader } from './lock-view.js'

export type LockEvent =
  | { type: 'start' }
  /** The timer last armed fired. */
  | { type: 'timer' }
  /** A key the client `concerns` changed (a claim or a waiting marker of this lock). */
  | { type: 'changed' }
  | { type: 'reply', from: string, kind: GrantKind, token: string, reply: GrantReply }
  | { type: 'renew', ttl: number }
  | { type: 'release' }
  /** The caller gave up waiting (its signal aborted). */
  | { type: 'abort' }
  /** The mesh is closing. */
  | { type: 'close' }

export type LockEffect =
  /** Write (or rewrite, to renew) an entry with an empty value: `stamp` is the HLC the key was made from, when new. */
  | { type: 'write', key: string, ttl: number, stamp?: Timestamp }
  | { type: 'delete', key: string }
  /** Send `req` to each acceptor in `to`; feed each reply back as a `reply` event. */
  | { type: 'request', to: string[], req: GrantRequest }
  /** Fire `timer` when the node's clock reaches `at`, whole ms, Infinity for never (replaces the timer armed before). */
  | { type: 'arm', at: number }
  | { type: 'acquired', claim: Claim }
  /** The attempt failed: the lock stayed unavailable until the wait ran out. Terminal. */
  | { type: 'unavailable', reason: LockUnavailableReason, message: string, waitedMs: number }
  /** The attempt was aborted or the mesh closed before it acquired. Terminal. */
  | { type: 'aborted' }
  | { type: 'renewed', expiresAt: number }
  /** The hold is over (released, expired, superseded, quorum lost, closed). Terminal. */
  | { type: 'ended', reason: LeaseLossReason, message: string }

/**
 * Ends every live claim of `owner` on `name`: deletes each, and asks `members` to release the
 * quorum-mode ones. An owner that acquired twice (from one node or several) leaves no older claim
 * holding the lock behind.
 */
export function releaseClaims (reader: LockReader, name: string, owner: string, members: string[]): LockEffect[] {
  const now = reader.now()
  const fx: LockEffect[] = []
  for (const c of claimsOf(reader, name)) {
    if (c.owner !== owner || c.released || c.end <= now) continue
    if (c.mode === 'quorum' && members.length > 0) fx.push({ type: 'request', to: members, req: { kind: 'release', name, owner, token: c.token, ttlMs: 1 } })
    fx.push({ type: 'delete', key: claimKey(name, c.token, owner, c.mode) })
  }
  return fx
}

/** What `driveClient` needs of a client: the LockClient. */
export interface DrivenClient {
  /** True after a terminal effect. */
  readonly done: boolean
  handle: (ev: LockEvent) => LockEffect[]
}

/**
 * Feeds events to a client one at a time: an effect that causes another event (a write the store
 * reports back as a change) queues it until the effects before it are carried out.
 */
export function driveClient (client: DrivenClient, carry: (fx: LockEffect) => void): (ev: LockEvent) => void {
  const inbox: LockEvent[] = []
  let busy = false
  return ev => {
    inbox.push(ev)
    if (busy) return
    busy = true
    try {
      for (let next = inbox.shift(); next !== undefined; next = inbox.shift()) {
        if (client.done && next.type !== 'reply') continue
        for (const fx of client.handle(next)) carry(fx)
      }
    } finally {
      busy = false
      inbox.length = 0
    }
  }
}
