/**
 * Peer discovery: mDNS on the LAN (on by default), bootstrap multiaddrs beyond it, and peer
 * exchange through a Kademlia DHT private to the mesh, so nodes that met through one bootstrap
 * node learn each other and stay connected when it leaves. Discovered peers are dialled by the node
 * (see node.ts); `mesh.dial(addr)` adds peers by hand.
 */
import { bootstrap } from '@libp2p/bootstrap'
import { kadDHT, passthroughMapper } from '@libp2p/kad-dht'
import { mdns } from '@libp2p/mdns'
import { ping } from '@libp2p/ping'
import { MountDatastore } from 'datastore-core/mount'
import { MemoryDatastore } from 'datastore-core/memory'
import { BlackHoleDatastore } from 'datastore-core/black-hole'
import { Key, type Datastore } from 'interface-datastore'
import type { Libp2pInit } from 'libp2p'
import { mdnsServiceTagFor, protocolFor } from './protocols.js'

export interface DiscoveryOptions {
  /** Discover peers on the LAN by multicast DNS. */
  mdns: boolean
  /** Multiaddrs (with /p2p/<peer id>) to dial at start. */
  bootstrap: string[]
}

/**
 * How long after start the bootstrap peers are dialled: at once (the module's default waits 1 s,
 * which a joining node's first sync round would wait too).
 */
export const BOOTSTRAP_DELAY_MS = 0

/** Where the DHT keeps records and provider records (which meshkv never uses). */
const DHT_DATASTORE_PREFIX = '/dht'
/** The DHT's self-lookups repeat every this many anti-entropy intervals (a minute by default). */
const SELF_QUERY_SYNC_INTERVALS = 12
/** Self-lookup interval when periodic anti-entropy is off. @default 300_000 */
const DEFAULT_SELF_QUERY_INTERVAL_MS = 300_000

/**
 * mDNS announces and queries the mesh's own service tag (`_meshkv-<mesh id>._udp.local`), so a node
 * finds its own mesh's nodes on the LAN and neither other meshes nor every libp2p node.
 */
export function discovery (mesh: string, options: DiscoveryOptions): NonNullable<Libp2pInit['peerDiscovery']> {
  const out: NonNullable<Libp2pInit['peerDiscovery']> = []
  if (options.mdns) out.push(mdns({ serviceTag: mdnsServiceTagFor(mesh) }))
  if (options.bootstrap.length > 0) out.push(bootstrap({ list: options.bootstrap, timeout: BOOTSTRAP_DELAY_MS }))
  return out
}

/**
 * Peer exchange: `@libp2p/kad-dht` on the mesh's own protocol, `/meshkv/<mesh id>/kad/1.0.0`, used
 * for peer routing only. Every node serves it (a LAN or loopback address is dialable here, so no
 * client mode and no address filter); shortly after start, and every `SELF_QUERY_SYNC_INTERVALS`
 * sync intervals, a node looks itself up, which asks the peers it knows for the peers closest to
 * it: the DHT reports them as discovered and the node dials them. So a node bootstrapped from A
 * connects to the others A knows (up to the DHT's 20 closest, a connected overlay beyond that).
 */
export function peerExchange (mesh: string, syncIntervalMs: number): { ping: ReturnType<typeof ping>, dht: ReturnType<typeof kadDHT> } {
  const every = syncIntervalMs * SELF_QUERY_SYNC_INTERVALS
  return {
    ping: ping(),
    dht: kadDHT({
      protocol: protocolFor(mesh, 'kad', '1.0.0'),
      clientMode: false,
      peerInfoMapper: passthroughMapper,
      datastorePrefix: DHT_DATASTORE_PREFIX,
      querySelfInterval: Number.isFinite(every) ? Math.min(every, 2 ** 31 - 1) : DEFAULT_SELF_QUERY_INTERVAL_MS
    })
  }
}

/**
 * The node's datastore: in memory, except that the DHT's value and provider records (which any
 * peer may ask a DHT server to store, and meshkv never reads) go nowhere, so they cannot grow it.
 */
export function nodeDatastore (): Datastore {
  return new MountDatastore([
    { prefix: new Key(DHT_DATASTORE_PREFIX), datastore: new BlackHoleDatastore() },
    { prefix: new Key('/'), datastore: new MemoryDatastore() }
  ])
}
