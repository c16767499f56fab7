/**
 * Peer discovery: mDNS on the LAN (on by default) and bootstrap multiaddrs beyond it.
 * Discovered peers are dialled by the node (see node.ts); `mesh.dial(addr)` adds peers by hand.
 */
import { bootstrap } from '@libp2p/bootstrap'
import { mdns } from '@libp2p/mdns'
import type { Libp2pInit } from 'libp2p'

export interface DiscoveryOptions {
  /** Discover peers on the LAN by multicast DNS. */
  mdns: boolean
  /** Multiaddrs (with /p2p/<peer id>) to dial at start. */
  bootstrap: string[]
}

/** The mDNS service tag meshkv nodes announce, so they find each other and not every libp2p node. */
export const MDNS_SERVICE_TAG = '_meshkv._udp.local'

export function discovery (options: DiscoveryOptions): NonNullable<Libp2pInit['peerDiscovery']> {
  const out: NonNullable<Libp2pInit['peerDiscovery']> = []
  if (options.mdns) out.push(mdns({ serviceTag: MDNS_SERVICE_TAG }))
  if (options.bootstrap.length > 0) out.push(bootstrap({ list: options.bootstrap }))
  return out
}
