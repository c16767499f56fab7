/**
 * Peer discovery: mDNS on the LAN (on by default) and bootstrap multiaddrs beyond it.
 * Discovered peers are dialled by the node (see node.ts); `mesh.dial(addr)` adds peers by hand.
 */
import { bootstrap } from '@libp2p/bootstrap'
import { mdns } from '@libp2p/mdns'
import type { Libp2pInit } from 'libp2p'
import { mdnsServiceTagFor } from './protocols.js'

export interface DiscoveryOptions {
  /** Discover peers on the LAN by multicast DNS. */
  mdns: boolean
  /** Multiaddrs (with /p2p/<peer id>) to dial at start. */
  bootstrap: string[]
}

/**
 * mDNS announces and queries the mesh's own service tag (`_meshkv-<mesh id>._udp.local`), so a node
 * finds its own mesh's nodes on the LAN and neither other meshes nor every libp2p node.
 */
export function discovery (mesh: string, options: DiscoveryOptions): NonNullable<Libp2pInit['peerDiscovery']> {
  const out: NonNullable<Libp2pInit['peerDiscovery']> = []
  if (options.mdns) out.push(mdns({ serviceTag: mdnsServiceTagFor(mesh) }))
  if (options.bootstrap.length > 0) out.push(bootstrap({ list: options.bootstrap }))
  return out
}
