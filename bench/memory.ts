/**
 * Memory per entry, run by bench/index.ts in a child process with --expose-gc. Prints one JSON line.
 * Overhead = (heap + array buffers after − before) / entries − (key bytes + value bytes); then
 * where it goes: each part of what a store holds per entry, built alone and measured the same way.
 */
import { Entry } from '../src/core/entry.js'
import { DeadlineHeap } from '../src/core/heap.js'
import { Store } from '../src/core/store.js'
import { ValuePool } from '../src/core/value-pool.js'

const gc = (globalThis as { gc?: () => void }).gc
if (gc === undefined) throw new Error('run with --expose-gc')
const N = 200_000
const VALUE = 100
const NODE = '12D3KooWBenchmarkPeerIdForMemoryMeasurement000000000'

function used (): number {
  gc!(); gc!()
  const m = process.memoryUsage()
  return m.heapUsed + m.arrayBuffers
}

// flat strings, as keys arrive from the network or from JSON
const key = (i: number): string => Buffer.from(`user:${String(i).padStart(10, '0')}`).toString('latin1')

/** Bytes per entry that `fill` leaves reachable. */
function measure (fill: () => unknown): number {
  const before = used()
  const held = fill()
  const after = used()
  if (held === undefined) throw new Error('nothing held')
  return (after - before) / N
}

const keyBytes = key(0).length
const payload = keyBytes + VALUE
const meshkv = measure(() => {
  const store = new Store(NODE)
  for (let i = 0; i < N; i++) store.set(key(i), new Uint8Array(VALUE), 3_600_000)
  return store
})
const baseline = measure(() => {
  const map = new Map<string, Uint8Array>()
  for (let i = 0; i < N; i++) map.set(key(i), new Uint8Array(VALUE))
  return map
})

// the parts, each built alone (keys made beforehand and held throughout)
const keys = Array.from({ length: N }, (_, i) => key(i))
const keyString = measure(() => Array.from({ length: N }, (_, i) => key(i))) - 8 // less the array slot
const now = Date.now()
let entries: Entry[] = []
const entryObject = measure(() => {
  const pool = new ValuePool()
  entries = keys.map((k, i) => {
    const e = new Entry({ key: k, value: new Uint8Array(VALUE), wall: now + i, counter: i & 0xffff, origin: NODE, expiresAt: now + i + 3_600_000 })
    e.pool(pool)
    return e
  })
  return entries
}) - 8 - VALUE // less the array slot and the value's bytes (in the slab)
const mapSlot = measure(() => new Map(entries.map(e => [e.key, e])))
const heapSlot = measure(() => {
  const heap = new DeadlineHeap<Entry>()
  for (const e of entries) heap.push(e.expiresAt as number, e, 0)
  return heap
})
const keyIndex = measure(() => [...keys].sort())
console.log(JSON.stringify({
  entries: N,
  payloadPerEntry: payload,
  overheadPerEntry: meshkv - payload,
  baselinePerEntry: baseline - payload,
  parts: { keyString: keyString - keyBytes, entryObject, mapSlot, heapSlot, keyIndexWhenListed: keyIndex, digest: 0 }
}))
