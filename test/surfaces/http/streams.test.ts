/**
 * Streams and long waits live exactly as long as their client's connection: a heartbeat beats
 * and a leadership renews while the client stays, and end when it goes; a client that leaves a
 * lock wait gets nothing; closing the server ends every stream and wait at once.
 */
import http from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { createMesh, electionLock, type Mesh, type MeshEvent } from '../../../src/index.js'
import { createHttpServer } from '../../../src/surfaces/http/server.js'
import { sseParser } from '../../../src/surfaces/shared/client.js'

let mesh: Mesh
let app: FastifyInstance
let port: number

beforeAll(async () => {
  mesh = await createMesh({ listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false })
  app = createHttpServer(mesh)
  await app.listen({ host: '127.0.0.1', port: 0 })
  port = (app.server.address() as { port: number }).port
})
afterAll(async () => { await app.close(); await mesh.close() })

interface Stream {
  res: http.IncomingMessage
  /** The next event, or undefined when the stream ended. */
  next: () => Promise<{ event: string, data: Record<string, unknown> } | undefined>
  /** Resolves when the server ends the stream. */
  ended: Promise<void>
  close: () => void
}

/** Opens a request whose answer is an event stream (or a plain answer: `res` then). */
async function open (method: string, path: string, body?: unknown, target = port): Promise<Stream> {
  const req = http.request({ host: '127.0.0.1', port: target, method, path, headers: { 'content-type': 'application/json' } })
  req.end(body === undefined ? undefined : JSON.stringify(body))
  const res = await new Promise<http.IncomingMessage>((resolve, reject) => { req.on('response', resolve); req.on('error', reject) })
  res.setEncoding('utf8')
  const queue: Array<{ event: string, data: Record<string, unknown> } | undefined> = []
  let wake: (() => void) | undefined
  res.on('data', sseParser((event, data) => {
    queue.push({ event, data: data as Record<string, unknown> })
    wake?.()
  }))
  const ended = new Promise<void>(resolve => { res.on('end', resolve); res.on('close', resolve) })
  void ended.then(() => { queue.push(undefined); wake?.() })
  return {
    res,
    ended,
    next: async () => {
      while (queue.length === 0) await new Promise<void>(resolve => { wake = resolve })
      return queue.shift()
    },
    close: () => { req.destroy() }
  }
}

/** Collects watch events on `prefix` until `until` says stop (bounded: rejects after `limitMs`). */
async function watchUntil (prefix: string, until: (e: MeshEvent, all: MeshEvent[]) => boolean, limitMs = 20_000): Promise<MeshEvent[]> {
  const ac = new AbortController()
  const timer = setTimeout(() => ac.abort(), limitMs)
  const seen: MeshEvent[] = []
  try {
    for await (const e of mesh.watch({ prefix, signal: ac.signal })) {
      seen.push(e)
      if (until(e, seen)) return seen
    }
  } finally {
    clearTimeout(timer)
  }
  throw new Error(`watch of ${prefix} ended after ${limitMs} ms with ${seen.map(e => e.type).join(',')}`)
}

/** A POST whose answer will not come soon (a wait): the caller destroys it. */
function waitingRequest (path: string, body: unknown): http.ClientRequest {
  const req = http.request({ host: '127.0.0.1', port, method: 'POST', path, headers: { 'content-type': 'application/json' } })
  req.on('error', () => {})
  req.end(JSON.stringify(body))
  return req
}

const leaseKeys = (group: string): string => `@meshkv/lease/${encodeURIComponent(electionLock(group))}/`

describe('heartbeat over HTTP', () => {
  it('beats while the client keeps the stream open, and leaves when it disconnects', async () => {
    const presence = `@${mesh.peerId}/presence/hb-1`
    // three beats in a row, with no leave between them, while the stream stays open
    const beats = watchUntil(presence, (_e, all) => all.filter(e => e.type === 'set').length >= 3)
    const stream = await open('POST', '/v1/heartbeat/hb-1', { interval: 100, ttl: 10_000 })
    expect(await stream.next()).toMatchObject({ event: 'beating', data: { id: 'hb-1' } })
    expect((await beats).every(e => e.type === 'set')).toBe(true)
    expect(stream.res.readableEnded).toBe(false)
    expect(mesh.members('hb-1')).toHaveLength(1)
    // the client goes: the member leaves at once (a delete), not when its 10 s TTL runs out
    const left = watchUntil(presence, e => e.type === 'delete')
    stream.close()
    await left
    expect(mesh.members('hb-1')).toHaveLength(0)
  })
})

describe('leader election over HTTP', () => {
  it('renews while the client stays, resigns when it disconnects', async () => {
    const renewals = watchUntil(leaseKeys('g1'), (_e, all) => all.filter(e => e.type === 'set').length >= 4)
    const stream = await open('POST', '/v1/leaders/g1/elect', { ttl: 600, id: 'cand-1' })
    expect(await stream.next()).toMatchObject({ event: 'elected', data: { group: 'g1', id: 'cand-1' } })
    await renewals // the claim, then renewals every ttl/3
    expect(mesh.leader('g1')).toBe('cand-1')
    const resigned = watchUntil(leaseKeys('g1'), () => mesh.leader('g1') === undefined)
    stream.close()
    await resigned
  })

  it('a campaign the client leaves wins nothing', async () => {
    const holder = await mesh.elect('g2', { id: 'incumbent', ttl: 30_000 })
    const campaign = waitingRequest('/v1/leaders/g2/elect', { id: 'challenger', wait: 60_000 })
    // the campaign has reached the server when its waiting marker is in the store; then it leaves
    await watchUntil('@meshkv/wait/', e => e.key.includes('challenger'))
    campaign.destroy()
    await holder.resign()
    // had the abandoned campaign won, this one would wait 20 s and fail
    const next = await mesh.elect('g2', { id: 'third', wait: 20_000 })
    expect(next.id).toBe('third')
    await next.resign()
  }, 60_000)
})

describe('lock waits over HTTP', () => {
  it('a client that leaves a lock wait gets nothing: the lock goes to the next caller', async () => {
    const held = await mesh.lock('l1', { owner: 'a', ttl: 30_000 })
    const req = waitingRequest('/v1/locks/l1/acquire', { owner: 'b', wait: 60_000, ttl: 30_000 })
    // b's wait has reached the server when its waiting marker is in the store; then it leaves
    await watchUntil('@meshkv/wait/l1/', e => e.key.endsWith('/b'))
    req.destroy()
    await held.release()
    // had b's abandoned wait taken the lock, c would wait 20 s and fail
    const next = await mesh.lock('l1', { owner: 'c', wait: 20_000 })
    expect(next.owner).toBe('c')
    expect(mesh.lockStatus('l1')).toMatchObject({ held: true, owner: 'c' })
    await next.release()
  }, 60_000)
})

describe('closing the server', () => {
  it('ends open watches, heartbeats, elections and waits at once, telling each client why', async () => {
    const other = createHttpServer(mesh)
    await other.listen({ host: '127.0.0.1', port: 0 })
    const at = (other.server.address() as { port: number }).port
    const watch = await open('GET', '/v1/watch?prefix=x', undefined, at)
    const hb = await open('POST', '/v1/heartbeat/closing', { interval: 100 }, at)
    const elect = await open('POST', '/v1/leaders/closing/elect', { id: 'c1' }, at)
    expect(await hb.next()).toMatchObject({ event: 'beating' })
    expect(await elect.next()).toMatchObject({ event: 'elected' })
    const wait = fetch(`http://127.0.0.1:${at}/v1/wait/never-set`)
    // the server holds all four (its status counts its open streams and waits)
    for (let i = 0; i < 400 && (await (await fetch(`http://127.0.0.1:${at}/v1/status`)).json() as { streams: number }).streams < 4; i++) {
      await new Promise(resolve => setTimeout(resolve, 50))
    }
    const started = Date.now()
    await other.close()
    expect(Date.now() - started).toBeLessThan(5_000)
    expect(await watch.next()).toMatchObject({ event: 'error', data: { name: 'MeshClosedError' } })
    expect(await hb.next()).toMatchObject({ event: 'error', data: { name: 'MeshClosedError' } })
    expect(await elect.next()).toMatchObject({ event: 'lost' })
    const waited = await wait
    expect(waited.status).toBe(503)
    // an answer sent once the server is closing closes its connection (no keep-alive holds the close)
    expect(waited.headers.get('connection')).toBe('close')
    expect(await waited.json()).toMatchObject({ name: 'MeshClosedError' })
    expect(mesh.leader('closing')).toBeUndefined()
    expect(mesh.members('closing')).toHaveLength(0)
  })
})
