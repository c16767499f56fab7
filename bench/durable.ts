/**
 * Durable nodes (issue 12): write throughput of `set` on a node with a data directory beside one
 * in memory, the time a store of N entries takes to load at a restart beside filling an
 * in-memory store, and the RSS of each holding N × 100-byte values. Each figure is measured in a
 * child process of its own (`node --expose-gc --import tsx bench/durable.ts <phase> …`) so that
 * RSS is that of one node. bench/index.ts calls `benchDurable`.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { setTimeout as sleep } from 'node:timers/promises'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Entry } from '../src/core/entry.js'
import { Store } from '../src/core/store.js'
import { LmdbStorage } from '../src/storage/lmdb.js'
import { createMesh } from '../src/index.js'

const NODE = '12D3KooWDurableBenchmarkPeerId00000000000000000000'
const DAY = 86_400_000
const STORE = { maxEntries: 4_000_000, maxBytes: 2 ** 40, maxTtlMs: 30 * DAY }
const key = (i: number): string => `user:${String(i).padStart(10, '0')}`
const value = new Uint8Array(100).fill(120)

function rss (): { rssMiB: number, anonMiB: number, fileMiB: number, heapMiB: number } {
  const gc = (globalThis as { gc?: () => void }).gc
  gc?.(); gc?.()
  const status = readFileSync('/proc/self/status', 'utf8')
  const kb = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN)
  return { rssMiB: kb('VmRSS') / 1024, anonMiB: kb('RssAnon') / 1024, fileMiB: kb('RssFile') / 1024, heapMiB: process.memoryUsage().heapUsed / 2 ** 20 }
}

/** `set` throughput with `window` writes in flight, on a fresh node (durable when `dir` is given). */
async function writes (n: number, dir: string | undefined): Promise<{ writesPerSec: number }> {
  const mesh = await createMesh({ dataDir: dir, mdns: false, listen: ['/ip4/127.0.0.1/tcp/0'], ...STORE })
  const window = 1_000
  const t = performance.now()
  for (let i = 0; i < n; i += window) {
    const batch: Array<Promise<unknown>> = []
    for (let j = i; j < Math.min(n, i + window); j++) batch.push(mesh.set(key(j), value.slice(), { ttl: 7 * DAY }))
    await Promise.all(batch)
  }
  const writesPerSec = n / ((performance.now() - t) / 1000)
  await mesh.close()
  return { writesPerSec }
}

/** Writes n entries straight into a data directory's storage (what a node would have left). */
async function fill (n: number, dir: string): Promise<{ fillSecs: number }> {
  const storage = new LmdbStorage(join(dir, 'store'))
  const now = Date.now()
  const t = performance.now()
  for (let i = 0; i < n; i += 10_000) {
    const ops = []
    for (let j = i; j < Math.min(n, i + 10_000); j++) ops.push({ type: 'put' as const, entry: new Entry({ key: key(j), value, wall: now, counter: j & 0xffff, origin: NODE, expiresAt: now + 7 * DAY }) })
    await storage.write(ops)
  }
  await storage.close()
  return { fillSecs: (performance.now() - t) / 1000 }
}

/** A restart: a store loads what the data directory holds. */
async function load (dir: string): Promise<Record<string, number>> {
  const before = rss()
  const t = performance.now()
  const storage = new LmdbStorage(join(dir, 'store'))
  const store = new Store(NODE, { ...STORE, storage })
  const loadSecs = (performance.now() - t) / 1000
  const after = rss()
  const entries = store.size
  await storage.close()
  return { loadSecs, entries, ...after, baseRssMiB: before.rssMiB }
}

/** The same entries set into an in-memory store: its build time and RSS. */
function memory (n: number): Record<string, number> {
  const before = rss()
  const store = new Store(NODE, STORE)
  const t = performance.now()
  for (let i = 0; i < n; i++) store.set(key(i), value.slice(), 7 * DAY) // a buffer each, as values arriving over the network
  const buildSecs = (performance.now() - t) / 1000
  return { buildSecs, entries: store.size, ...rss(), baseRssMiB: before.rssMiB }
}

/**
 * The same keys and values (7-day TTLs) in a redis-server started here, loaded through
 * `redis-cli --pipe`: its RSS (VmRSS) in MiB, or why it was not measured.
 */
async function redisMemory (n: number): Promise<{ rssMiB: number } | { skipped: string }> {
  if (spawnSync('redis-server', ['--version']).status !== 0 || spawnSync('redis-cli', ['--version']).status !== 0) {
    return { skipped: 'redis-server / redis-cli are not installed (apt-get install redis-server)' }
  }
  const port = String(20_000 + Math.floor(Math.random() * 20_000))
  const server = spawn('redis-server', ['--port', port, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
  try {
    for (let i = 0; spawnSync('redis-cli', ['-p', port, 'PING']).stdout?.toString().trim() !== 'PONG'; i++) {
      if (i > 100) throw new Error('redis-server did not start')
      await sleep(50)
    }
    const v = 'x'.repeat(100)
    const ttl = String(7 * DAY)
    const chunks: string[] = []
    for (let i = 0; i < n; i++) {
      const k = key(i)
      chunks.push(`*5\r\n$3\r\nSET\r\n$${k.length}\r\n${k}\r\n$100\r\n${v}\r\n$2\r\nPX\r\n$${ttl.length}\r\n${ttl}\r\n`)
    }
    const load = spawnSync('redis-cli', ['-p', port, '--pipe'], { input: chunks.join(''), maxBuffer: 1 << 24 })
    if (load.status !== 0) throw new Error(`redis-cli --pipe failed: ${load.stderr?.toString()}`)
    const status = readFileSync(`/proc/${server.pid}/status`, 'utf8')
    return { rssMiB: Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1]) / 1024 }
  } finally {
    server.kill()
  }
}

export interface DurableFigures {
  entries: number
  writes: number
  memoryWritesPerSec: number
  durableWritesPerSec: number
  fillSecs: number
  load: Record<string, number>
  memory: Record<string, number>
  redis: { rssMiB: number } | { skipped: string }
}

function child (...args: string[]): Record<string, number> {
  const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', fileURLToPath(import.meta.url), ...args], { encoding: 'utf8', maxBuffer: 1 << 20 })
  return JSON.parse(out.trim().split('\n').pop() as string) as Record<string, number>
}

/** Runs every phase in its own child process. */
export async function benchDurable (entries: number, writeCount: number): Promise<DurableFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'meshkv-bench-durable-'))
  try {
    const memoryWritesPerSec = child('writes', String(writeCount)).writesPerSec
    const durableWritesPerSec = child('writes', String(writeCount), join(dir, 'writes')).writesPerSec
    const { fillSecs } = child('fill', String(entries), join(dir, 'big'))
    const load = child('load', join(dir, 'big'))
    const mem = child('memory', String(entries))
    const redis = await redisMemory(entries)
    return { entries, writes: writeCount, memoryWritesPerSec, durableWritesPerSec, fillSecs, load, memory: mem, redis }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [phase, a, b] = process.argv.slice(2)
  const result = phase === 'writes'
    ? await writes(Number(a), b)
    : phase === 'fill'
      ? await fill(Number(a), b)
      : phase === 'load'
        ? await load(a)
        : phase === 'memory'
          ? memory(Number(a))
          : phase === 'redis'
            ? await redisMemory(Number(a))
          : JSON.parse(JSON.stringify(await benchDurable(Number(a ?? 1_000_000), Number(b ?? 100_000))))
  console.log(JSON.stringify(result))
  process.exit(0)
}
