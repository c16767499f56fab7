import type { ConnectionGater, PeerId } from '@libp2p/interface'

/**
 * A connection gater whose blocked set the caller controls: a network partition by peer id, for
 * the demo, the tests and the real-node nemesis. Pass it as `createMesh({ connectionGater })`.
 */
export class Gate implements ConnectionGater {
  readonly blocked = new Set<string>()
  denyDialPeer = async (peer: PeerId): Promise<boolean> => this.blocked.has(peer.toString())
  denyInboundEncryptedConnection = async (peer: PeerId): Promise<boolean> => this.blocked.has(peer.toString())
  denyOutboundEncryptedConnection = async (peer: PeerId): Promise<boolean> => this.blocked.has(peer.toString())
}
