import type { ConnectionGater, PeerId } from '@libp2p/interface'
import { createMesh, type Mesh, type MeshOptions } from '../../src/index.js'

/** A connection gater whose blocked set the test controls: a partition by peer id. */
export class Gate implements ConnectionGater {
  readonly blocked = new Set<string>()
  denyDialPeer = async (peer: PeerId): Promise<boolean> => this.blocked.has(peer.toString())
  denyInboundEncryptedConnection = async (peer: PeerId): Promise<boolean> => this.blocked.has(peer.toString())
  denyOutboundEncryptedConnection = async (peer: PeerId): Promise<boolean> => this.blocked.has(peer.toString())
}

export interface Node { mesh: Mesh, gate: Gate }

/** Starts a mesh node on loopback without mDNS. */
export async function start (options: MeshOptions = {}): Promise<Node> {
  const gate = new Gate()
  const mesh = await createMesh({ listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, syncIntervalMs: 300, connectionGater: gate, ...options })
  return { mesh, gate }
}

/** Starts `n` nodes, all bootstrapped to the first, and waits until each sees the others in the mesh. */
export async function startMesh (n: number, options: MeshOptions = {}): Promise<Node[]> {
  const first = await start(options)
  const rest = await Promise.all(Array.from({ length: n - 1 }, async () => start({ ...options, bootstrap: [first.mesh.multiaddrs[0]] })))
  const nodes = [first, ...rest]
  // full mesh of connections, as mDNS would give on a LAN
  for (let i = 1; i < n; i++) for (let j = i + 1; j < n; j++) await nodes[i].mesh.dial(nodes[j].mesh.multiaddrs[0])
  await eventually(() => nodes.every(x => x.mesh.peers().length === n - 1), 'every node sees the others')
  return nodes
}

/** Polls a condition (state, not time, decides) until it holds or `timeoutMs` passes. */
export async function eventually (cond: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`)
    await new Promise(resolve => setTimeout(resolve, 20))
  }
}

/** Cuts every connection between the two groups and refuses new ones. */
export async function partition (a: Node[], b: Node[]): Promise<void> {
  for (const x of a) for (const y of b) {
    x.gate.blocked.add(y.mesh.peerId)
    y.gate.blocked.add(x.mesh.peerId)
  }
  for (const x of a) for (const y of b) {
    await x.mesh.libp2p.hangUp(y.mesh.libp2p.peerId).catch(() => {})
  }
}

/** Lifts every block; the nodes redial each other on their own. */
export function heal (nodes: Node[]): void {
  for (const x of nodes) x.gate.blocked.clear()
}

export async function stopAll (nodes: Node[]): Promise<void> {
  await Promise.all(nodes.map(async n => n.mesh.close()))
}
