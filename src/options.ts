/**
 * The options of `createMesh`, their defaults, and their validation.
 */
import type { ConnectionGater, PrivateKey } from '@libp2p/interface'
import { InvalidOptionError } from './core/errors.js'
import { checkNumberOption } from './core/limits.js'
import type { QuorumOptions } from './leases.js'

/** @default 'default' */
export const DEFAULT_MESH_NAME = 'default'
/** @default ['/ip4/0.0.0.0/tcp/0'] */
export const DEFAULT_LISTEN = ['/ip4/0.0.0.0/tcp/0']

export interface MeshOptions {
  /** Mesh name: nodes with the same name share one keyspace (one gossipsub topic). @default 'default' */
  name?: string
  /** Multiaddrs to listen on. @default ['/ip4/0.0.0.0/tcp/0'] */
  listen?: string[]
  /** Multiaddrs (with `/p2p/<peer id>`) of peers to dial at start. @default [] */
  bootstrap?: string[]
  /** Find peers on the LAN by multicast DNS. @default true */
  mdns?: boolean
  /** Physical clock, epoch milliseconds. Inject one to control time in tests. @default Date.now */
  clock?: () => number
  /** Remote timestamps further ahead of the local clock than this are rejected. @default 60_000 */
  maxDriftMs?: number
  /** Largest key, in UTF-8 bytes. @default 1024 */
  maxKeyBytes?: number
  /** Largest value, in bytes. @default 1_048_576 */
  maxValueBytes?: number
  /** TTL of a `set` that gives none, in ms; `Infinity` for no expiry. @default 3_600_000 (1 hour) */
  defaultTtlMs?: number
  /** Longest finite TTL a `set` may ask for, in ms. @default 86_400_000 (24 hours) */
  maxTtlMs?: number
  /**
   * Least time a tombstone (deleted or expired key) is kept. Tombstones are kept for
   * `max(maxTtlMs, tombstoneGraceMs)` after their write. @default 600_000 (10 minutes)
   */
  tombstoneGraceMs?: number
  /** Mean interval of periodic anti-entropy rounds (jittered ±20 %), in ms. @default 5_000 */
  syncIntervalMs?: number
  /** The node's identity key; a new Ed25519 key when absent. */
  privateKey?: PrivateKey
  /** Advanced: a libp2p connection gater (to partition nodes in tests, or to allowlist peers). */
  connectionGater?: ConnectionGater
  /**
   * Quorum mode for locks and elections: a majority of these acceptors must grant every claim.
   * `{ members: [peerId, …] }` names them; `{ size: N }` says the mesh has N acceptors. Without it
   * locks default to gossip mode. @default undefined
   */
  quorum?: QuorumOptions
  /** Longest lease TTL in quorum mode; a restarted acceptor grants nothing for this long. @default 60_000 */
  maxLeaseTtlMs?: number
  /**
   * Private mesh: a swarm key (the libp2p pnet file format; `meshkv keygen` makes one). Nodes
   * without the same key cannot connect at all. @default undefined (an open mesh)
   */
  psk?: string | Uint8Array
  /** Only these peer ids may connect. @default undefined (any peer) */
  allowPeers?: string[]
  /** Most keys held (live and tombstones); local writes beyond it throw StoreFullError, remote ones are dropped and counted. @default 1_000_000 */
  maxEntries?: number
  /** Most key characters plus value bytes of live entries. @default 536_870_912 (512 MiB) */
  maxBytes?: number
}

export function checkQuorum (q: QuorumOptions | undefined): void {
  if (q === undefined) return
  if (q.members !== undefined && (!Array.isArray(q.members) || q.members.length === 0 || q.members.some(m => typeof m !== 'string' || m.length === 0))) {
    throw new InvalidOptionError(`\`quorum.members\` must be a non-empty array of peer id strings, got ${JSON.stringify(q.members)}`)
  }
  if (q.size !== undefined) checkNumberOption('quorum.size', q.size, 1, 1_000)
  if (q.members === undefined && q.size === undefined) throw new InvalidOptionError('`quorum` needs `members` or `size`, got neither')
}

export function checkAddrs (name: string, addrs: unknown): string[] {
  if (!Array.isArray(addrs) || addrs.some(a => typeof a !== 'string' || !a.startsWith('/'))) {
    throw new InvalidOptionError(`\`${name}\` must be an array of multiaddr strings such as "/ip4/127.0.0.1/tcp/0", got ${JSON.stringify(addrs)}`)
  }
  return addrs as string[]
}
