import type { MeshOptions } from '../../src/index.js'
import { startCluster, startNode, type Node } from '../../sim/cluster.js'

export { eventually, heal, partition, stopAll, type Node } from '../../sim/cluster.js'

/** Test nodes sync every 300 ms so heals are quick. */
const TEST_OPTIONS: MeshOptions = { syncIntervalMs: 300 }

export async function start (options: MeshOptions = {}): Promise<Node> {
  return startNode({ ...TEST_OPTIONS, ...options })
}

export async function startMesh (n: number, options: MeshOptions = {}): Promise<Node[]> {
  return startCluster(n, { ...TEST_OPTIONS, ...options })
}
