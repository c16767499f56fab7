/**
 * HTTP gateway throughput (issue 15): PUT /v1/data ?replicas=0 with 32 requests in flight over
 * keep-alive connections, and GET latency one at a time, against a meshkv HTTP server in a child
 * process; baseline: a bare fastify server in a child process whose PUT route stores the body in a
 * Map (what any gateway pays for HTTP alone). `npx tsx bench/http.ts [puts]` runs it alone.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { Agent, request } from 'node:http'
import { connect, type Socket } from 'node:net'
import { fileURLToPath } from 'node:url'
import Fastify from 'fastify'
import { createMesh } from '../src/index.js'
import { createHttpServer } from '../src/surfaces/http/server.js'
import { summary } from './stats.js'

const VALUE = 'value-of-32-bytes-0123456789abcd'
const KEYS = 10_000

/** The server side, in its own process: prints its port, serves until killed. */
async function serve (kind: string): Promise<void> {
  process.on('SIGINT', () => { process.exit(0) }) // exits cleanly, so --cpu-prof writes its profile
  // the parent asks for the CPU time used so far (µs): a load-independent measure of work per request
  process.on('message', () => { const u = process.cpuUsage(); process.send?.(u.user + u.system) })
  if (kind === 'bare') {
    const app = Fastify({ logger: false })
    const map = new Map<string, Buffer>()
    app.removeAllContentTypeParsers()
    app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => { done(null, body) })
    app.put('/v1/data/*', async (req, reply) => {
      map.set(req.url, req.body as Buffer)
      void reply.code(201)
      return { key: req.url, confirmed: true }
    })
    app.get('/v1/data/*', async (req) => map.get(req.url.split('?')[0].replace('/v1/data/', '')) ?? map.get(req.url) ?? Buffer.alloc(0))
    await app.listen({ host: '127.0.0.1', port: 0 })
    console.log((app.server.address() as { port: number }).port)
    return
  }
  const mesh = await createMesh({ listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false })
  const app = createHttpServer(mesh, { catchUpMs: 0 })
  await app.listen({ host: '127.0.0.1', port: 0 })
  console.log((app.server.address() as { port: number }).port)
}

/** The CPU time (µs) the server child has used so far. */
async function cpuOf (child: ChildProcess): Promise<number> {
  const reply = new Promise<number>(resolve => { child.once('message', m => { resolve(m as number) }) })
  child.send('cpu')
  return reply
}

async function start (kind: string): Promise<{ child: ChildProcess, port: number }> {
  const child = spawn(process.execPath, [...(process.env.MESHKV_BENCH_SERVER_ARGS?.split(' ') ?? []), '--import', 'tsx', fileURLToPath(import.meta.url), 'serve', kind], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] })
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout?.once('data', (d: Buffer) => { resolve(Number(d.toString().trim())) })
    child.once('exit', code => { reject(new Error(`the ${kind} server exited (${code})`)) })
  })
  return { child, port }
}

function call (agent: Agent, port: number, method: string, path: string, body?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, agent, headers: body !== undefined ? { 'content-type': 'application/octet-stream', 'content-length': Buffer.byteLength(body) } : {} }, res => {
      res.resume()
      res.on('end', () => { resolve(res.statusCode ?? 0) })
    })
    req.on('error', reject)
    req.end(body)
  })
}

/**
 * `count` requests made by `make(i)` over `conns` raw keep-alive connections, one in flight on
 * each; resolves with the statuses seen. A lean client (no HTTP library), so that the server is
 * what is measured.
 */
async function raw (port: number, conns: number, count: number, make: (i: number) => Buffer): Promise<Map<number, number>> {
  const statuses = new Map<number, number>()
  let next = 0
  const one = async (): Promise<void> => {
    const socket: Socket = connect(port, '127.0.0.1')
    socket.setNoDelay(true)
    await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject) })
    let pending: Buffer = Buffer.alloc(0)
    await new Promise<void>((resolve, reject) => {
      const send = (): void => {
        if (next >= count) { socket.end(); resolve(); return }
        socket.write(make(next++))
      }
      socket.on('error', reject)
      socket.on('data', (d: Buffer) => {
        pending = pending.length === 0 ? d : Buffer.concat([pending, d])
        for (;;) {
          const end = pending.indexOf('\r\n\r\n')
          if (end < 0) return
          const head = pending.subarray(0, end).toString('latin1')
          const length = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? 0)
          if (pending.length < end + 4 + length) return
          const status = Number(head.slice(9, 12))
          statuses.set(status, (statuses.get(status) ?? 0) + 1)
          pending = pending.subarray(end + 4 + length)
          send()
        }
      })
      send()
    })
  }
  await Promise.all(Array.from({ length: conns }, one))
  return statuses
}

const putRequest = (i: number): Buffer => Buffer.from(`PUT /v1/data/k${i % KEYS}?ttl=3600&replicas=0 HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/octet-stream\r\ncontent-length: ${VALUE.length}\r\n\r\n${VALUE}`)

export interface HttpFigures {
  putsPerSec: number
  /** The server's CPU time per PUT: what bounds its rate on an idle core (1e6 / this), whatever the load */
  serverCpuUsPerPut: number
  get: ReturnType<typeof summary>
}

/** `puts` PUTs, `inFlight` at a time, then `gets` GETs one at a time, against a server of `kind`. */
async function measure (kind: string, puts: number, inFlight: number, gets: number): Promise<HttpFigures> {
  const { child, port } = await start(kind)
  const agent = new Agent({ keepAlive: true, maxSockets: inFlight })
  try {
    await raw(port, inFlight, Math.min(puts, 10_000), putRequest) // warm-up
    const cpu = await cpuOf(child)
    const t = performance.now()
    const statuses = await raw(port, inFlight, puts, putRequest)
    const putsPerSec = puts / ((performance.now() - t) / 1000)
    const serverCpuUsPerPut = (await cpuOf(child) - cpu) / puts
    if (statuses.get(201) !== puts) throw new Error(`PUTs answered ${JSON.stringify([...statuses])}`)
    const samples: number[] = []
    for (let i = 0; i < gets + 100; i++) {
      const t0 = performance.now()
      const status = await call(agent, port, 'GET', `/v1/data/k${i % KEYS}`)
      if (status !== 200) throw new Error(`GET answered ${status}`)
      if (i >= 100) samples.push(performance.now() - t0)
    }
    return { putsPerSec, serverCpuUsPerPut, get: summary(samples) }
  } finally {
    agent.destroy()
    child.kill('SIGINT')
  }
}

/** meshkv's HTTP server beside a bare fastify one, measured alternately. */
export async function benchHttp (puts: number, gets: number): Promise<{ meshkv: HttpFigures, bare: HttpFigures }> {
  const bare = await measure('bare', puts, 32, gets)
  const meshkv = await measure('meshkv', puts, 32, gets)
  return { meshkv, bare }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv[2] === 'serve') {
    await serve(process.argv[3])
  } else {
    console.log(JSON.stringify(await benchHttp(Number(process.argv[2] ?? 50_000), Number(process.argv[3] ?? 2_000))))
    process.exit(0)
  }
}
