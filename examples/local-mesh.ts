/**
 * Helper for the examples: `n` meshkv nodes in this process on loopback, joined into one mesh.
 * In real use each agent is its own process and calls `createMesh({ name })`; mDNS finds the
 * others on the LAN, `bootstrap` beyond it.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { createMesh, type Mesh } from '../src/index.js'

export async function localMesh (name: string, n: number): Promise<Mesh[]> {
  const options = { name, listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false }
  const first = await createMesh(options)
  const rest = await Promise.all(Array.from({ length: n - 1 }, async () => createMesh({ ...options, bootstrap: [first.multiaddrs[0]] })))
  const all = [first, ...rest]
  while (!rest.every(m => m.peers().length > 0) || first.peers().length < n - 1) {
    await sleep(20)
  }
  return all
}

export async function closeAll (meshes: Mesh[]): Promise<void> {
  await Promise.all(meshes.map(async m => m.close()))
}
