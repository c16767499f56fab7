/**
 * `mesh.drops`: secure-relay drops over the mesh's ordinary writes. The payload is encrypted here,
 * before anything leaves this process; nodes replicate and store only the ciphertext, under a key
 * that reveals nothing. Opening with the wrong token finds nothing; a tampered drop fails
 * authentication; both are named errors, never garbage.
 */
import type { Entry } from '../../core/entry.js'
import { DropNotFoundError, WaitTimeoutError } from '../../core/errors.js'
import {
  generateDropKeyPair, inboxOf, keysOf, newSecret, openBytes, openWithPrivateKey, publicKeyOf,
  rendezvousSecret, sealBytes, sealToPublicKey, secretOf, tokenOf, type DropKeyPair
} from './crypto.js'

export interface SealOptions {
  /** Milliseconds until the drop self-destructs on every node. @default the mesh's defaultTtlMs */
  ttl?: number
  /** The first successful `open` deletes it. @default false */
  burnAfterRead?: boolean
}

export interface OpenOptions {
  /** Wait this many ms for the drop to arrive. @default 0 (fail at once) */
  wait?: number
  signal?: AbortSignal
}

/** A drop that opened. */
export interface OpenedDrop {
  /** Its storage key in the inbox. */
  key: string
  payload: Uint8Array
  /** When it was sealed (its HLC). */
  at: string
  burnAfterRead: boolean
  /** True once it was deleted after this read. */
  burnt: boolean
}

/** An inbox entry that did not open: garbage, tampered, or sealed to another key. Left in place. */
export interface FailedDrop {
  key: string
  /** Why: DropTamperedError for anything that fails authentication. */
  error: Error
}

/** What `openInbox` found: what opened (oldest first) and what could not be opened. */
export interface InboxResult {
  opened: OpenedDrop[]
  failed: FailedDrop[]
}

export interface Sealed {
  /** Where the ciphertext lives (reveals nothing). */
  key: string
  expiresAt: number | undefined
}

/** What drops need from the mesh. */
export interface DropHost {
  set: (key: string, value: Uint8Array, options: { ttl?: number }) => Promise<Entry>
  get: (key: string) => Entry | undefined
  delete: (key: string) => Promise<Entry>
  waitFor: (key: string, options: { timeout?: number, signal?: AbortSignal }) => Promise<Entry>
  list: (options: { prefix: string }) => { entries?: Entry[] }
  watch: (options: { prefix: string, signal?: AbortSignal }) => AsyncIterable<{ type: string, entry?: Entry }>
}

const bytes = (p: string | Uint8Array): Uint8Array => typeof p === 'string' ? new TextEncoder().encode(p) : p

export class Drops {
  constructor (private readonly host: DropHost) {}

  /** A new X25519 key pair for public-key drops (base64url). */
  static generateKeyPair (): DropKeyPair {
    return generateDropKeyPair()
  }

  /** Seals a payload; the token is the only way to find and open it. */
  async seal (payload: string | Uint8Array, options: SealOptions = {}): Promise<Sealed & { token: string }> {
    const secret = newSecret()
    return { token: tokenOf(secret), ...(await this.put(keysOf(secret), payload, options)) }
  }

  async open (token: string, options: OpenOptions = {}): Promise<Uint8Array> {
    return this.take(keysOf(secretOf(token)), options)
  }

  /** Seals under a secret two agents share and a context both know: no token changes hands. */
  async sealFor (sharedSecret: string | Uint8Array, context: string, payload: string | Uint8Array, options: SealOptions = {}): Promise<Sealed> {
    return this.put(keysOf(rendezvousSecret(sharedSecret, context)), payload, options)
  }

  async openFor (sharedSecret: string | Uint8Array, context: string, options: OpenOptions = {}): Promise<Uint8Array> {
    return this.take(keysOf(rendezvousSecret(sharedSecret, context)), options)
  }

  /** Seals to a recipient's public key, into its inbox. */
  async sealTo (recipientPublicKey: string, payload: string | Uint8Array, options: SealOptions = {}): Promise<Sealed> {
    const { storageKey, sealed } = sealToPublicKey(recipientPublicKey, bytes(payload), options.burnAfterRead === true)
    const e = await this.host.set(storageKey, sealed, { ttl: options.ttl })
    return { key: storageKey, expiresAt: e.expiresAt }
  }

  /**
   * Opens every drop in the inbox of the key pair's public key, oldest first (waiting for one if
   * `wait`). Entries that do not open (garbage, tampered, sealed to another key) are skipped:
   * {@link openInbox} says which.
   */
  async openWith (privateKey: string, options: OpenOptions = {}): Promise<Uint8Array[]> {
    return (await this.openInbox(privateKey, options)).opened.map(d => d.payload)
  }

  /**
   * Opens what can be opened in the inbox of the key pair's public key and reports what could
   * not. Burn-after-read drops are deleted only once every entry has been tried, and only those
   * that opened (the ones returned); entries that failed are left in place (they expire at their
   * TTL). With `wait` on an inbox where nothing opens, waits for a drop that does; when the wait
   * runs out with nothing at all in the inbox: DropNotFoundError.
   */
  async openInbox (privateKey: string, options: OpenOptions = {}): Promise<InboxResult> {
    const inbox = inboxOf(publicKeyOf(privateKey))
    const result: InboxResult = { opened: [], failed: [] }
    const tried = new Set<string>()
    for (const e of this.host.list({ prefix: inbox }).entries ?? []) tryOpen(privateKey, e, result, tried)
    if (result.opened.length === 0 && (options.wait ?? 0) > 0) await this.waitInbox(inbox, privateKey, options, result, tried)
    result.opened.sort((a, b) => a.at < b.at ? -1 : a.at > b.at ? 1 : 0)
    for (const d of result.opened) {
      if (!d.burnAfterRead) continue
      try {
        await this.host.delete(d.key)
        d.burnt = true
      } catch {
        // the mesh closed under us: the payload is delivered all the same, just not burnt
      }
    }
    return result
  }

  private async put (keys: ReturnType<typeof keysOf>, payload: string | Uint8Array, options: SealOptions): Promise<Sealed> {
    const e = await this.host.set(keys.storageKey, sealBytes(keys, bytes(payload), options.burnAfterRead === true), { ttl: options.ttl })
    return { key: keys.storageKey, expiresAt: e.expiresAt }
  }

  private async take (keys: ReturnType<typeof keysOf>, options: OpenOptions): Promise<Uint8Array> {
    let e = this.host.get(keys.storageKey)
    if (e === undefined && (options.wait ?? 0) > 0) {
      try {
        e = await this.host.waitFor(keys.storageKey, { timeout: options.wait, signal: options.signal })
      } catch (err) {
        if (!(err instanceof WaitTimeoutError)) throw err
      }
    }
    if (e === undefined) throw new DropNotFoundError('no drop for this token: wrong token, expired, or already read')
    const { payload, burnAfterRead } = openBytes(keys, e.value)
    if (burnAfterRead) await this.host.delete(keys.storageKey)
    return payload
  }

  /**
   * Waits (at most `options.wait` ms) until a drop that opens lands in the inbox; what lands and
   * does not open is reported in `result`. The watch ends with this call, whichever way it
   * returns: none outlives it.
   */
  private async waitInbox (inbox: string, privateKey: string, options: OpenOptions, result: InboxResult, tried: Set<string>): Promise<void> {
    const stop = new AbortController()
    const end = (): void => { stop.abort() }
    const timer = setTimeout(end, options.wait ?? 0)
    if (options.signal?.aborted === true) end()
    options.signal?.addEventListener('abort', end, { once: true })
    try {
      const events = this.host.watch({ prefix: inbox, signal: stop.signal })
      // it may have landed between the caller's look and the watch starting
      for (const e of this.host.list({ prefix: inbox }).entries ?? []) tryOpen(privateKey, e, result, tried)
      if (result.opened.length > 0) return
      for await (const e of events) {
        if (e.type === 'set' && e.entry !== undefined && tryOpen(privateKey, e.entry, result, tried)) return
      }
      if (result.failed.length > 0) return // nothing opened, but something came: the caller hears of it
      throw new DropNotFoundError(options.signal?.aborted === true ? 'aborted while waiting for a drop' : 'no drop arrived in the inbox')
    } finally {
      clearTimeout(timer)
      options.signal?.removeEventListener('abort', end)
      end()
    }
  }

}

/** Tries one inbox entry once; true when it opened. */
function tryOpen (privateKey: string, e: Entry, result: InboxResult, tried: Set<string>): boolean {
  const id = `${e.key} ${e.hlc}`
  if (tried.has(id)) return false
  tried.add(id)
  try {
    const { payload, burnAfterRead } = openWithPrivateKey(privateKey, e.key, e.value)
    result.opened.push({ key: e.key, payload, at: e.hlc, burnAfterRead, burnt: false })
    return true
  } catch (err) {
    result.failed.push({ key: e.key, error: err instanceof Error ? err : new Error(String(err)) })
    return false
  }
}
