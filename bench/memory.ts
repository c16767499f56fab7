/**
 * Memory per entry, run by bench/index.ts in a child process with --expose-gc. Prints one JSON line.
 * Overhead = (heap + array buffers after − before) / entries − (key bytes + value bytes).
 */
import { Store } from '../src/core/store.js'

const gc = (globalThis as { gc?: () => void }).gc
if (gc === undefined) throw new Error('run with --expose-gc')
const N = 200_000
const VALUE = 32

function used (): number {
  gc!(); gc!()
  const m = process.memoryUsage()
  return m.heapUsed + m.arrayBuffers
}

const key = (i: number): string => `user:${String(i).padStart(10, '0')}`

/** Bytes per entry that `fill` leaves reachable (keys and values are made inside it). */
function measure (fill: () => unknown): number {
  const before = used()
  const held = fill()
  const after = used()
  if (held === undefined) throw new Error('nothing held')
  return (after - before) / N
}

const payload = `user:${'0'.repeat(10)}`.length + VALUE
const meshkv = measure(() => {
  const store = new Store('12D3KooWBenchmarkPeerIdForMemoryMeasurement000000000')
  for (let i = 0; i < N; i++) store.set(key(i), new Uint8Array(VALUE), 3_600_000)
  return store
})
const baseline = measure(() => {
  const map = new Map<string, Uint8Array>()
  for (let i = 0; i < N; i++) map.set(key(i), new Uint8Array(VALUE))
  return map
})
console.log(JSON.stringify({ entries: N, payloadPerEntry: payload, overheadPerEntry: meshkv - payload, baselinePerEntry: baseline - payload }))
