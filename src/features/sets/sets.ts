/**
 * `mesh.sets`: sets of strings with a TTL per member. Gossip mode (the default) is an add-wins
 * observed-remove set over the store (core/or-set.ts): always available, converges after any
 * partition, and `add` says whether a member was new in this node's view. Quorum mode keeps the
 * whole set in the register `set/<key>` of the quorum engine: "was new" and every read are exact.
 * The two modes are separate sets of the same name.
 */
import { InvalidKeyError, InvalidOptionError, ValueTooLargeError } from '../../core/errors.js'
import { checkKey, resolveTtl } from '../../core/limits.js'
import { addRecord, byMember, memberKey, memberPrefix, memberState, removeRecord, setPrefix } from '../../core/or-set.js'
import { UNCHANGED, type RegisterState } from '../../core/quorum.js'
import { checkStoredKey, modeOf, type DataHost, type Mode } from '../data-host.js'

export interface SetReadOptions {
  /** `gossip`: this node's view, always available; `quorum`: exact, through a majority of the quorum members. @default 'gossip' */
  mode?: Mode
  signal?: AbortSignal
}

export interface SetAddOptions extends SetReadOptions {
  /** Time to live of each member added (refreshed by adding it again), ms; `Infinity` never expires. @default the mesh's `defaultTtlMs` */
  ttl?: number
}

/** Most members one call may name. */
export const MAX_MEMBERS_PER_CALL = 10_000

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** A quorum set's register: member → expiry (null: never), live members only. */
type Members = Map<string, number | null>

function decodeMembers (s: RegisterState | undefined, now: number): Members {
  const out: Members = new Map()
  if (s === undefined) return out
  let doc: unknown
  try {
    doc = JSON.parse(decoder.decode(s.value))
  } catch {
    return out
  }
  if (typeof doc !== 'object' || doc === null) return out
  for (const [m, exp] of Object.entries(doc as Record<string, unknown>)) {
    if (exp === null || (typeof exp === 'number' && exp > now)) out.set(m, exp)
  }
  return out
}

function encodeMembers (members: Members): RegisterState | undefined {
  if (members.size === 0) return undefined
  const doc: Record<string, number | null> = {}
  let until: number | null = 0
  for (const m of [...members.keys()].sort()) {
    const exp = members.get(m) as number | null
    doc[m] = exp
    until = until === null || exp === null ? null : Math.max(until, exp)
  }
  const value = encoder.encode(JSON.stringify(doc))
  return until === null ? { value } : { value, expiresAt: until }
}

type Outcome = { count: number } | { tooLarge: number }

export class Sets {
  constructor (private readonly host: DataHost) {}

  /** Adds members (refreshing the TTL of those already there); resolves with how many were new. */
  async add (key: string, members: string | string[], options: SetAddOptions = {}): Promise<number> {
    const list = this.check(key, members)
    const store = this.host.store
    const mode = modeOf(options.mode, this.host.quorum, 'sadd')
    const ttl = resolveTtl(options.ttl, store.defaultTtlMs, store.maxTtlMs)
    if (mode === 'quorum') {
      return this.quorum(key, (held, now) => {
        let added = 0
        for (const m of list) {
          if (!held.has(m)) added++
          held.set(m, ttl === Infinity ? null : now + ttl)
        }
        return { changed: true, count: added }
      }, options.signal)
    }
    for (const m of list) checkStoredKey(memberKey(key, m, store.node), m, store.maxKeyBytes)
    store.checkClock()
    let added = 0
    for (const m of list) {
      const now = store.now()
      const state = memberState(store.versionsWithPrefix(memberPrefix(key, m)), now)
      if (!state.present) added++
      const rec = addRecord(state, ttl === Infinity ? null : now + ttl, now)
      this.write(memberKey(key, m, store.node), rec.value, rec.until, now)
    }
    await this.host.durable()
    return added
  }

  /** Removes members; resolves with how many were there. */
  async remove (key: string, members: string | string[], options: SetReadOptions = {}): Promise<number> {
    const list = this.check(key, members)
    const store = this.host.store
    if (modeOf(options.mode, this.host.quorum, 'srem') === 'quorum') {
      return this.quorum(key, held => {
        let removed = 0
        for (const m of list) if (held.delete(m)) removed++
        return { changed: removed > 0, count: removed }
      }, options.signal)
    }
    store.checkClock()
    let removed = 0
    for (const m of list) {
      const now = store.now()
      const state = memberState(store.versionsWithPrefix(memberPrefix(key, m)), now)
      if (!state.present) continue
      removed++
      const rec = removeRecord(state, now)
      this.write(memberKey(key, m, store.node), rec.value, rec.until, now)
    }
    if (removed > 0) await this.host.durable()
    return removed
  }

  /** The members, sorted. */
  async members (key: string, options: SetReadOptions = {}): Promise<string[]> {
    this.host.assertOpen()
    const store = this.host.store
    checkKey(key, store.maxKeyBytes)
    if (modeOf(options.mode, this.host.quorum, 'smembers') === 'quorum') {
      return this.host.quorum.change(`set/${key}`, (cur, now) => ({ next: UNCHANGED, result: [...decodeMembers(cur, now).keys()].sort() }), { signal: options.signal })
    }
    const now = store.now()
    const out: string[] = []
    for (const [m, records] of byMember(key, store.versionsWithPrefix(setPrefix(key)))) {
      if (memberState(records, now).present) out.push(m)
    }
    return out.sort()
  }

  /** Whether `member` is in the set. */
  async has (key: string, member: string, options: SetReadOptions = {}): Promise<boolean> {
    const [m] = this.check(key, member)
    const store = this.host.store
    if (modeOf(options.mode, this.host.quorum, 'sismember') === 'quorum') {
      return this.host.quorum.change(`set/${key}`, (cur, now) => ({ next: UNCHANGED, result: decodeMembers(cur, now).has(m) }), { signal: options.signal })
    }
    return memberState(store.versionsWithPrefix(memberPrefix(key, m)), store.now()).present
  }

  /** How many members the set has. */
  async size (key: string, options: SetReadOptions = {}): Promise<number> {
    return (await this.members(key, options)).length
  }

  private check (key: string, members: string | string[]): string[] {
    this.host.assertOpen()
    const store = this.host.store
    checkKey(key, store.maxKeyBytes)
    const list = typeof members === 'string' ? [members] : members
    if (!Array.isArray(list) || list.length === 0 || list.length > MAX_MEMBERS_PER_CALL) {
      throw new InvalidOptionError(`members must be a string or an array of 1 to ${MAX_MEMBERS_PER_CALL} strings, got ${Array.isArray(list) ? `${list.length} of them` : typeof list}`)
    }
    for (const m of list) {
      try {
        checkKey(m, store.maxKeyBytes)
      } catch (err) {
        throw new InvalidKeyError(`a set member ${(err as Error).message.replace(/^key /, '')}`)
      }
    }
    return [...new Set(list)]
  }

  /** Writes this node's record of a member, living until `until` (null: for ever). */
  private write (key: string, value: Uint8Array, until: number | null, now: number): void {
    const store = this.host.store
    const ttl = until === null ? Infinity : Math.min(store.maxTtlMs, Math.max(1, until - now))
    this.host.publish(store.set(key, value, ttl))
  }

  /** A quorum-mode change of the whole set's register. */
  private async quorum (key: string, fn: (held: Members, now: number) => { changed: boolean, count: number }, signal: AbortSignal | undefined): Promise<number> {
    const max = this.host.store.maxValueBytes
    const outcome = await this.host.quorum.change<Outcome>(`set/${key}`, (cur, now) => {
      const held = decodeMembers(cur, now)
      const { changed, count } = fn(held, now)
      if (!changed) return { next: UNCHANGED, result: { count } }
      const next = encodeMembers(held)
      if (next !== undefined && next.value.byteLength > max) return { next: UNCHANGED, result: { tooLarge: next.value.byteLength } }
      return { next, result: { count } }
    }, { signal })
    if ('tooLarge' in outcome) throw new ValueTooLargeError(`set ${JSON.stringify(key)} would take ${outcome.tooLarge} bytes in quorum mode, over maxValueBytes ${max}: it was left unchanged`)
    return outcome.count
  }
}
