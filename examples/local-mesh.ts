/**
 * Helper for the examples: `n` meshkv nodes in this process on loopback, joined into one mesh.
 * In real use each agent is its own process and calls `createMesh({ name })`; mDNS finds the
 * others on the LAN, `bootstrap` beyond it.
 */
import { createMesh, type Mesh } from '../src/index.js'

export async function localMesh (name: string, n: number): Promise<Mesh[]> {
  const options = { name, listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false }
  const first = await createMesh(options)
  const rest = await Promise.all(Array.from({ length: n - 1 }, async () => createMesh({ ...options, bootstrap: [first.multiaddrs[0]] })))
  // connected: the first node sees every other, and each other one holds the mesh's state
  await first.waitForPeers(n - 1, { timeout: 30_000 })
  await Promise.all(rest.map(async m => m.ready({ timeout: 30_000 })))
  return [first, ...rest]
}

export async function closeAll (meshes: Mesh[]): Promise<void> {
  await Promise.all(meshes.map(async m => m.close()))
}
