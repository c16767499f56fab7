/**
 * The HTTP gateway (issue 15), a meshkv HTTP server beside a bare fastify server, each in its own
 * child process. PUT throughput: PUT /v1/data ?replicas=0 with 32 requests in flight over
 * keep-alive connections, measured on each server alone. GET latency: GETs one at a time over one
 * keep-alive connection per server, alternating between the two servers (so a change in the
 * machine's load hits both alike), from a lean raw-socket client (requests built beforehand,
 * responses framed by Content-Length; no HTTP library, so the client's own parsing, allocations
 * and garbage collection stay out of the sample); then the same through node:http's client (what
 * the figure was before: its own work, not the server's, was most of the p99). The baseline's PUT
 * route stores the body in a Map, its GET route answers it (what any gateway pays for HTTP alone).
 * `npx tsx bench/http.ts [puts] [gets]` runs it alone.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { Agent, request } from 'node:http'
import { connect, type Socket } from 'node:net'
import { PerformanceObserver } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import Fastify from 'fastify'
import { createMesh } from '../src/index.js'
import { createHttpServer } from '../src/surfaces/http/server.js'
import { summary } from './stats.js'

const VALUE = 'value-of-32-bytes-0123456789abcd'
const KEYS = 10_000

/** What a server child reports when asked: its CPU time (µs) and garbage-collection pauses (ms) so far. */
interface Usage { cpuUs: number, userUs: number, gcCount: number, gcMs: number, gcMaxMs: number }

/** The server side, in its own process: prints its port, serves until killed. */
async function serve (kind: string): Promise<void> {
  process.on('SIGINT', () => { process.exit(0) }) // exits cleanly, so --cpu-prof writes its profile
  const usage: Usage = { cpuUs: 0, userUs: 0, gcCount: 0, gcMs: 0, gcMaxMs: 0 }
  new PerformanceObserver(list => {
    for (const e of list.getEntries()) { usage.gcCount++; usage.gcMs += e.duration; usage.gcMaxMs = Math.max(usage.gcMaxMs, e.duration) }
  }).observe({ entryTypes: ['gc'] })
  // the parent asks for the usage so far: CPU time is a load-independent measure of work per request
  process.on('message', () => {
    const u = process.cpuUsage()
    process.send?.({ ...usage, cpuUs: u.user + u.system, userUs: u.user })
    usage.gcMaxMs = 0
  })
  if (kind === 'bare') {
    const app = Fastify({ logger: false })
    const map = new Map<string, Buffer>()
    const keyOf = (url: string): string => url.slice('/v1/data/'.length).split('?')[0]
    app.removeAllContentTypeParsers()
    app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => { done(null, body) })
    app.put('/v1/data/*', async (req, reply) => {
      map.set(keyOf(req.url), req.body as Buffer)
      void reply.code(201)
      return { key: req.url, confirmed: true }
    })
    app.get('/v1/data/*', async (req) => map.get(keyOf(req.url)) ?? Buffer.alloc(0))
    await app.listen({ host: '127.0.0.1', port: 0 })
    console.log((app.server.address() as { port: number }).port)
    return
  }
  const mesh = await createMesh({ listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false })
  const app = createHttpServer(mesh, { catchUpMs: 0 })
  await app.listen({ host: '127.0.0.1', port: 0 })
  console.log((app.server.address() as { port: number }).port)
}

async function usageOf (child: ChildProcess): Promise<Usage> {
  const reply = new Promise<Usage>(resolve => { child.once('message', m => { resolve(m as Usage) }) })
  child.send('usage')
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

/** The end of the response that starts `buf` (headers, then Content-Length bytes), or -1 if it is not all there. */
function responseEnd (buf: Buffer): number {
  const end = buf.indexOf('\r\n\r\n')
  if (end < 0) return -1
  const at = buf.lastIndexOf('content-length:', end, 'latin1')
  let length = 0
  if (at >= 0) {
    for (let i = at + 'content-length:'.length; i < end; i++) {
      const c = buf[i]
      if (c >= 48 && c <= 57) length = length * 10 + c - 48
      else if (c !== 32) break
    }
  }
  return buf.length < end + 4 + length ? -1 : end + 4 + length
}

/** The status code of the response that starts `buf` (`HTTP/1.1 200 …`). */
const statusOf = (buf: Buffer): number => (buf[9] - 48) * 100 + (buf[10] - 48) * 10 + buf[11] - 48

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
        for (let end = responseEnd(pending); end >= 0; end = responseEnd(pending)) {
          const status = statusOf(pending)
          statuses.set(status, (statuses.get(status) ?? 0) + 1)
          pending = pending.subarray(end)
          send()
        }
      })
      send()
    })
  }
  await Promise.all(Array.from({ length: conns }, one))
  return statuses
}

/** One raw keep-alive connection on which `time(request)` sends one request and resolves with its round trip (ms). */
async function timer (port: number): Promise<{ time: (request: Buffer) => Promise<number>, close: () => void }> {
  const socket: Socket = connect(port, '127.0.0.1')
  socket.setNoDelay(true)
  await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject) })
  let pending: Buffer = Buffer.alloc(0)
  let sentAt = 0
  let answer: ((ms: number) => void) | undefined
  let fail: ((err: Error) => void) | undefined
  socket.on('error', err => { fail?.(err) })
  socket.on('data', (d: Buffer) => {
    pending = pending.length === 0 ? d : Buffer.concat([pending, d])
    const end = responseEnd(pending)
    if (end < 0) return
    const ms = performance.now() - sentAt // read before anything else runs
    const status = statusOf(pending)
    pending = pending.subarray(end)
    if (status !== 200) fail?.(new Error(`GET answered ${status}`))
    else answer?.(ms)
  })
  return {
    time: async request => new Promise<number>((resolve, reject) => {
      answer = resolve
      fail = reject
      sentAt = performance.now()
      socket.write(request)
    }),
    close: () => { socket.destroy() }
  }
}

/** A GET through node:http's client (keep-alive), timed until its response has ended. */
async function nodeGet (agent: Agent, port: number, path: string): Promise<number> {
  const t0 = performance.now()
  const status = await new Promise<number>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'GET', path, agent }, res => {
      res.resume()
      res.on('end', () => { resolve(res.statusCode ?? 0) })
    })
    req.on('error', reject)
    req.end()
  })
  if (status !== 200) throw new Error(`GET answered ${status}`)
  return performance.now() - t0
}

const putRequest = (i: number): Buffer => Buffer.from(`PUT /v1/data/k${i % KEYS}?ttl=3600&replicas=0 HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/octet-stream\r\ncontent-length: ${VALUE.length}\r\n\r\n${VALUE}`)
const getRequest = (i: number): Buffer => Buffer.from(`GET /v1/data/k${i % KEYS} HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n`)

export interface HttpFigures {
  putsPerSec: number
  /** The server's CPU time per PUT: what bounds its rate on an idle core (1e6 / this), whatever the load */
  serverCpuUsPerPut: number
  /** GETs one at a time from the lean client (ms) */
  get: ReturnType<typeof summary>
  /** The server's CPU time per GET in that phase (µs; its kernel time for the socket included) */
  serverCpuUsPerGet: number
  /** Of which user time (µs): its JavaScript (fastify, node:http, meshkv) and GC, without the system calls */
  serverUserUsPerGet: number
  /** The server's garbage collection during that phase: pauses, their total and longest (ms) */
  serverGc: { count: number, ms: number, maxMs: number }
  /** The same GETs through node:http's client (ms) */
  nodeClientGet: ReturnType<typeof summary>
}

/** `puts` PUTs, 32 in flight, then PUT/s and the server's CPU per PUT. */
async function measurePuts (child: ChildProcess, port: number, puts: number): Promise<{ putsPerSec: number, serverCpuUsPerPut: number }> {
  await raw(port, 32, Math.min(puts, 10_000), putRequest) // warm-up (and every key written)
  const before = await usageOf(child)
  const t = performance.now()
  const statuses = await raw(port, 32, puts, putRequest)
  const putsPerSec = puts / ((performance.now() - t) / 1000)
  const serverCpuUsPerPut = ((await usageOf(child)).cpuUs - before.cpuUs) / puts
  if (statuses.get(201) !== puts) throw new Error(`PUTs answered ${JSON.stringify([...statuses])}`)
  return { putsPerSec, serverCpuUsPerPut }
}

type Server = Awaited<ReturnType<typeof start>>

/** `gets` GETs one at a time to each server, alternating, after 1,000 to each as warm-up; then `nodeGets` through node:http. */
async function measureGets (servers: Server[], gets: number, nodeGets: number): Promise<Array<Omit<HttpFigures, 'putsPerSec' | 'serverCpuUsPerPut'>>> {
  const requests = Array.from({ length: gets }, (_, i) => getRequest(i))
  const timers = await Promise.all(servers.map(async s => timer(s.port)))
  try {
    for (let i = 0; i < 1_000; i++) for (const t of timers) await t.time(requests[i % gets])
    const before = await Promise.all(servers.map(async s => usageOf(s.child)))
    const samples: number[][] = servers.map(() => [])
    for (let i = 0; i < gets; i++) for (let s = 0; s < timers.length; s++) samples[s].push(await timers[s].time(requests[i]))
    const after = await Promise.all(servers.map(async s => usageOf(s.child)))
    const agents = servers.map(() => new Agent({ keepAlive: true, maxSockets: 1 }))
    const nodeSamples: number[][] = servers.map(() => [])
    try {
      for (let i = 0; i < nodeGets + 100; i++) {
        for (let s = 0; s < servers.length; s++) {
          const ms = await nodeGet(agents[s], servers[s].port, `/v1/data/k${i % KEYS}`)
          if (i >= 100) nodeSamples[s].push(ms)
        }
      }
    } finally {
      for (const a of agents) a.destroy()
    }
    return servers.map((_, s) => ({
      get: summary(samples[s]),
      serverCpuUsPerGet: (after[s].cpuUs - before[s].cpuUs) / gets,
      serverUserUsPerGet: (after[s].userUs - before[s].userUs) / gets,
      serverGc: { count: after[s].gcCount - before[s].gcCount, ms: after[s].gcMs - before[s].gcMs, maxMs: after[s].gcMaxMs },
      nodeClientGet: summary(nodeSamples[s])
    }))
  } finally {
    for (const t of timers) t.close()
  }
}

/** meshkv's HTTP server beside a bare fastify one: PUTs on each alone, then GETs alternating between them. */
export async function benchHttp (puts: number, gets: number): Promise<{ meshkv: HttpFigures, bare: HttpFigures }> {
  const bare = await start('bare')
  const meshkv = await start('meshkv')
  try {
    const barePuts = await measurePuts(bare.child, bare.port, puts)
    const meshkvPuts = await measurePuts(meshkv.child, meshkv.port, puts)
    const [bareGets, meshkvGets] = await measureGets([bare, meshkv], gets, Math.min(gets, 2_000))
    return { meshkv: { ...meshkvPuts, ...meshkvGets }, bare: { ...barePuts, ...bareGets } }
  } finally {
    bare.child.kill('SIGINT')
    meshkv.child.kill('SIGINT')
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv[2] === 'serve') {
    await serve(process.argv[3])
  } else {
    console.log(JSON.stringify(await benchHttp(Number(process.argv[2] ?? 50_000), Number(process.argv[3] ?? 10_000)), null, 1))
    process.exit(0)
  }
}
