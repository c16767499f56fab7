/**
 * What the data types (counters, sets, conditional writes) get from the mesh: its store (reads,
 * the clock, local writes of meshkv's own keys), publishing, the durable commit, and the quorum
 * engine. `api/data-hosts.ts` builds it.
 */
import type { Entry } from '../core/entry.js'
import { InvalidKeyError, InvalidOptionError, QuorumNotConfiguredError } from '../core/errors.js'
import type { QuorumHost } from '../core/quorum.js'
import type { Store } from '../core/store.js'

/** How an operation is decided: from this node's view (`gossip`) or by a majority of the quorum members (`quorum`). */
export type Mode = 'gossip' | 'quorum'

export interface DataHost {
  store: Store
  /** Gossips a local write. */
  publish: (e: Entry) => void
  /** Resolves once every local write so far is on disk (a durable node). */
  durable: () => Promise<void>
  quorum: QuorumHost
  /** Throws MeshClosedError once the mesh is closed. */
  assertOpen: () => void
}

/** Validates `mode` (default gossip); a quorum operation on a mesh without members is refused. */
export function modeOf (mode: unknown, quorum: QuorumHost, what: string): Mode {
  if (mode === undefined || mode === 'gossip') return 'gossip'
  if (mode !== 'quorum') throw new InvalidOptionError(`\`mode\` must be 'gossip' or 'quorum', got ${JSON.stringify(mode)}`)
  if (!quorum.configured) throw new QuorumNotConfiguredError(`${what} in quorum mode needs the mesh's quorum members (createMesh({ quorum: { members: [peer ids] } }))`)
  return 'quorum'
}

const encoder = new TextEncoder()

/** A value as bytes. */
export function bytesOf (value: string | Uint8Array): Uint8Array {
  return typeof value === 'string' ? encoder.encode(value) : value
}

/** Whether two byte strings are equal. */
export function sameBytes (a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false
  return true
}

/** The absolute expiry of a register written at `now` with `ttl` ms (Infinity: never). */
export function expiryAt (now: number, ttl: number): number | undefined {
  return ttl === Infinity ? undefined : now + ttl
}

/** Refuses a name whose key under `@meshkv/` (percent-encoded, with a peer id) would pass `maxKeyBytes`. */
export function checkStoredKey (stored: string, name: string, maxKeyBytes: number): void {
  const bytes = Buffer.byteLength(stored, 'utf8')
  if (bytes > maxKeyBytes) {
    throw new InvalidKeyError(`${JSON.stringify(name.slice(0, 64))} is too long: stored as ${JSON.stringify(stored.slice(0, 64))}… (percent-encoded, with this node's peer id) it takes ${bytes} UTF-8 bytes, over maxKeyBytes ${maxKeyBytes}`)
  }
}
