/**
 * Trust costs: drop seal/open throughput beside plain writes, in the same run.
 */
import { keysOf, newSecret, openBytes, sealBytes } from '../src/features/drops/crypto.js'
import { createMesh } from '../src/index.js'

export interface DropFigures {
  sealOpenPerSecond: number
  meshSealPerSecond: number
  meshSetPerSecond: number
  payloadBytes: number
}

function rate (n: number, fn: (i: number) => void): number {
  const t = performance.now()
  for (let i = 0; i < n; i++) fn(i)
  return n / ((performance.now() - t) / 1000)
}

export async function benchDrops (n: number): Promise<DropFigures> {
  const payload = new Uint8Array(1024).fill(7)
  const keys = keysOf(newSecret())
  rate(200, () => openBytes(keys, sealBytes(keys, payload, false)))
  const sealOpenPerSecond = rate(n, () => { openBytes(keys, sealBytes(keys, payload, false)) })
  const mesh = await createMesh({ listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false })
  try {
    let t = performance.now()
    for (let i = 0; i < n; i++) await mesh.drops.seal(payload, { ttl: 600_000 })
    const meshSealPerSecond = n / ((performance.now() - t) / 1000)
    t = performance.now()
    for (let i = 0; i < n; i++) await mesh.set(`plain:${i}`, payload, { ttl: 600_000 })
    const meshSetPerSecond = n / ((performance.now() - t) / 1000)
    return { sealOpenPerSecond, meshSealPerSecond, meshSetPerSecond, payloadBytes: payload.length }
  } finally {
    await mesh.close()
  }
}
