/**
 * `mesh.counters`: integer counters. Gossip mode (the default) is a PN-counter over the store
 * (core/pn-counter.ts): always available, never loses or double-counts an increment, and answers
 * from this node's view. Quorum mode keeps the counter in the register `counter/<key>` of the
 * quorum engine: the value returned is exact (unique ids), and `dec` can be bounded (`min`).
 * The two modes are separate counters of the same name. A counter lives until `ttl` after its
 * last update anywhere (every update refreshes it).
 */
import { CounterBoundError, InvalidOptionError } from '../../core/errors.js'
import { checkKey, resolveTtl } from '../../core/limits.js'
import { applyDelta, counterKey, counterPrefix, encodeView, readCounter, valueOf, type OwnSlot } from '../../core/pn-counter.js'
import { UNCHANGED, type RegisterState } from '../../core/quorum.js'
import { checkStoredKey, expiryAt, modeOf, type DataHost, type Mode } from '../data-host.js'

export interface CounterOptions {
  /** `gossip`: this node's view, always available; `quorum`: exact, through a majority of the quorum members. @default 'gossip' */
  mode?: Mode
  signal?: AbortSignal
}

export interface IncOptions extends CounterOptions {
  /** How much to add (a safe integer, either sign). @default 1 */
  by?: number
  /** Time to live of the whole counter, refreshed by every update, ms; `Infinity` never expires. @default the mesh's `defaultTtlMs` */
  ttl?: number
}

export interface DecOptions extends IncOptions {
  /** Quorum mode only: refuse (CounterBoundError, nothing changed) a decrement that would go below this. */
  min?: number
}

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** A quorum counter's register value (decimal), 0 when empty. */
function registerValue (s: RegisterState | undefined): number {
  if (s === undefined) return 0
  const n = Number(decoder.decode(s.value))
  return Number.isSafeInteger(n) ? n : 0
}

type Outcome = { value: number } | { below: number } | { overflow: number }

/** Most counters whose own slot a node remembers; past it, those whose key expired are forgotten first. */
const SWEEP_AT = 10_000

export class Counters {
  /** This process's own slot of each counter it updated, and when its key expires (undefined: never). */
  private readonly own = new Map<string, { slot: OwnSlot, expiresAt: number | undefined }>()

  constructor (private readonly host: DataHost) {}

  /** Adds `by` (default 1); resolves with the value after it: this node's view (gossip) or exact (quorum). */
  async inc (key: string, options: IncOptions = {}): Promise<number> {
    return this.add(key, this.amount(options.by), options, undefined)
  }

  /** Subtracts `by` (default 1); with `min` (quorum mode) refuses to go below it (CounterBoundError). */
  async dec (key: string, options: DecOptions = {}): Promise<number> {
    const by = this.amount(options.by)
    if (options.min !== undefined && (typeof options.min !== 'number' || !Number.isSafeInteger(options.min))) {
      throw new InvalidOptionError(`\`min\` must be a safe integer, got ${String(options.min)}`)
    }
    return this.add(key, -by, options, options.min)
  }

  /** The counter's value (0 when absent or expired): this node's view (gossip) or linearizable (quorum). */
  async get (key: string, options: CounterOptions = {}): Promise<number> {
    this.host.assertOpen()
    const store = this.host.store
    checkKey(key, store.maxKeyBytes)
    if (modeOf(options.mode, this.host.quorum, 'get-counter') === 'gossip') {
      return valueOf(readCounter(key, store.versionsWithPrefix(counterPrefix(key)), store.now()))
    }
    return this.host.quorum.change(`counter/${key}`, cur => ({ next: UNCHANGED, result: registerValue(cur) }), { signal: options.signal })
  }

  private remember (key: string, slot: OwnSlot, expiresAt: number | undefined): void {
    this.own.delete(key) // re-inserted last: the map stays in order of last update
    this.own.set(key, { slot, expiresAt })
    if (this.own.size <= SWEEP_AT) return
    const now = this.host.store.now()
    for (const [k, v] of this.own) if (v.expiresAt !== undefined && v.expiresAt <= now) this.own.delete(k)
    // still too many (never-expiring counters): forget the least recently updated; their next update starts a new slot
    for (const k of this.own.keys()) {
      if (this.own.size <= SWEEP_AT / 2) break
      this.own.delete(k)
    }
  }

  private amount (by: number | undefined): number {
    const n = by ?? 1
    if (typeof n !== 'number' || !Number.isSafeInteger(n)) throw new InvalidOptionError(`\`by\` must be a safe integer, got ${String(n)}`)
    return n
  }

  private async add (key: string, delta: number, options: IncOptions, min: number | undefined): Promise<number> {
    this.host.assertOpen()
    const store = this.host.store
    checkKey(key, store.maxKeyBytes)
    const mode = modeOf(options.mode, this.host.quorum, delta >= 0 ? 'inc' : 'dec')
    const ttl = resolveTtl(options.ttl, store.defaultTtlMs, store.maxTtlMs)
    if (mode === 'gossip') {
      if (min !== undefined) throw new InvalidOptionError('`min` needs quorum mode: a gossip-mode counter cannot bound a decrement (concurrent ones on other nodes are unseen)')
      checkStoredKey(counterKey(key, store.node), key, store.maxKeyBytes)
      store.checkClock()
      const stamp = store.hlc.now()
      const now = store.now()
      const mine = this.own.get(key)
      // once its key has expired the counter starts again: so does this node's slot
      const live = mine !== undefined && (mine.expiresAt === undefined || mine.expiresAt > now) ? mine.slot : undefined
      let next
      try {
        next = applyDelta(key, store.versionsWithPrefix(counterPrefix(key)), now, delta, live, stamp)
      } catch (err) {
        if (err instanceof RangeError) throw new InvalidOptionError(`counter ${JSON.stringify(key)}: adding ${delta} would pass the safe integers`)
        throw err
      }
      const entry = store.set(counterKey(key, store.node), encodeView(next.view), ttl, stamp)
      this.remember(key, next.own, entry.expiresAt)
      this.host.publish(entry)
      await this.host.durable()
      return valueOf(next.view)
    }
    const outcome = await this.host.quorum.change<Outcome>(`counter/${key}`, (cur, now) => {
      const value = registerValue(cur)
      const next = value + delta
      if (!Number.isSafeInteger(next)) return { next: UNCHANGED, result: { overflow: value } }
      if (min !== undefined && next < min) return { next: UNCHANGED, result: { below: value } }
      return { next: { value: encoder.encode(String(next)), expiresAt: expiryAt(now, ttl) }, result: { value: next } }
    }, { signal: options.signal })
    if ('below' in outcome) {
      throw new CounterBoundError(`counter ${JSON.stringify(key)} is ${outcome.below}: decrementing it by ${-delta} would go below min ${String(min)}; it was left unchanged`, { value: outcome.below, min: min as number })
    }
    if ('overflow' in outcome) throw new InvalidOptionError(`counter ${JSON.stringify(key)} is ${outcome.overflow}: adding ${delta} would pass the safe integers`)
    return outcome.value
  }
}
