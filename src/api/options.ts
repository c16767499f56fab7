/**
 * The options of `createMesh`, their defaults, and their validation.
 */
import type { ConnectionGater, PrivateKey } from '@libp2p/interface'
import { InvalidOptionError } from '../core/errors.js'
import type { StoreOptions } from '../core/store.js'
import type { QuorumOptions } from '../features/locks/locks.js'

/** @default 'default' */
export const DEFAULT_MESH_NAME = 'default'
/** @default ['/ip4/0.0.0.0/tcp/0'] */
export const DEFAULT_LISTEN = ['/ip4/0.0.0.0/tcp/0']

/** Every option is optional. The store's limits and clock (StoreOptions) keep their defaults there. */
export interface MeshOptions extends Pick<StoreOptions, 'clock' | 'maxDriftMs' | 'clockWarningMs' | 'maxKeyBytes' | 'maxValueBytes' | 'defaultTtlMs' | 'maxTtlMs' | 'tombstoneGraceMs' | 'maxEntries' | 'maxBytes'> {
  /** Mesh name: nodes with the same name share one keyspace (one gossipsub topic). @default 'default' */
  name?: string
  /** Multiaddrs to listen on. @default ['/ip4/0.0.0.0/tcp/0'] */
  listen?: string[]
  /** Multiaddrs (with `/p2p/<peer id>`) of peers to dial at start. @default [] */
  bootstrap?: string[]
  /** Find peers on the LAN by multicast DNS. @default true */
  mdns?: boolean
  /** Mean interval of periodic anti-entropy rounds (jittered ±20 %), in ms. @default 5_000 */
  syncIntervalMs?: number
  /**
   * The node's identity key. A node given one may have granted quorum leases under it before, so
   * its acceptor grants nothing for `maxLeaseTtlMs` after the start. @default a new Ed25519 key
   * (a new identity: its acceptor grants at once)
   */
  privateKey?: PrivateKey
  /**
   * A file holding the node's identity (an Ed25519 key in libp2p's protobuf format, mode 0600),
   * created on first start: the peer id stays the same across restarts. On first start the
   * acceptor grants at once; after a restart it waits `maxLeaseTtlMs` (it forgot what it granted).
   * Not with `privateKey`. @default undefined (a new identity each start)
   */
  identityFile?: string
  /** Advanced: a libp2p connection gater (to partition nodes in tests, or to allowlist peers). */
  connectionGater?: ConnectionGater
  /**
   * Quorum mode: `{ members: [peerId, …] }` names the quorum members; a majority of them must
   * grant every quorum-mode lock claim and agree on every quorum-mode change (counters, sets,
   * queues, conditional writes: linearizable per key, CASPaxos). Without it locks default to
   * gossip mode and quorum-mode operations throw QuorumNotConfiguredError. @default undefined
   */
  quorum?: QuorumOptions
  /** Longest lease TTL in quorum mode; an acceptor restarted with an identity it had before grants nothing for this long. @default 60_000 */
  maxLeaseTtlMs?: number
  /**
   * Private mesh: a swarm key (the libp2p pnet file format; `meshkv keygen` makes one). Nodes
   * without the same key cannot connect at all. @default undefined (an open mesh)
   */
  psk?: string | Uint8Array
  /** Only these peer ids may connect. @default undefined (any peer) */
  allowPeers?: string[]
  /**
   * A durable node: its versions (tombstones included), HLC high-water mark, lease acceptor state
   * and identity (`identity.key`) are kept in this directory and loaded at the next start; a
   * `set` or `delete` resolves once it is on disk. One node per directory. @default undefined
   * (in memory: everything is gone when the process ends)
   */
  dataDir?: string
  /**
   * How long `close()` (and `flush()`) spend handing writes no peer holds yet to the connected
   * peers before giving up on them (they are counted and reported). @default 5_000
   */
  closeTimeoutMs?: number
}

export { checkQuorum } from '../features/locks/locks.js'

export function checkAddrs (name: string, addrs: unknown): string[] {
  if (!Array.isArray(addrs) || addrs.some(a => typeof a !== 'string' || !a.startsWith('/'))) {
    throw new InvalidOptionError(`\`${name}\` must be an array of multiaddr strings such as "/ip4/127.0.0.1/tcp/0", got ${JSON.stringify(addrs)}`)
  }
  return addrs as string[]
}
