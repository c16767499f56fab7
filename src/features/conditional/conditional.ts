/**
 * Conditional writes: `set` with `ifNotExists` or `ifValue`, `delete` with `ifValue`, and plain
 * writes in quorum mode. Gossip mode checks the condition on this node's replica, then writes (two
 * nodes may both succeed: replica-local, not atomic across the mesh). Quorum mode is a
 * linearizable compare-and-set on the register `kv/<key>` of the quorum engine; the committed
 * value is then written to the store as an ordinary write, so `get` everywhere sees it. A refused
 * quorum-mode condition repairs this node's store copy when it differs from what the quorum holds.
 */
import type { Entry } from '../../core/entry.js'
import { ConditionFailedError, InvalidOptionError } from '../../core/errors.js'
import { toValueBytes } from '../../core/limits.js'
import { UNCHANGED, type RegisterState } from '../../core/quorum.js'
import { expiryAt, modeOf, sameBytes, type DataHost, type Mode } from '../data-host.js'

export interface Condition {
  /** Write only when the key has no live value. @default false */
  ifNotExists?: boolean
  /** Write (or delete) only when the key's live value is exactly this. */
  ifValue?: string | Uint8Array
  /** `gossip`: the condition is checked on this node's replica; `quorum`: linearizable compare-and-set. @default 'gossip' */
  mode?: Mode
  signal?: AbortSignal
}

/** Whether an options object asks for a conditional or quorum-mode write. */
export function isConditional (c: Condition): boolean {
  return c.ifNotExists === true || c.ifValue !== undefined || (c.mode !== undefined && c.mode !== 'gossip')
}

function describe (c: Condition): string {
  return c.ifNotExists === true ? 'it has a live value' : 'it is absent or holds another value'
}

/** Validates a condition: the expected value as bytes (undefined for none). */
function expected (c: Condition, maxValueBytes: number, op: 'set' | 'delete'): Uint8Array | undefined {
  if (c.ifNotExists !== undefined && typeof c.ifNotExists !== 'boolean') throw new InvalidOptionError(`\`ifNotExists\` must be a boolean, got ${typeof c.ifNotExists}`)
  if (c.ifNotExists === true && op === 'delete') throw new InvalidOptionError('`ifNotExists` applies to set only')
  if (c.ifNotExists === true && c.ifValue !== undefined) throw new InvalidOptionError('give `ifNotExists` or `ifValue`, not both')
  return c.ifValue === undefined ? undefined : toValueBytes(c.ifValue, maxValueBytes)
}

/** Whether the condition holds for the current value (undefined: none). */
function holds (c: Condition, want: Uint8Array | undefined, current: Uint8Array | undefined): boolean {
  if (c.ifNotExists === true) return current === undefined
  if (want !== undefined) return current !== undefined && sameBytes(current, want)
  return true
}

/**
 * A conditional (or quorum-mode) set: resolves with the store entry written (and published); ConditionFailedError
 * when the condition does not hold (nothing written).
 */
export async function conditionalSet (host: DataHost, key: string, value: string | Uint8Array, c: Condition & { ttl?: number }, ttl: number): Promise<Entry> {
  const store = host.store
  const want = expected(c, store.maxValueBytes, 'set')
  const bytes = toValueBytes(value, store.maxValueBytes)
  if (modeOf(c.mode, host.quorum, 'a conditional set') === 'gossip') {
    if (!holds(c, want, store.get(key)?.value)) throw new ConditionFailedError(`set ${JSON.stringify(key)} refused: ${describe(c)} on this node's replica`)
    return published(host, store.set(key, bytes, ttl))
  }
  const outcome = await host.quorum.change(`kv/${key}`, (cur: RegisterState | undefined, now): { next: RegisterState | typeof UNCHANGED, result: Outcome } => holds(c, want, cur?.value)
    ? { next: { value: bytes, ...expiresAt(now, ttl) }, result: { ok: true } }
    : { next: UNCHANGED, result: { ok: false, committed: cur } }, { signal: c.signal })
  if (!outcome.ok) {
    repair(host, key, outcome.committed)
    throw new ConditionFailedError(`set ${JSON.stringify(key)} refused: ${describe(c)} (quorum mode: the value committed by the quorum members)`)
  }
  host.assertOpen()
  return published(host, store.set(key, bytes, ttl))
}

/** A conditional (or quorum-mode) delete: resolves with the tombstone; ConditionFailedError when the condition does not hold. */
export async function conditionalDelete (host: DataHost, key: string, c: Condition): Promise<Entry> {
  const store = host.store
  const want = expected(c, store.maxValueBytes, 'delete')
  if (modeOf(c.mode, host.quorum, 'a conditional delete') === 'gossip') {
    if (!holds(c, want, store.get(key)?.value)) throw new ConditionFailedError(`delete ${JSON.stringify(key)} refused: ${describe(c)} on this node's replica`)
    return published(host, store.delete(key))
  }
  const outcome = await host.quorum.change(`kv/${key}`, (cur: RegisterState | undefined): { next: undefined | typeof UNCHANGED, result: Outcome } => holds(c, want, cur?.value)
    ? { next: undefined, result: { ok: true } }
    : { next: UNCHANGED, result: { ok: false, committed: cur } }, { signal: c.signal })
  if (!outcome.ok) {
    repair(host, key, outcome.committed)
    throw new ConditionFailedError(`delete ${JSON.stringify(key)} refused: ${describe(c)} (quorum mode: the value committed by the quorum members)`)
  }
  host.assertOpen()
  return published(host, store.delete(key))
}

/** A quorum round's outcome: written, or refused with the register's committed state. */
type Outcome = { ok: true } | { ok: false, committed: RegisterState | undefined }

/**
 * After a refused quorum-mode condition: makes this node's store copy of the key show what the
 * quorum committed, when it shows something else. The copy written after a commit can be missing
 * (the writer crashed between the commit and its store write) or older (two committers' store
 * writes ordered by their clocks, not by the quorum); without this, a caller reading the key with
 * `get` would retry its compare-and-set against a value the quorum no longer holds, forever.
 */
function repair (host: DataHost, key: string, committed: RegisterState | undefined): void {
  try {
    host.assertOpen()
    const held = host.store.get(key)
    if (committed === undefined) {
      if (held !== undefined) published(host, host.store.delete(key))
      return
    }
    if (held !== undefined && sameBytes(held.value, committed.value)) return
    const ttl = committed.expiresAt === undefined ? Infinity : committed.expiresAt - host.store.now()
    if (ttl > 0) published(host, host.store.set(key, committed.value, ttl))
  } catch {
    // best effort: the refusal stands either way (a closed mesh, a full store, a skewed clock)
  }
}

function published (host: DataHost, e: Entry): Entry {
  host.publish(e)
  return e
}

function expiresAt (now: number, ttl: number): { expiresAt?: number } {
  const at = expiryAt(now, ttl)
  return at === undefined ? {} : { expiresAt: at }
}
