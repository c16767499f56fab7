/**
 * The HTTP API under hostile input: 20,000+ seeded random requests over raw sockets — methods,
 * paths, percent-encodings, query strings, headers, JSON and binary bodies up to 20 MiB, chunked
 * and malformed framing — end with no response >= 500 and the node healthy. Prints the counts.
 * Replay a run with FUZZ_SEED=<seed>.
 */
import net from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { createMesh, type Mesh } from '../../../src/index.js'
import { createHttpServer } from '../../../src/surfaces/http/server.js'

const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31))
const REQUESTS = 20_000
const CONCURRENCY = 24
/** A request unanswered this long is a stream or a wait (or a body the server still expects): closed. */
const DEADLINE_MS = 250
/** The whole run's budget (a loaded machine is slow; the count must still be reached). */
const BUDGET_MS = 300_000

/** mulberry32: a small seeded PRNG. */
function prng (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6D2B79F5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const rand = prng(SEED)
const int = (n: number): number => Math.floor(rand() * n)
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]
const chance = (p: number): boolean => rand() < p
const bytes = (n: number): Buffer => { const b = Buffer.alloc(n); for (let i = 0; i < n; i++) b[i] = int(256); return b }

const NAMES = ['k', 'a/b', 'deploy', '@meshkv/lease/x/y/z/q', '@election/g', '..', '%2e%2e', 'ü', '%E0%A4%A', '%ZZ', '%00', 'x'.repeat(3000), '', '%2F', 'a%20b', '🦀']
const ROUTES = [
  '/v1/data/{k}', '/v1/data/{k}', '/v1/data/{k}', '/v1/keys', '/v1/wait/{k}', '/v1/watch', '/v1/locks/{k}', '/v1/locks/{k}/acquire',
  '/v1/locks/{k}/extend', '/v1/locks/{k}/release', '/v1/leaders/{k}', '/v1/leaders/{k}/elect', '/v1/leaders/{k}/resign', '/v1/heartbeat/{k}',
  '/v1/members', '/v1/peers', '/v1/drops/seal', '/v1/drops/open', '/v1/health', '/v1/status', '/v1/metrics', '/v1/shutdown', '/v1/', '/', '/v2/data/k',
  '/v1/data/', '/v1/locks//acquire', '//v1/keys', '/v1/data/{k}/../../keys', '*',
  '/v1/counters/{k}', '/v1/counters/{k}/inc', '/v1/counters/{k}/dec', '/v1/sets/{k}', '/v1/sets/{k}/add', '/v1/sets/{k}/remove', '/v1/sets/{k}/size', '/v1/sets/{k}/members/{k}',
  '/v1/queues/{k}/push', '/v1/queues/{k}/pop', '/v1/queues/{k}/ack', '/v1/queues/{k}/nack', '/v1/queues/{k}/size', '/v1/queues/{k}/peek', '/v1/logs/{k}', '/v1/logs/{k}/append'
]
const METHODS = ['GET', 'GET', 'PUT', 'PUT', 'POST', 'POST', 'DELETE', 'HEAD', 'OPTIONS', 'PATCH', 'TRACE', 'get', 'FOO', 'CONNECT']
const PARAMS = ['ttl', 'if_absent', 'if_value', 'mode', 'prefix', 'limit', 'cursor', 'timeout', 'replicas', 'since', 'x', 'ttl[]', '__proto__', 'constructor']
const VALUES = ['1', '60', 'inf', '0', '-1', '0x10', '1e3', '%205', '+5', '5.0', '', 'true', 'abc', '99999999999999999999', '2147483648', '%00', '%E0', 'a'.repeat(500), '[]', '{}']
const CONTENT_TYPES = ['application/json', 'application/octet-stream', 'text/plain', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded', ';;;', 'application/json; charset=utf-16', '']
const FIELDS = ['ttl', 'owner', 'wait', 'id', 'once', 'interval', 'data', 'burn_after_read', 'to', 'token', 'private_key', 'by', 'min', 'mode', 'members', 'bogus', '__proto__']
const JSON_VALUES: unknown[] = [1, 0, -1, 1.5, 2 ** 31, 50, 'inf', 'x', '', null, true, false, [], {}, { a: 1 }, 'mkd1.' + 'A'.repeat(43), 1e308]

function key (): string {
  return chance(0.5) ? pick(NAMES) : encodeURIComponent(bytes(int(12)).toString('latin1'))
}

/** Routes as their clients call them: method, path, the query parameters and body fields each takes. */
const PLAUSIBLE: ReadonlyArray<{ method: string, path: string, query: string[], fields: string[] }> = [
  { method: 'PUT', path: '/v1/data/{k}', query: ['ttl', 'if_absent', 'if_value', 'mode', 'replicas'], fields: [] },
  { method: 'GET', path: '/v1/data/{k}', query: [], fields: [] },
  { method: 'HEAD', path: '/v1/data/{k}', query: [], fields: [] },
  { method: 'DELETE', path: '/v1/data/{k}', query: ['replicas', 'if_value', 'mode'], fields: [] },
  { method: 'GET', path: '/v1/counters/{k}', query: ['mode'], fields: [] },
  { method: 'POST', path: '/v1/counters/{k}/inc', query: [], fields: ['by', 'ttl', 'mode'] },
  { method: 'POST', path: '/v1/counters/{k}/dec', query: [], fields: ['by', 'min', 'ttl', 'mode'] },
  { method: 'GET', path: '/v1/sets/{k}', query: ['mode'], fields: [] },
  { method: 'GET', path: '/v1/sets/{k}/size', query: ['mode'], fields: [] },
  { method: 'GET', path: '/v1/sets/{k}/members/{k}', query: ['mode'], fields: [] },
  { method: 'POST', path: '/v1/sets/{k}/add', query: [], fields: ['members', 'ttl', 'mode'] },
  { method: 'POST', path: '/v1/sets/{k}/remove', query: [], fields: ['members', 'mode'] },
  { method: 'GET', path: '/v1/keys', query: ['prefix', 'limit', 'cursor'], fields: [] },
  { method: 'GET', path: '/v1/wait/{k}', query: ['timeout'], fields: [] },
  { method: 'GET', path: '/v1/members', query: ['prefix'], fields: [] },
  { method: 'GET', path: '/v1/locks/{k}', query: [], fields: [] },
  { method: 'POST', path: '/v1/locks/{k}/acquire', query: [], fields: ['ttl', 'owner', 'wait'] },
  { method: 'POST', path: '/v1/locks/{k}/extend', query: [], fields: ['ttl', 'owner'] },
  { method: 'POST', path: '/v1/locks/{k}/release', query: [], fields: ['owner'] },
  { method: 'GET', path: '/v1/leaders/{k}', query: [], fields: [] },
  { method: 'POST', path: '/v1/leaders/{k}/elect', query: [], fields: ['ttl', 'id', 'wait', 'once'] },
  { method: 'POST', path: '/v1/leaders/{k}/resign', query: [], fields: ['id'] },
  { method: 'POST', path: '/v1/heartbeat/{k}', query: [], fields: ['interval', 'ttl', 'data', 'once'] },
  { method: 'POST', path: '/v1/drops/seal', query: [], fields: ['data', 'ttl', 'burn_after_read', 'to'] },
  { method: 'POST', path: '/v1/drops/open', query: [], fields: ['token', 'private_key', 'wait'] },
  { method: 'POST', path: '/v1/queues/{k}/push', query: [], fields: ['data', 'ttl', 'mode'] },
  { method: 'POST', path: '/v1/queues/{k}/pop', query: [], fields: ['visibility_timeout', 'wait', 'max_deliveries', 'mode'] },
  { method: 'POST', path: '/v1/queues/{k}/ack', query: [], fields: ['receipt', 'mode'] },
  { method: 'POST', path: '/v1/queues/{k}/nack', query: [], fields: ['receipt', 'mode'] },
  { method: 'GET', path: '/v1/queues/{k}/size', query: ['mode'], fields: [] },
  { method: 'GET', path: '/v1/queues/{k}/peek', query: ['limit', 'mode'], fields: [] },
  { method: 'POST', path: '/v1/logs/{k}/append', query: [], fields: ['data', 'ttl', 'replicas'] },
  { method: 'GET', path: '/v1/logs/{k}', query: ['since', 'limit'], fields: [] },
  { method: 'DELETE', path: '/v1/logs/{k}', query: [], fields: [] }
]
const GOOD_VALUES: Record<string, () => string> = {
  ttl: () => pick(['1', '60', '3600', 'inf']),
  if_absent: () => pick(['1', 'true', '0']),
  replicas: () => pick(['0', '1', '2']),
  prefix: () => pick(['', 'a', 'k', '@', '%40meshkv%2F']),
  limit: () => String(1 + int(100)),
  cursor: () => pick(['k', 'a']),
  timeout: () => String(int(40)),
  if_value: () => pick(['v', 'x', '']),
  mode: () => pick(['gossip', 'gossip', 'quorum']),
  since: () => pick(['0000000000000000-x', 'ffffffffffff0000-x', 'nope'])
}
const GOOD_FIELDS: Record<string, () => unknown> = {
  ttl: () => 100 + int(60_000),
  owner: () => pick(['a', 'b', 'c']),
  id: () => pick(['a', 'b', 'c']),
  wait: () => int(40),
  once: () => chance(0.7),
  interval: () => 10 + int(100),
  data: () => bytes(int(64)).toString('base64'),
  burn_after_read: () => chance(0.5),
  to: () => bytes(32).toString('base64url'),
  token: () => 'mkd1.' + bytes(32).toString('base64url'),
  private_key: () => bytes(32).toString('base64url'),
  by: () => int(10) - 3,
  min: () => int(3),
  mode: () => pick(['gossip', 'gossip', 'quorum']),
  members: () => Array.from({ length: 1 + int(3) }, () => pick(['a', 'b', 'c/d', '%'])),
  visibility_timeout: () => 1 + int(60_000),
  max_deliveries: () => 1 + int(3),
  receipt: () => pick(['r1.' + bytes(24).toString('base64url'), 'r1.eyJnIjoxLCJpIjoieCIsImMiOiJ5In0', 'garbage']),
  replicas: () => int(2)
}

/** A request as a client would send it (now and then one thing wrong): the deeper paths get exercised. */
function plausible (): { method: string, path: string, body: Buffer, json: boolean } {
  const r = pick(PLAUSIBLE)
  let path = r.path.replace('{k}', chance(0.8) ? pick(['k', 'a', 'b/c', 'deploy']) : key())
  const q = r.query.filter(() => chance(0.5)).map(n => `${n}=${chance(0.9) ? GOOD_VALUES[n]() : pick(VALUES)}`)
  if (chance(0.05)) q.push(`${pick(PARAMS)}=${pick(VALUES)}`)
  if (q.length > 0) path += '?' + q.join('&')
  if (r.fields.length === 0) return { method: r.method, path, body: r.method === 'PUT' ? bytes(int(256)) : Buffer.alloc(0), json: false }
  const o: Record<string, unknown> = {}
  for (const f of r.fields) if (chance(0.6) || f === 'data') o[f] = chance(0.95) ? GOOD_FIELDS[f]() : pick(JSON_VALUES)
  return { method: r.method, path, body: Buffer.from(JSON.stringify(o)), json: true }
}

function path (): string {
  let p = pick(ROUTES).replace('{k}', key())
  if (chance(0.6)) {
    const q: string[] = []
    for (let i = int(4); i >= 0; i--) q.push(`${pick(PARAMS)}=${pick(VALUES)}`)
    if (chance(0.1)) q.push('&&=&')
    p += '?' + q.join('&')
  }
  return p
}

function jsonBody (): Buffer {
  if (chance(0.1)) return Buffer.from(pick(['[]', 'null', '"x"', '{', '{"a":', '{"ttl":1e999}', '\u0000', '{"owner":"\ud800"}']))
  const o: Record<string, unknown> = {}
  for (let i = int(4); i > 0; i--) o[pick(FIELDS)] = pick(JSON_VALUES)
  // small waits and intervals mostly, so waits end inside the deadline
  if (typeof o.wait === 'number' && chance(0.9)) o.wait = int(50)
  if (typeof o.interval === 'number' && chance(0.9)) o.interval = 10 + int(100)
  return Buffer.from(JSON.stringify(o))
}

function body (): Buffer {
  const r = rand()
  if (r < 0.3) return Buffer.alloc(0)
  if (r < 0.65) return jsonBody()
  if (r < 0.97) return bytes(int(2048))
  if (r < 0.995) return bytes(1024 * 1024 - 512 + int(1024 * 130)) // around the 1 MiB value limit
  return Buffer.alloc(2 * 1024 * 1024 + int(18 * 1024 * 1024), 0x61) // 2 to 20 MiB
}

/** One request's bytes: usually well-framed, sometimes chunked, sometimes malformed. */
function request (): { data: Buffer, kind: string } {
  const good = chance(0.5) ? plausible() : undefined
  const method = good?.method ?? pick(METHODS)
  const p = good?.path ?? path()
  const b = good?.body ?? body()
  const headers: string[] = ['Host: fuzz', 'Connection: close']
  const ct = good?.json === true ? 'application/json' : pick(CONTENT_TYPES)
  if (ct !== '' && b.length > 0) headers.push(`Content-Type: ${ct}`)
  if (chance(0.15)) headers.push(`X-TTL: ${pick(VALUES)}`)
  if (chance(0.05)) headers.push(`X-TTL: ${pick(VALUES)}`)
  if (chance(0.1)) headers.push(`X-Replicas: ${pick(VALUES)}`)
  if (chance(0.05)) headers.push('Content-Encoding: gzip')
  if (chance(0.05)) headers.push('Expect: 100-continue')
  if (chance(0.05)) headers.push(`X-Meshkv-Surface: ${pick(['cli', 'mcp', 'x'])}`)
  if (chance(0.05)) headers.push(`Authorization: Bearer ${pick(['', 'x', 'a'.repeat(300)])}`)
  const r = rand()
  let kind = 'framed'
  let framing: string[]
  let payload: Buffer = b
  if (r < 0.75) {
    framing = b.length > 0 || method === 'PUT' || method === 'POST' ? [`Content-Length: ${b.length}`] : []
  } else if (r < 0.85) {
    kind = 'chunked'
    framing = ['Transfer-Encoding: chunked']
    const parts: Buffer[] = []
    for (let at = 0; at < b.length;) {
      const n = Math.min(b.length - at, 1 + int(64 * 1024))
      parts.push(Buffer.from(n.toString(16) + (chance(0.05) ? ';ext=1' : '') + '\r\n'), b.subarray(at, at + n), Buffer.from('\r\n'))
      at += n
    }
    parts.push(Buffer.from('0\r\n\r\n'))
    payload = Buffer.concat(parts)
  } else {
    kind = 'malformed'
    const bad = int(12)
    framing = []
    switch (bad) {
      case 0: framing = [`Content-Length: ${b.length + 1 + int(100)}`]; break // shorter than declared
      case 1: framing = [`Content-Length: ${Math.max(0, b.length - 1 - int(10))}`]; break // longer: the rest is garbage
      case 2: framing = [`Content-Length: ${b.length}`, 'Transfer-Encoding: chunked']; break
      case 3: framing = ['Transfer-Encoding: chunked']; payload = Buffer.concat([Buffer.from('zz\r\n'), b, Buffer.from('\r\n0\r\n\r\n')]); break
      case 4: framing = ['Transfer-Encoding: chunked']; payload = Buffer.concat([Buffer.from('ffffffffffffff\r\n'), b]); break
      case 5: framing = [`Content-Length: -${b.length}`]; break
      case 6: framing = [`Content-Length: ${b.length}`, `Content-Length: ${b.length + 1}`]; break
      case 7: headers.push('X-Bad: a\u0000b'); framing = [`Content-Length: ${b.length}`]; break
      case 8: headers.push(`X-Huge: ${'h'.repeat(20_000)}`); break
      case 9: headers.push(' folded: line'); framing = [`Content-Length: ${b.length}`]; break
      case 10: framing = ['Transfer-Encoding: gzip, chunked']; break
      default: return { data: Buffer.concat([bytes(1 + int(200)), Buffer.from('\r\n\r\n')]), kind: 'garbage' }
    }
  }
  const lineEnd = kind === 'malformed' && chance(0.2) ? '\n' : '\r\n'
  const version = chance(0.03) ? pick(['HTTP/1.0', 'HTTP/2.0', 'HTTP/9.9', '']) : 'HTTP/1.1'
  const head = `${method} ${p} ${version}${lineEnd}${[...headers, ...framing].join(lineEnd)}${lineEnd}${lineEnd}`
  return { data: Buffer.concat([Buffer.from(head, 'latin1'), payload]), kind }
}

/** The status codes of the responses in `data`, in order, as far as their framing can be followed. */
function statuses (data: Buffer): number[] {
  const out: number[] = []
  let at = 0
  while (at < data.length) {
    const end = data.indexOf('\r\n\r\n', at)
    if (end < 0) break
    const head = data.subarray(at, end).toString('latin1')
    const m = /^HTTP\/1\.[01] (\d{3})/.exec(head)
    if (m === null) break
    out.push(Number(m[1]))
    if (Number(m[1]) < 200) { at = end + 4; continue } // 100 Continue: the answer follows
    const length = /\r\ncontent-length: *(\d+)/i.exec(head)
    if (length !== null) { at = end + 4 + Number(length[1]); continue }
    break // chunked or close-delimited: the first response is what we asked for
  }
  return out
}

interface Outcome { statuses: number[], kind: string, unanswered: boolean }

async function send (port: number, req: { data: Buffer, kind: string }): Promise<Outcome> {
  return new Promise(resolve => {
    const socket = net.connect(port, '127.0.0.1')
    const chunks: Buffer[] = []
    let done = false
    const finish = (): void => {
      if (done) return
      done = true
      clearTimeout(timer)
      socket.destroy()
      const s = statuses(Buffer.concat(chunks))
      resolve({ statuses: s, kind: req.kind, unanswered: s.length === 0 })
    }
    const timer = setTimeout(finish, DEADLINE_MS)
    socket.on('data', c => { chunks.push(c) })
    socket.on('error', finish) // the server may close while a large body is still being written
    socket.on('close', finish)
    // not end(): a half-closed connection reads to the server as a client that left
    socket.on('connect', () => { socket.write(req.data) })
  })
}

let mesh: Mesh
let app: FastifyInstance
let port: number

beforeAll(async () => {
  mesh = await createMesh({ listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false })
  app = createHttpServer(mesh, { allowShutdown: false })
  await app.listen({ host: '127.0.0.1', port: 0 })
  port = (app.server.address() as { port: number }).port
})
afterAll(async () => { await app.close(); await mesh.close() })

describe('HTTP fuzz', () => {
  it(`${REQUESTS} random requests: no response >= 500, the node stays healthy (seed ${SEED})`, async () => {
    const counts: Record<string, number> = {}
    const serverErrors: string[] = []
    let sent = 0
    const started = Date.now()
    const worker = async (): Promise<void> => {
      while (sent < REQUESTS && Date.now() - started < BUDGET_MS) {
        sent++
        const req = request()
        const o = await send(port, req)
        const final = o.statuses.find(s => s >= 200) ?? o.statuses[0]
        const bucket = o.unanswered ? 'unanswered' : `${Math.floor(final / 100)}xx`
        counts[bucket] = (counts[bucket] ?? 0) + 1
        counts[req.kind] = (counts[req.kind] ?? 0) + 1
        for (const s of o.statuses) {
          if (s >= 500 && serverErrors.length < 20) serverErrors.push(`${s} for ${req.data.subarray(0, 200).toString('latin1').split('\r\n')[0]}`)
        }
      }
    }
    await Promise.all(Array.from({ length: CONCURRENCY }, worker))
    const took = Date.now() - started
    console.log(`HTTP fuzz (seed ${SEED}): ${sent} requests in ${took} ms:`, JSON.stringify(counts))
    expect(serverErrors, `seed ${SEED}`).toEqual([])
    expect(sent, `seed ${SEED}: the budget ran out`).toBe(REQUESTS)
    // healthy: it answers, stores and reads
    expect((await fetch(`http://127.0.0.1:${port}/v1/health`)).status).toBe(200)
    expect((await fetch(`http://127.0.0.1:${port}/v1/data/after-fuzz?ttl=60`, { method: 'PUT', body: 'ok' })).status).toBe(201)
    expect(await (await fetch(`http://127.0.0.1:${port}/v1/data/after-fuzz`)).text()).toBe('ok')
  }, 360_000)
})
