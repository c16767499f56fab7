/**
 * Presence: a heartbeat key with a short TTL rewritten on an interval. A member that stops
 * beating disappears from every node when its TTL runs out (the `expire` event is the signal).
 */
import type { Entry } from '../../core/entry.js'
import { checkLeaseName } from '../../core/lease.js'
import { NAMESPACE_MARK, ownedPrefix, ownerOf } from '../../core/keys.js'
import { checkNumberOption } from '../../core/limits.js'
import type { Store } from '../../core/store.js'

/** Presence keys live in the beating node's own signed namespace: `@<peer id>/presence/<id>`. */
export const PRESENCE_SEGMENT = 'presence/'
/** @default 1_000 */
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 1_000

export interface HeartbeatOptions {
  /** How often to beat, ms. @default 1_000 */
  interval?: number
  /** TTL of each beat, ms; a member is gone this long after its last beat. @default 3 × interval */
  ttl?: number
  /** Published with every beat (a string, e.g. JSON). @default '' */
  data?: string
}

export interface Member {
  id: string
  /** The latest beat. */
  entry: Entry
  /** When the member is gone unless it beats again. */
  expiresAt: number
  /** The peer id of the node that beats for it. */
  origin: string
}

/** A running heartbeat. */
export class Heartbeat {
  readonly id: string
  private readonly timer: NodeJS.Timeout
  private stopped = false

  constructor (id: string, private readonly beat: () => void, private readonly leave: () => void, interval: number) {
    this.id = id
    beat()
    // a beat the store refuses (its clock is skewed, it is full) is skipped: the member fades as it should
    this.timer = setInterval(() => { try { beat() } catch {} }, interval)
    this.timer.unref()
  }

  /** Stops beating and removes the member at once (`{ leave: false }`: let it expire instead). */
  stop (options: { leave?: boolean } = {}): void {
    if (this.stopped) return
    this.stopped = true
    clearInterval(this.timer)
    if (options.leave !== false) {
      try { this.leave() } catch {} // a refused delete leaves the member to expire
    }
  }
}

export function heartbeat (store: Store, publish: (e: Entry) => void, id: string, options: HeartbeatOptions = {}): Heartbeat {
  checkLeaseName('id', id)
  const interval = checkNumberOption('interval', options.interval ?? DEFAULT_HEARTBEAT_INTERVAL_MS, 10, 2 ** 31 - 1)
  const ttl = checkNumberOption('ttl', options.ttl ?? 3 * interval, interval, store.maxTtlMs)
  const key = `${ownedPrefix(store.node)}${PRESENCE_SEGMENT}${id}`
  const data = options.data ?? ''
  return new Heartbeat(id, () => { if (!store.isClosed) publish(store.set(key, data, ttl)) }, () => { if (!store.isClosed) publish(store.delete(key)) }, interval)
}

/** Live members whose id starts with `prefix`, in id order (across every node's namespace). */
export function members (store: Store, prefix = ''): Member[] {
  const out: Member[] = []
  for (const e of store.list({ prefix: NAMESPACE_MARK }).entries) {
    const owner = ownerOf(e.key)
    if (owner === undefined) continue
    const rest = e.key.slice(ownedPrefix(owner).length)
    if (!rest.startsWith(PRESENCE_SEGMENT)) continue
    const id = rest.slice(PRESENCE_SEGMENT.length)
    if (id.startsWith(prefix)) out.push({ id, entry: e, expiresAt: e.expiresAt as number, origin: e.origin })
  }
  return out.sort((a, b) => a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
}
