/**
 * The surfaces: a CLI command end to end against a running daemon (`meshkv get`, a process start
 * each) beside `redis-cli GET`, and HTTP PUT/GET latency beside Redis SET/GET from Node.
 */
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createMesh } from '../src/index.js'
import { createHttpServer } from '../src/surfaces/http/server.js'
import { freePort } from './locks.js'
import { summary } from './stats.js'

const ROOT = join(import.meta.dirname, '..')
type Figures = ReturnType<typeof summary>

function timeCommand (cmd: string, args: string[], env: NodeJS.ProcessEnv, rounds: number): Figures {
  const samples: number[] = []
  for (let i = 0; i < rounds + 3; i++) {
    const t = performance.now()
    const r = spawnSync(cmd, args, { env, encoding: 'utf8' })
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`)
    if (i >= 3) samples.push(performance.now() - t)
  }
  return summary(samples)
}

export interface SurfaceFigures {
  cliGet: Figures
  redisCliGet?: Figures
  httpPut: Figures
  httpGet: Figures
  redisSet?: Figures
  redisGet?: Figures
  redisSkipped?: string
}

export async function benchSurfaces (rounds: number): Promise<SurfaceFigures> {
  // the CLI runs compiled: build dist/ first (npm ci does this too, through the prepare script)
  const build = spawnSync(join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', join(ROOT, 'tsconfig.build.json')], { encoding: 'utf8' })
  if (build.status !== 0) throw new Error(`build failed: ${build.stdout}`)
  const dir = mkdtempSync(join(tmpdir(), 'meshkv-bench-'))
  const env = { ...process.env, MESHKV_RUNTIME_DIR: dir, MESHKV_MDNS: 'false', MESHKV_LISTEN: '/ip4/127.0.0.1/tcp/0' }
  const bin = join(ROOT, 'bin', 'meshkv.js')
  const out: Partial<SurfaceFigures> = {}
  try {
    spawnSync(process.execPath, [bin, 'set', 'bench:key', 'value-of-32-bytes-0123456789abcd', '--ttl', '1h'], { env })
    out.cliGet = timeCommand(process.execPath, [bin, 'get', 'bench:key', '--format', 'value'], env, rounds)
  } finally {
    spawnSync(process.execPath, [bin, 'daemon', 'stop'], { env })
    rmSync(dir, { recursive: true, force: true })
  }

  const mesh = await createMesh({ listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false })
  const app = createHttpServer(mesh)
  await app.listen({ host: '127.0.0.1', port: 0 })
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`
  const put: number[] = []
  const get: number[] = []
  try {
    for (let i = 0; i < rounds * 10 + 20; i++) {
      let t = performance.now()
      const p = await fetch(`${base}/v1/data/k${i % 50}?ttl=3600`, { method: 'PUT', body: 'value-of-32-bytes-0123456789abcd' })
      await p.arrayBuffer()
      if (i >= 20) put.push(performance.now() - t)
      t = performance.now()
      const g = await fetch(`${base}/v1/data/k${i % 50}`)
      await g.arrayBuffer()
      if (i >= 20) get.push(performance.now() - t)
    }
  } finally {
    await app.close()
    await mesh.close()
  }
  out.httpPut = summary(put)
  out.httpGet = summary(get)

  if (spawnSync('redis-server', ['--version']).status !== 0 || spawnSync('redis-cli', ['--version']).status !== 0) {
    out.redisSkipped = 'redis-server / redis-cli are not installed (apt-get install redis-server)'
    return out as SurfaceFigures
  }
  const port = await freePort()
  const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
  try {
    const { createClient } = await import('redis')
    const c = createClient({ socket: { host: '127.0.0.1', port, reconnectStrategy: (n: number) => n > 50 ? false : 50 } })
    await c.connect()
    await c.set('bench:key', 'value-of-32-bytes-0123456789abcd')
    out.redisCliGet = timeCommand('redis-cli', ['-p', String(port), 'GET', 'bench:key'], process.env, rounds)
    const rs: number[] = []
    const rg: number[] = []
    for (let i = 0; i < rounds * 10 + 20; i++) {
      let t = performance.now()
      await c.set(`k${i % 50}`, 'value-of-32-bytes-0123456789abcd', { EX: 3600 })
      if (i >= 20) rs.push(performance.now() - t)
      t = performance.now()
      await c.get(`k${i % 50}`)
      if (i >= 20) rg.push(performance.now() - t)
    }
    out.redisSet = summary(rs)
    out.redisGet = summary(rg)
    await c.quit()
  } finally {
    server.kill()
  }
  return out as SurfaceFigures
}
