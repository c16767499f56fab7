/**
 * Quorum-mode queues, pure: a queue's state is one CASPaxos register, `queue/<name>`, holding its
 * items in push order (id, deliveries, invisible-until, expiry, dead mark) and no data; each item's
 * data is a register of its own, `queue/<name>/<id>`. Every operation is one change of the state
 * register, so one consumer holds an item at a time. The state is bounded by the register's size
 * (`maxValueBytes`): a push past it is refused (QueueFullError).
 *
 * Every change here is pure and deterministic for (current, now): CASPaxos may run it again.
 */

/** A register's content (as the quorum engine holds it). */
export interface RegisterState { value: Uint8Array, expiresAt?: number }
/** What a change gives the engine: the next state (undefined empties the register) and a result. */
export interface Outcome<R> { next: RegisterState | undefined, result: R }

/** One item in a queue's state register. */
export interface QItem {
  /** Unique: the push's HLC (also the key of its data register). */
  id: string
  /** Deliveries so far. */
  d: number
  /** Invisible until this mesh time (ms): popped and neither acked nor nacked; absent when visible. */
  at?: number
  /** Absolute expiry (mesh ms); absent for none. */
  x?: number
  /** Past maxDeliveries: being moved to the dead-letter queue (never delivered again). */
  dead?: 1
  /** The token of the pop that claimed it last: a pop retried after an answer in doubt finds its own claim. */
  t?: string
}

export interface QState { items: QItem[] }

export function stateKey (name: string): string {
  return `queue/${encodeURIComponent(name)}`
}

export function dataKey (name: string, id: string): string {
  return `queue/${encodeURIComponent(name)}/${id}`
}

export function decodeState (r: RegisterState | undefined): QState {
  if (r === undefined) return { items: [] }
  const o = JSON.parse(Buffer.from(r.value).toString('utf8')) as QState
  return { items: Array.isArray(o.items) ? o.items : [] }
}

function encode (s: QState): RegisterState | undefined {
  return s.items.length === 0 ? undefined : { value: Buffer.from(JSON.stringify(s)) }
}

const live = (now: number) => (i: QItem): boolean => i.x === undefined || i.x > now
const visible = (i: QItem, now: number): boolean => i.dead === undefined && (i.at === undefined || i.at <= now)

/** Adds an item (again: a retried push of the same id changes nothing). 'full' when the state would outgrow `maxBytes`. */
export function pushChange (item: { id: string, x?: number }, maxBytes: number) {
  return (current: RegisterState | undefined, now: number): Outcome<'ok' | 'full'> => {
    const s = decodeState(current)
    if (s.items.some(i => i.id === item.id)) return { next: current, result: 'ok' }
    const items = s.items.filter(live(now))
    items.push(item.x === undefined ? { id: item.id, d: 0 } : { id: item.id, d: 0, x: item.x })
    const next = encode({ items }) as RegisterState
    if (next.value.byteLength > maxBytes) return { next: current, result: 'full' }
    return { next, result: 'ok' }
  }
}

export interface PopResult {
  /** The item claimed, and which delivery of it this is. */
  claimed?: { id: string, deliveries: number }
  /** Items marked dead (now or by an earlier pop whose move did not finish): to move to the dead-letter queue. */
  dead: string[]
}

/**
 * Claims the first visible item for `visibilityTimeout` ms; an item already delivered
 * `maxDeliveries` times is marked dead instead (and the next one tried).
 */
export function popChange (visibilityTimeout: number, maxDeliveries: number | undefined, token: string) {
  return (current: RegisterState | undefined, now: number): Outcome<PopResult> => {
    const s = decodeState(current)
    const items = s.items.filter(live(now)).map(i => ({ ...i }))
    const result: PopResult = { dead: [] }
    // this very pop, retried after an answer in doubt, whose claim did take effect: the same item
    const mine = items.find(i => i.t === token && i.at !== undefined && i.at > now && i.dead === undefined)
    if (mine !== undefined) return { next: current, result: { claimed: { id: mine.id, deliveries: mine.d }, dead: items.filter(i => i.dead !== undefined).map(i => i.id) } }
    for (const i of items) {
      if (i.dead !== undefined) { result.dead.push(i.id); continue }
      if (result.claimed !== undefined || !visible(i, now)) continue
      if (maxDeliveries !== undefined && i.d >= maxDeliveries) {
        i.dead = 1
        result.dead.push(i.id)
        continue
      }
      i.d++
      i.at = now + visibilityTimeout
      i.t = token
      result.claimed = { id: i.id, deliveries: i.d }
    }
    const changed = result.claimed !== undefined || items.length !== s.items.length || items.some((i, k) => i.dead !== s.items[k].dead)
    return { next: changed ? encode({ items }) : current, result }
  }
}

/** What an ack or nack found: done, the item held by a later delivery, or no such item (acked, expired, dead-lettered). */
export type SettleResult = 'done' | 'stale' | 'gone'

/** Removes the item if `deliveries` is its latest delivery. */
export function ackChange (id: string, deliveries: number) {
  return (current: RegisterState | undefined, now: number): Outcome<SettleResult> => {
    const s = decodeState(current)
    const i = s.items.find(x => x.id === id)
    if (i === undefined || !live(now)(i) || i.dead !== undefined) return { next: current, result: 'gone' }
    if (i.d !== deliveries) return { next: current, result: 'stale' }
    return { next: encode({ items: s.items.filter(x => x.id !== id && live(now)(x)) }), result: 'done' }
  }
}

/** Makes the item visible again at once if `deliveries` is its latest delivery (and it is still out). */
export function nackChange (id: string, deliveries: number) {
  return (current: RegisterState | undefined, now: number): Outcome<SettleResult> => {
    const s = decodeState(current)
    const i = s.items.find(x => x.id === id)
    if (i === undefined || !live(now)(i) || i.dead !== undefined) return { next: current, result: 'gone' }
    if (i.d !== deliveries) return { next: current, result: 'stale' }
    if (i.at === undefined) return { next: current, result: 'done' }
    const items = s.items.map(x => x.id === id ? withoutClaim(x) : x)
    return { next: encode({ items }), result: 'done' }
  }
}

function withoutClaim (i: QItem): QItem {
  const { at: _at, t: _t, ...rest } = i
  return rest
}

/** Removes an item whatever its state (the end of a move to the dead-letter queue). */
export function removeChange (id: string) {
  return (current: RegisterState | undefined, now: number): Outcome<boolean> => {
    const s = decodeState(current)
    if (!s.items.some(x => x.id === id)) return { next: current, result: false }
    return { next: encode({ items: s.items.filter(x => x.id !== id && live(now)(x)) }), result: true }
  }
}

/** Reads the live items (the register unchanged). */
export function readChange () {
  return (current: RegisterState | undefined, now: number): Outcome<QItem[]> => {
    return { next: current, result: decodeState(current).items.filter(live(now)) }
  }
}

/** Items not acked (visible or out), dead ones left out: what `size` counts. */
export function pending (items: QItem[]): QItem[] {
  return items.filter(i => i.dead === undefined)
}

/** The first `limit` visible items: what `peek` shows. */
export function visibleItems (items: QItem[], now: number, limit: number): QItem[] {
  return items.filter(i => visible(i, now)).slice(0, limit)
}

/** Sets an item's data register (a retry writes the same). */
export function putData (value: Uint8Array, expiresAt: number | undefined) {
  return (): Outcome<void> => ({ next: expiresAt === undefined ? { value } : { value, expiresAt }, result: undefined })
}

/** Reads an item's data (undefined once expired or deleted). */
export function getData () {
  return (current: RegisterState | undefined): Outcome<Uint8Array | undefined> => ({ next: current, result: current?.value })
}

/** Empties an item's data register. */
export function dropData () {
  return (): Outcome<void> => ({ next: undefined, result: undefined })
}
