/**
 * Waiting for the mesh: `mesh.ready()` (this node holds the mesh's state: its first anti-entropy
 * round is done), `mesh.waitForPeers(n)` (n peers of this mesh are connected) and
 * `mesh.waitFor(key)` (the key is live), driven by the node's and the store's events, never by
 * polling.
 */
import type { Entry } from '../core/entry.js'
import { AbortError, MeshClosedError, WaitTimeoutError } from '../core/errors.js'
import { checkKey, checkNumberOption } from '../core/limits.js'
import type { Store } from '../core/store.js'
import type { WaitOptions } from './mesh-types.js'

export interface ReadyOptions {
  /** Milliseconds to wait before rejecting with WaitTimeoutError. @default no limit */
  timeout?: number
  /** Stops waiting (AbortError). */
  signal?: AbortSignal
}

/** What the waits watch: a condition, and a way to be told it may have changed. */
interface Condition {
  /** What the caller waits for, for the error messages. */
  what: string
  holds: () => boolean
  /** Calls `wake` whenever `holds` may have changed; returns an unsubscribe. */
  watch: (wake: () => void) => () => void
  /** Registers a rejecter run when the mesh closes; returns an unregister. */
  onClose: (reject: () => void) => () => void
}

/** Resolves once `c.holds()` (at once if it does), or rejects on timeout, abort or close. */
export async function waitUntil (c: Condition, options: ReadyOptions = {}): Promise<void> {
  if (options.timeout !== undefined) checkNumberOption('timeout', options.timeout, 0, 2 ** 31 - 1)
  if (c.holds()) return
  const { signal, timeout } = options
  if (signal?.aborted === true) throw new AbortError(`waiting for ${c.what} was aborted`)
  await new Promise<void>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined
    const settle = (err?: Error): void => {
      unwatch()
      unclose()
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
      if (err === undefined) resolve()
      else reject(err)
    }
    const onAbort = (): void => { settle(new AbortError(`waiting for ${c.what} was aborted`)) }
    const unwatch = c.watch(() => { if (c.holds()) settle() })
    const unclose = c.onClose(() => { settle(new MeshClosedError(`the mesh closed while waiting for ${c.what}`)) })
    if (timeout !== undefined) timer = setTimeout(() => { settle(new WaitTimeoutError(`no ${c.what} within ${timeout} ms`)) }, timeout)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/**
 * Resolves with the entry of `key` as soon as it is live in `store` (at once if it already is),
 * or rejects on timeout, abort or close (`onClose` registers a rejecter run when the mesh closes).
 */
export async function waitForLive (store: Store, key: string, options: WaitOptions, onClose: (reject: () => void) => () => void): Promise<Entry> {
  checkKey(key, store.maxKeyBytes)
  const now = store.get(key)
  if (now !== undefined) return now
  const { signal, timeout } = options
  if (timeout !== undefined) checkNumberOption('timeout', timeout, 0, 2 ** 31 - 1)
  if (signal?.aborted === true) throw new AbortError(`waitFor(${JSON.stringify(key)}) was aborted`)
  return new Promise<Entry>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined
    const done = (): void => {
      unsubscribe()
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
      unclose()
    }
    const onAbort = (): void => { done(); reject(new AbortError(`waitFor(${JSON.stringify(key)}) was aborted`)) }
    const unsubscribe = store.subscribe(e => {
      if (e.key === key && e.type === 'set') { done(); resolve(e.entry) }
    })
    if (timeout !== undefined) {
      timer = setTimeout(() => { done(); reject(new WaitTimeoutError(`waitFor(${JSON.stringify(key)}) timed out after ${timeout} ms`)) }, timeout)
    }
    signal?.addEventListener('abort', onAbort, { once: true })
    const unclose = onClose(() => { done(); reject(new MeshClosedError('the mesh closed while waiting')) })
  })
}
