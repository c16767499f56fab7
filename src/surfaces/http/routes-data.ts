/**
 * REPRAM-compatible data endpoints (`/v1/data/{key}`, `/v1/keys`) and meshkv's extensions to them
 * (delete, set-if-absent, wait, watch).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { MeshClosedError, ReplicationError, type Entry, type Mesh, type Mode } from '../../index.js'
import { errorBody, NotFoundError, UsageError } from '../shared/errors.js'
import { entryHeaders } from './headers.js'
import { SCHEMAS } from './schemas.js'
import { eventStream, whileConnected, type OpenStreams } from './streams.js'

/** The key of a `/v1/data/{key}` (or `/v1/wait/{key}`) URL, percent-decoded (keys may contain `/`). */
function keyOf (req: FastifyRequest, route = '/v1/data/'): string {
  const url = req.raw.url ?? ''
  const query = url.indexOf('?')
  const start = url.indexOf(route) + route.length
  const raw = query < 0 ? url.slice(start) : url.slice(start, query)
  if (!raw.includes('%')) return raw
  try {
    return decodeURIComponent(raw)
  } catch {
    throw new UsageError(`the key in the URL is not valid percent-encoding: ${raw.slice(0, 64)}`)
  }
}

/** An entry's value as a Buffer over the same bytes (no copy). */
function bodyOf (e: Entry): Buffer {
  const v = e.value
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength)
}

/** Peers that must confirm a write: `?replicas=` or `X-Replicas` (validated digits), default 1. */
function replicasOf (req: FastifyRequest): number {
  const text = (req.query as { replicas?: string }).replicas ?? req.headers['x-replicas'] as string | undefined
  return text === undefined ? DEFAULT_HTTP_REPLICAS : Number(text)
}

/** REPRAM's default: a PUT is confirmed by one peer (when one is connected). */
export const DEFAULT_HTTP_REPLICAS = 1

function entryJson (e: Entry): Record<string, unknown> {
  return { key: e.key, hlc: e.hlc, created_at: e.wall, expires_at: e.expiresAt ?? null, origin: e.origin }
}

/** What the routes share: the server's open streams, and the hook that holds a read until the node caught up. */
export interface RouteContext {
  streams: OpenStreams
  /** preHandler of a read: waits (bounded) for the node's first anti-entropy round after start. */
  caughtUp: (req: FastifyRequest, reply: FastifyReply, done: () => void) => void
  /** Whether a read made now must still wait for that round; `catchUp()` resolves when it may go on. */
  mustCatchUp: () => boolean
  catchUp: () => Promise<void>
}

export function registerDataRoutes (app: FastifyInstance, mesh: Mesh, { streams, caughtUp, mustCatchUp, catchUp }: RouteContext): void {
  const found = (req: FastifyRequest): Entry => {
    const key = keyOf(req)
    const e = mesh.get(key)
    if (e === undefined) throw new NotFoundError(`key ${JSON.stringify(key)} not found`)
    return e
  }

  /** GET: REPRAM's headers and the raw bytes (fastify adds Content-Type application/octet-stream and Content-Length for a Buffer). */
  const read = (req: FastifyRequest, reply: FastifyReply): Buffer => {
    const e = found(req)
    entryHeaders(reply, e, Date.now())
    return bodyOf(e)
  }

  /** HEAD: the GET's headers, length and type, without the body (RFC 9110 §9.3.2). */
  const head = (req: FastifyRequest, reply: FastifyReply): undefined => {
    const e = found(req)
    entryHeaders(reply, e, Date.now())
    void reply.header('content-length', String(e.valueBytes))
    void reply.header('content-type', 'application/octet-stream')
    void reply.send()
    return undefined
  }

  /**
   * A write acknowledged as REPRAM does: confirmed by min(replicas, connected peers) peers (201),
   * or stored here but not confirmed in time (202). The body says how many confirmed.
   */
  const acknowledged = async (reply: FastifyReply, wanted: number, write: (replicas: number) => Promise<Entry>): Promise<{ entry: Entry, replicas: number, confirmed: boolean }> => {
    const replicas = Math.min(wanted, mesh.peers().length)
    try {
      const entry = await write(replicas)
      void reply.code(201)
      return { entry, replicas, confirmed: true }
    } catch (err) {
      // the write is applied either way: a timeout, or peers gone since they were counted
      if (!(err instanceof ReplicationError)) throw err
      void reply.code(202)
      return { entry: err.entry as Entry, replicas: err.confirmed, confirmed: false }
    }
  }

  // PUT: raw body; TTL in seconds from ?ttl= or X-TTL; ?if_absent=1 refuses an existing key and
  // ?if_value=V a key not holding V (409 ConditionFailedError; this node's replica, or a
  // compare-and-set with ?mode=quorum); ?replicas= or X-Replicas: peers that must confirm it (default 1)
  app.put('/v1/data/*', { schema: SCHEMAS.putData }, async (req, reply) => {
    const key = keyOf(req)
    const q = req.query as { ttl?: string, if_absent?: string, if_value?: string, mode?: Mode }
    const ttlText = q.ttl ?? req.headers['x-ttl'] as string | undefined
    const ttlSeconds = ttlText === undefined ? undefined : ttlText === 'inf' ? Infinity : Number(ttlText)
    const ifNotExists = q.if_absent === '1' || q.if_absent === 'true' ? true : undefined
    const body = (req.body as Buffer | undefined) ?? Buffer.alloc(0)
    const ttl = ttlSeconds === undefined ? undefined : ttlSeconds * 1000
    const ack = await acknowledged(reply, replicasOf(req), async replicas => mesh.set(key, body, { ttl, replicas, ifNotExists, ifValue: q.if_value, mode: q.mode }))
    return { ...entryJson(ack.entry), replicas: ack.replicas, confirmed: ack.confirmed }
  })

  // the hottest route: plain functions, no hook, no promise once the node has caught up (a
  // handler that throws is answered by the error handler, as a rejected promise would be)
  app.get('/v1/data/*', { schema: SCHEMAS.readData }, (req, reply) => mustCatchUp() ? catchUp().then(() => read(req, reply)) : read(req, reply))
  app.head('/v1/data/*', { schema: SCHEMAS.readData }, (req, reply) => mustCatchUp() ? catchUp().then(() => head(req, reply)) : head(req, reply))

  // 204 when it was there and min(replicas, peers) peers confirmed the tombstone, 202 when they did
  // not in time; 404 when it was already absent (a tombstone is written anyway)
  // ?if_value=V: only while the key holds V (409 ConditionFailedError), as for PUT
  app.delete('/v1/data/*', { schema: SCHEMAS.deleteData, preHandler: caughtUp }, async (req, reply) => {
    const key = keyOf(req)
    const q = req.query as { if_value?: string, mode?: Mode }
    const existed = q.if_value !== undefined || mesh.has(key)
    const ack = await acknowledged(reply, replicasOf(req), async replicas => mesh.delete(key, { replicas, ifValue: q.if_value, mode: q.mode }))
    if (!existed) return reply.code(404).send({ error: `key ${JSON.stringify(key)} not found`, name: 'NotFoundError', hint: 'it was already absent; a tombstone was written anyway', exitCode: 1 })
    if (ack.confirmed) return reply.code(204).send()
    return { key, deleted: true, replicas: ack.replicas, confirmed: false }
  })

  app.get('/v1/keys', { schema: SCHEMAS.keys, preHandler: caughtUp }, async (req) => {
    const q = req.query as { prefix?: string, limit?: string, cursor?: string }
    const page = mesh.list({ prefix: q.prefix, limit: q.limit === undefined ? undefined : Number(q.limit), cursor: q.cursor })
    return page.nextCursor === undefined ? { keys: page.keys } : { keys: page.keys, next_cursor: page.nextCursor }
  })

  // waits until the key is live, then answers like GET; 408 after ?timeout= ms
  app.get('/v1/wait/*', { schema: SCHEMAS.wait }, async (req, reply) => {
    const key = keyOf(req, '/v1/wait/')
    const q = req.query as { timeout?: string }
    const timeout = q.timeout === undefined ? undefined : Number(q.timeout)
    const e = await whileConnected(reply, streams, async signal => mesh.waitFor(key, { timeout, signal }))
    entryHeaders(reply, e, Date.now())
    return bodyOf(e)
  })

  // server-sent events: one `change` event per set, delete or expire under ?prefix=. A client that
  // does not keep up stops the reading (socket backpressure), so the watch's own bound applies: past
  // it the client gets one `error` event (WatchOverflowError) and the stream ends, as it does with
  // MeshClosedError when the server closes.
  app.get('/v1/watch', { schema: SCHEMAS.watch }, async (req, reply) => {
    const q = req.query as { prefix?: string }
    const stream = eventStream(reply, streams)
    try {
      for await (const e of mesh.watch({ prefix: q.prefix ?? '', signal: stream.signal })) {
        await stream.send('change', { type: e.type, key: e.key, value: e.type === 'set' ? e.entry?.text() : undefined, hlc: e.entry?.hlc, expires_at: e.entry?.expiresAt ?? null, origin: e.entry?.origin, local: e.local })
      }
      // the server or the mesh is closing (a client that left gets nothing more)
      if (!stream.signal.aborted || stream.signal.reason instanceof MeshClosedError) await stream.send('error', errorBody(new MeshClosedError('the mesh is closing')).body)
    } catch (err) {
      await stream.send('error', errorBody(err).body)
    }
    stream.end()
  })
}
