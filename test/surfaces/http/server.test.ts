import http from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { createMesh, STATS_FIELDS, type Mesh } from '../../../src/index.js'
import { createHttpServer } from '../../../src/surfaces/http/server.js'

let mesh: Mesh
let app: FastifyInstance
let base: string

beforeAll(async () => {
  mesh = await createMesh({ listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, maxValueBytes: 1024 })
  app = createHttpServer(mesh)
  await app.listen({ host: '127.0.0.1', port: 0 })
  base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`
})
afterAll(async () => { await app.close(); await mesh.close() })

describe('REPRAM-compatible endpoints (as a REPRAM client calls them)', () => {
  it('PUT stores with X-TTL (201); GET returns the raw bytes and the TTL headers', async () => {
    const put = await fetch(`${base}/v1/data/${encodeURIComponent('agent/drop 1')}`, { method: 'PUT', headers: { 'X-TTL': '60', 'Content-Type': 'application/octet-stream' }, body: 'payload \u00e9' })
    expect(put.status).toBe(201)
    const get = await fetch(`${base}/v1/data/${encodeURIComponent('agent/drop 1')}`)
    expect(get.status).toBe(200)
    expect(await get.text()).toBe('payload \u00e9')
    expect(get.headers.get('Content-Type')).toBe('application/octet-stream')
    expect(get.headers.get('Content-Length')).toBe(String(Buffer.byteLength('payload \u00e9')))
    const entry = mesh.get('agent/drop 1')
    expect(get.headers.get('X-HLC')).toBe(entry?.hlc)
    expect(get.headers.get('X-Origin')).toBe(mesh.peerId)
    expect(get.headers.get('X-Created-At')).toBe(new Date(entry?.wall ?? 0).toISOString())
    expect(Number(get.headers.get('X-Original-TTL'))).toBe(60)
    const remaining = Number(get.headers.get('X-Remaining-TTL'))
    expect(remaining).toBeGreaterThan(55)
    expect(remaining).toBeLessThanOrEqual(60)
  })

  it('takes the TTL from ?ttl= too, and overwrites silently, refreshing it', async () => {
    expect((await fetch(`${base}/v1/data/q`, { method: 'PUT', body: 'a' })).status).toBe(201)
    expect((await fetch(`${base}/v1/data/q?ttl=30`, { method: 'PUT', body: 'b' })).status).toBe(201)
    const get = await fetch(`${base}/v1/data/q`)
    expect(await get.text()).toBe('b')
    expect(get.headers.get('X-Original-TTL')).toBe('30')
  })

  it('HEAD answers 200 with headers and no body; 404 when absent; GET 404 is JSON', async () => {
    const head = await fetch(`${base}/v1/data/q`, { method: 'HEAD' })
    expect(head.status).toBe(200)
    expect(head.headers.get('X-Remaining-TTL')).not.toBeNull()
    // the GET's length and type, as RFC 9110 asks of HEAD (a client sizes its download from it)
    expect(head.headers.get('Content-Length')).toBe('1')
    expect(head.headers.get('Content-Type')).toBe('application/octet-stream')
    expect(await head.text()).toBe('')
    expect((await fetch(`${base}/v1/data/absent`, { method: 'HEAD' })).status).toBe(404)
    const miss = await fetch(`${base}/v1/data/absent`)
    expect(miss.status).toBe(404)
    expect(await miss.json()).toMatchObject({ name: 'NotFoundError', exitCode: 1 })
  })

  it('lists keys by prefix with a cursor', async () => {
    for (const k of ['list/a', 'list/b', 'list/c']) await fetch(`${base}/v1/data/${encodeURIComponent(k)}?ttl=60`, { method: 'PUT', body: k })
    const all = await (await fetch(`${base}/v1/keys?prefix=list/`)).json() as { keys: string[] }
    expect(all.keys).toEqual(['list/a', 'list/b', 'list/c'])
    const p1 = await (await fetch(`${base}/v1/keys?prefix=list/&limit=2`)).json() as { keys: string[], next_cursor: string }
    expect(p1.keys).toEqual(['list/a', 'list/b'])
    const p2 = await (await fetch(`${base}/v1/keys?prefix=list/&limit=2&cursor=${p1.next_cursor}`)).json() as { keys: string[], next_cursor?: string }
    expect(p2).toEqual({ keys: ['list/c'] })
  })

  it('health, status and Prometheus metrics', async () => {
    expect(await (await fetch(`${base}/v1/health`)).json()).toMatchObject({ status: 'ok', peer_id: mesh.peerId })
    expect(await (await fetch(`${base}/v1/status`)).json()).toMatchObject({ mesh: 'default', peer_id: mesh.peerId })
    const metrics = await fetch(`${base}/v1/metrics`)
    expect(metrics.headers.get('content-type')).toContain('text/plain')
    const text = await metrics.text()
    expect(text).toMatch(/^meshkv_entries \d+$/m)
    expect(text).toMatch(/^meshkv_rejected_total\{reason="malformed"\} 0$/m)
    // every number of stats() is exported, under the name STATS_FIELDS gives it
    for (const { metric } of Object.values(STATS_FIELDS)) expect(text).toMatch(new RegExp(`^${metric} \\d+$`, 'm'))
  })
})

describe('client mistakes are 4xx with a JSON reason, never 500', () => {
  it.each([
    ['PUT', '/v1/data/k?ttl=abc', 400, 'UsageError', 'x'],
    ['PUT', '/v1/data/k?ttl=0', 400, 'UsageError', 'x'],
    ['PUT', '/v1/data/k?ttl=999999999', 400, 'InvalidTtlError', 'x'],
    ['PUT', `/v1/data/${'k'.repeat(2000)}`, 400, 'InvalidKeyError', 'x'],
    ['PUT', '/v1/data/%E0%A4%A', 400, 'UsageError', 'x'],
    ['PUT', '/v1/data/big', 413, 'ValueTooLargeError', 'x'.repeat(70_000)],
    ['PUT', '/v1/data/@meshkv/lease/deploy/ffffffffffff0000-evil/mallory/q', 403, 'ReservedKeyError', ''],
    ['PUT', `/v1/data/${encodeURIComponent('@meshkv/drop/x')}?if_absent=1`, 403, 'ReservedKeyError', 'x'],
    ['DELETE', '/v1/data/@meshkv/lease/deploy/ffffffffffff0000-evil/mallory/q', 403, 'ReservedKeyError', undefined],
    ['POST', '/v1/locks/l/acquire', 400, 'UsageError', 'not json'],
    ['POST', '/v1/locks/l/acquire', 400, 'UsageError', '{"ttl":"soon"}'],
    ['GET', '/v1/keys?limit=-1', 400, 'UsageError', undefined],
    ['GET', '/v1/nope', 404, 'NotFoundError', undefined]
  ])('%s %s → %i %s', async (method, path, status, name, body) => {
    const r = await fetch(`${base}${path as string}`, { method: method as string, body: body as string | undefined })
    expect(r.status).toBe(status)
    expect(await r.json()).toMatchObject({ name })
  })
})

describe('extensions', () => {
  it('DELETE answers 204, then 404', async () => {
    await fetch(`${base}/v1/data/gone?ttl=60`, { method: 'PUT', body: 'x' })
    expect((await fetch(`${base}/v1/data/gone`, { method: 'DELETE' })).status).toBe(204)
    expect((await fetch(`${base}/v1/data/gone`, { method: 'DELETE' })).status).toBe(404)
    expect((await fetch(`${base}/v1/data/gone`)).status).toBe(404)
  })

  it('if_absent refuses an existing key with 409', async () => {
    expect((await fetch(`${base}/v1/data/once?if_absent=1&ttl=60`, { method: 'PUT', body: '1' })).status).toBe(201)
    expect((await fetch(`${base}/v1/data/once?if_absent=1&ttl=60`, { method: 'PUT', body: '2' })).status).toBe(409)
  })

  it('locks: acquire, 409 for another owner, 409 for release by a non-holder, status, release', async () => {
    const post = async (path: string, body: unknown): Promise<Response> => fetch(`${base}${path}`, { method: 'POST', body: JSON.stringify(body) })
    const got = await post('/v1/locks/deploy/acquire', { ttl: 30_000, owner: 'a' })
    expect(got.status).toBe(200)
    const lease = await got.json() as { token: string }
    const other = await post('/v1/locks/deploy/acquire', { owner: 'b' })
    expect(other.status).toBe(409)
    expect(await other.json()).toMatchObject({ name: 'LockUnavailableError', exitCode: 4 })
    expect((await post('/v1/locks/deploy/release', { owner: 'b' })).status).toBe(409)
    expect(await (await fetch(`${base}/v1/locks/deploy`)).json()).toMatchObject({ held: true, owner: 'a', token: lease.token })
    expect((await post('/v1/locks/deploy/extend', { owner: 'a', ttl: 60_000 })).status).toBe(200)
    expect((await post('/v1/locks/deploy/release', { owner: 'a' })).status).toBe(200)
    expect(await (await fetch(`${base}/v1/locks/deploy`)).json()).toMatchObject({ held: false })
  })

  it('wait answers when the key arrives, 408 on timeout; watch streams server-sent events', async () => {
    expect((await fetch(`${base}/v1/wait/never?timeout=50`)).status).toBe(408)
    const waiting = fetch(`${base}/v1/wait/later?timeout=5000`)
    const ac = new AbortController()
    const events = await fetch(`${base}/v1/watch?prefix=w/`, { signal: ac.signal })
    await mesh.set('later', 'arrived')
    expect(await (await waiting).text()).toBe('arrived')
    await mesh.set('w/1', 'one')
    const reader = events.body!.getReader()
    let text = ''
    while (!text.includes('"w/1"')) text += new TextDecoder().decode((await reader.read()).value)
    expect(text).toContain('event: change')
    expect(text).toContain('"value":"one"')
    ac.abort()
  })

  it('a watch client that stops reading is cut off: its stream ends with one WatchOverflowError event', async () => {
    const overflowed = mesh.stats().watches.overflowed
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      http.get(`${base}/v1/watch?prefix=slow/`, resolve).on('error', reject)
    })
    res.pause() // a client that reads nothing: the socket fills, the server stops taking events
    // 30,000 events of ~1.2 KB: far more than socket buffers hold, and than the 10,000 a watch queues
    const value = 'x'.repeat(1000)
    for (let i = 0; i < 30_000; i++) await mesh.set(`slow/${i}`, value)
    expect(mesh.stats().watches.overflowed).toBe(overflowed + 1)
    res.setEncoding('utf8')
    let text = ''
    res.on('data', (chunk: string) => { text += chunk })
    res.resume()
    await new Promise(resolve => res.on('end', resolve))
    const events = text.split('\n\n').filter(b => b.startsWith('event: '))
    expect(events.length).toBeLessThan(30_000)
    const last = events[events.length - 1]
    expect(last.startsWith('event: error\n')).toBe(true)
    expect(JSON.parse(last.slice(last.indexOf('data: ') + 6))).toMatchObject({ name: 'WatchOverflowError', exitCode: 3 })
  })

  it('requires the bearer token when one is configured', async () => {
    const secured = createHttpServer(mesh, { token: 's3cret' })
    await secured.listen({ host: '127.0.0.1', port: 0 })
    const url = `http://127.0.0.1:${(secured.server.address() as { port: number }).port}/v1/health`
    expect((await fetch(url)).status).toBe(401)
    expect((await fetch(url, { headers: { Authorization: 'Bearer wrong' } })).status).toBe(401)
    expect((await fetch(url, { headers: { Authorization: 'Bearer s3cret' } })).status).toBe(200)
    await secured.close()
  })
})

describe('shutdown', () => {
  it('POST /v1/shutdown without a daemon closes the server and the mesh, handing 1 MB values to the peer first', async () => {
    const peer = await createMesh({ listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false })
    const own = await createMesh({ listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, bootstrap: [peer.multiaddrs[0]], closeTimeoutMs: 120_000 })
    try {
      while (own.peers().length === 0) await new Promise(resolve => setTimeout(resolve, 10))
      const server = createHttpServer(own)
      await server.listen({ host: '127.0.0.1', port: 0 })
      const url = `http://127.0.0.1:${(server.server.address() as { port: number }).port}`
      for (let i = 0; i < 10; i++) expect((await fetch(`${url}/v1/data/big${i}`, { method: 'PUT', body: new Uint8Array(1024 * 1024).fill(i) })).status).toBe(201)
      expect((await fetch(`${url}/v1/shutdown`, { method: 'POST' })).status).toBe(200)
      // the shutdown starts closing the mesh (writes refused from then on) ...
      const until = Date.now() + 15_000
      while (await own.set('probe', 'x').then(() => true, () => false)) {
        expect(Date.now()).toBeLessThan(until)
        await new Promise(resolve => setTimeout(resolve, 20))
      }
      // ... and that close (close() is idempotent: this awaits the same one) hands the writes over
      await own.close()
      expect(peer.list({ prefix: 'big' }).keys).toHaveLength(10)
      expect(own.stats().replication.undeliveredAtClose).toBe(0)
    } finally {
      await own.close()
      await peer.close()
    }
  }, 180_000)
})
