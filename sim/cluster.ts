/**
 * Real meshkv nodes on loopback, in this process, with a partition switch: the harness of the
 * integration tests, the benchmarks and the real-node nemesis.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { createMesh, type Mesh, type MeshOptions } from '../src/index.js'
import { Gate } from './gate.js'

export interface Node { mesh: Mesh, gate: Gate }

/** Starts one node on 127.0.0.1 without mDNS, behind its own gate. */
export async function startNode (options: MeshOptions = {}): Promise<Node> {
  const gate = new Gate()
  const mesh = await createMesh({ listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, connectionGater: gate, ...options })
  return { mesh, gate }
}

/** Starts `n` nodes, fully connected as mDNS would leave them, and waits until each sees the others in the mesh. */
export async function startCluster (n: number, options: MeshOptions = {}): Promise<Node[]> {
  const first = await startNode(options)
  const rest = await Promise.all(Array.from({ length: n - 1 }, async () => startNode({ ...options, bootstrap: [first.mesh.multiaddrs[0]] })))
  const nodes = [first, ...rest]
  for (let i = 1; i < n; i++) for (let j = i + 1; j < n; j++) await nodes[i].mesh.dial(nodes[j].mesh.multiaddrs[0])
  await eventually(() => nodes.every(x => x.mesh.peers().length === n - 1), 'every node sees the others')
  return nodes
}

/** Polls a condition (state decides, not time) until it holds or `timeoutMs` passes. */
export async function eventually (cond: () => boolean, what: string, timeoutMs = 15_000, pollMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`)
    await sleep(pollMs)
  }
}

/** Cuts every connection between the two groups and refuses new ones. */
export async function partition (a: Node[], b: Node[]): Promise<void> {
  for (const x of a) {
    for (const y of b) {
      x.gate.blocked.add(y.mesh.peerId)
      y.gate.blocked.add(x.mesh.peerId)
    }
  }
  for (const x of a) for (const y of b) await x.mesh.libp2p.hangUp(y.mesh.libp2p.peerId).catch(() => {})
}

/** Lifts every block; the nodes redial each other on their own (or `reconnect` does it now). */
export function heal (nodes: Node[]): void {
  for (const x of nodes) x.gate.blocked.clear()
}

/** Dials every pair that is not connected. */
export async function reconnect (nodes: Node[]): Promise<void> {
  for (let i = 0; i < nodes.length; i++) {
    for (let j = i + 1; j < nodes.length; j++) {
      if (nodes[i].mesh.libp2p.getConnections(nodes[j].mesh.libp2p.peerId).length === 0) {
        await nodes[i].mesh.dial(nodes[j].mesh.multiaddrs[0]).catch(() => {})
      }
    }
  }
}

/** True when every node's state digest is the same. */
export function converged (nodes: Node[]): boolean {
  return new Set(nodes.map(n => n.mesh.stats().digest)).size === 1
}

export async function stopAll (nodes: Node[]): Promise<void> {
  await Promise.all(nodes.map(async n => n.mesh.close()))
}
