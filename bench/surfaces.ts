/**
 * The surfaces: a CLI command end to end against a running daemon (`meshkv get`, a process start
 * each) beside `redis-cli GET`, the hot commands' start-up beside a bare `node -e 0`, and HTTP
 * PUT/GET latency beside Redis SET/GET from Node.
 */
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createMesh } from '../src/index.js'
import { createHttpServer } from '../src/surfaces/http/server.js'
import { DaemonClient, type RequestOptions } from '../src/surfaces/shared/client.js'
import { daemonPaths } from '../src/surfaces/shared/paths.js'
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

/** The hot commands, in an order each leaves the next to succeed (exit 0) on every round. */
const HOT_COMMANDS: Record<string, string[]> = {
  set: ['set', 'bench:hot', 'value-of-32-bytes-0123456789abcd', '--ttl', '1h'],
  get: ['get', 'bench:hot', '--format', 'value'],
  exists: ['exists', 'bench:hot'],
  del: ['del', 'bench:hot'],
  'lock acquire': ['lock', 'acquire', 'bench:lock', '--owner', 'bench', '--ttl', '30s'],
  'lock release': ['lock', 'release', 'bench:lock', '--owner', 'bench'],
  inc: ['inc', 'bench:count', '--format', 'value']
}

/** The request each hot command sends, timed in process: the daemon's share of a command. */
const HOT_REQUESTS: Record<string, [string, string, RequestOptions]> = {
  set: ['PUT', '/v1/data/bench%3Ahot', { body: Buffer.from('value-of-32-bytes-0123456789abcd'), query: { ttl: 3600 } }],
  get: ['GET', '/v1/data/bench%3Ahot', {}],
  exists: ['HEAD', '/v1/data/bench%3Ahot', {}],
  del: ['DELETE', '/v1/data/bench%3Ahot', {}],
  'lock acquire': ['POST', '/v1/locks/bench%3Alock/acquire', { body: { owner: 'bench', ttl: 30_000 } }],
  'lock release': ['POST', '/v1/locks/bench%3Alock/release', { body: { owner: 'bench' } }],
  inc: ['POST', '/v1/counters/bench%3Acount/inc', { body: {} }]
}

export interface StartupFigures {
  /** `node -e 0`, measured interleaved with the commands */
  node: Figures
  commands: Record<string, Figures>
  /** each command's median over the bare start's median */
  ratios: Record<string, number>
  /** the largest of `startupRatios` */
  worst: { command: string, ratio: number }
  /** the same requests sent in process (no process start): what the daemon takes */
  daemon: Record<string, Figures>
  /** (command - daemon) / node, medians: the start-up alone (a gossip lock acquire waits >= 50 ms in the daemon) */
  startupRatios: Record<string, number>
}

/**
 * hyperfine's way, in process: each hot command spawned `rounds` times (after 3 warm-up rounds),
 * through the daemon on its Unix socket, interleaved with a bare `node -e 0` so both see the same
 * machine; medians and their ratio.
 */
async function benchStartup (bin: string, env: NodeJS.ProcessEnv, rounds: number): Promise<StartupFigures> {
  const samples: Record<string, number[]> = { node: [] }
  for (const name of Object.keys(HOT_COMMANDS)) samples[name] = []
  const time = (args: string[]): number => {
    const t = performance.now()
    const r = spawnSync(process.execPath, args, { env, encoding: 'utf8' })
    const ms = performance.now() - t
    if (r.status !== 0) throw new Error(`node ${args.join(' ')} failed (${r.status}): ${r.stderr}`)
    return ms
  }
  for (let i = 0; i < rounds + 3; i++) {
    const node = time(['-e', '0'])
    if (i >= 3) samples.node.push(node)
    for (const [name, args] of Object.entries(HOT_COMMANDS)) {
      const ms = time([bin, ...args])
      if (i >= 3) samples[name].push(ms)
    }
  }
  const node = summary(samples.node)
  const commands: Record<string, Figures> = {}
  const ratios: Record<string, number> = {}
  for (const name of Object.keys(HOT_COMMANDS)) {
    commands[name] = summary(samples[name])
    ratios[name] = commands[name].p50 / node.p50
  }
  const client = new DaemonClient(daemonPaths('default', env).socket)
  const served: Record<string, number[]> = {}
  for (const name of Object.keys(HOT_REQUESTS)) served[name] = []
  for (let i = 0; i < rounds + 3; i++) {
    for (const [name, [method, path, options]] of Object.entries(HOT_REQUESTS)) {
      const t = performance.now()
      const r = await client.request(method, path, options)
      if (i >= 3) served[name].push(performance.now() - t)
      if (r.status >= 300) throw new Error(`${method} ${path} answered ${r.status}: ${r.body.toString('utf8')}`)
    }
  }
  const daemon: Record<string, Figures> = {}
  const startupRatios: Record<string, number> = {}
  let worst = { command: '', ratio: 0 }
  for (const name of Object.keys(HOT_REQUESTS)) {
    daemon[name] = summary(served[name])
    startupRatios[name] = (commands[name].p50 - daemon[name].p50) / node.p50
    if (startupRatios[name] > worst.ratio) worst = { command: name, ratio: startupRatios[name] }
  }
  return { node, commands, ratios, worst, daemon, startupRatios }
}

export interface SurfaceFigures {
  startup: StartupFigures
  cliGet: Figures
  redisCliGet?: Figures
  /** PUT ?replicas=0: applied on the node (one peer connected) */
  httpPut: Figures
  /** PUT ?replicas=1 (the default): confirmed by the connected peer */
  httpPutReplicas1: Figures
  httpGet: Figures
  redisSet?: Figures
  redisGet?: Figures
  redisSkipped?: string
}

export async function benchSurfaces (rounds: number): Promise<SurfaceFigures> {
  // the CLI runs compiled: build dist/ first (npm ci does this too, through the prepare script)
  const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, encoding: 'utf8' })
  if (build.status !== 0) throw new Error(`build failed: ${build.stdout}${build.stderr}`)
  const dir = mkdtempSync(join(tmpdir(), 'meshkv-bench-'))
  const env = { ...process.env, MESHKV_RUNTIME_DIR: dir, MESHKV_STATE_DIR: join(dir, 'state'), MESHKV_MDNS: 'false', MESHKV_LISTEN: '/ip4/127.0.0.1/tcp/0', MESHKV_CLI_PATH: undefined }
  const bin = join(ROOT, 'bin', 'meshkv.js')
  const out: Partial<SurfaceFigures> = {}
  try {
    spawnSync(process.execPath, [bin, 'set', 'bench:key', 'value-of-32-bytes-0123456789abcd', '--ttl', '1h'], { env })
    out.cliGet = timeCommand(process.execPath, [bin, 'get', 'bench:key', '--format', 'value'], env, rounds)
    out.startup = await benchStartup(bin, env, rounds)
  } finally {
    spawnSync(process.execPath, [bin, 'daemon', 'stop'], { env })
    rmSync(dir, { recursive: true, force: true })
  }

  // HTTP against a node with one connected peer: PUT at replicas 0 (applied here) and 1 (REPRAM's
  // default: confirmed by the peer), interleaved so both see the same machine
  const mesh = await createMesh({ listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false })
  const peer = await createMesh({ listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, bootstrap: [mesh.multiaddrs[0]] })
  await mesh.waitForPeers(1, { timeout: 30_000 })
  const app = createHttpServer(mesh)
  await app.listen({ host: '127.0.0.1', port: 0 })
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`
  const put: number[] = []
  const put1: number[] = []
  const get: number[] = []
  try {
    for (let i = 0; i < rounds * 10 + 20; i++) {
      for (const [replicas, samples] of [[0, put], [1, put1]] as const) {
        const t = performance.now()
        const p = await fetch(`${base}/v1/data/k${i % 50}?ttl=3600&replicas=${replicas}`, { method: 'PUT', body: 'value-of-32-bytes-0123456789abcd' })
        await p.arrayBuffer()
        if (p.status !== 201) throw new Error(`PUT with replicas ${replicas} answered ${p.status}`)
        if (i >= 20) samples.push(performance.now() - t)
      }
      const t = performance.now()
      const g = await fetch(`${base}/v1/data/k${i % 50}`)
      await g.arrayBuffer()
      if (i >= 20) get.push(performance.now() - t)
    }
  } finally {
    await app.close()
    await Promise.all([mesh.close(), peer.close()])
  }
  out.httpPut = summary(put)
  out.httpPutReplicas1 = summary(put1)
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
