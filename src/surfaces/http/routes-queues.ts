/**
 * Queue and log endpoints: `/v1/queues/{name}/…` (push, pop, ack, nack, size, peek) and
 * `/v1/logs/{key}` (append, range, clear). Data travels as UTF-8 text in JSON. Each is one call
 * of `mesh.queues` or `mesh.logs`; a waiting pop ends when its client leaves.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifySchema } from 'fastify'
import type { Mesh } from '../../index.js'
import { body, COUNT, MS, params, parseJsonBody, query, STRING, TEXT } from './schemas.js'
import type { RouteContext } from './routes-data.js'
import { whileConnected } from './streams.js'

const MODE = { type: 'string', enum: ['gossip', 'quorum'], description: 'gossip or quorum' }
const POSITIVE = { type: 'integer', minimum: 1, maximum: 1_000_000, description: 'a whole number, 1 or more' }
const TTL_MS = { type: ['integer', 'string'], minimum: 1, maximum: 2 ** 40, pattern: '^inf$', description: 'a whole number of milliseconds, or "inf"' }

export const QUEUE_SCHEMAS = {
  push: { querystring: query({}), params: params('name'), body: body({ data: STRING, ttl: TTL_MS, mode: MODE }, ['data']) },
  pop: { querystring: query({}), params: params('name'), body: body({ visibility_timeout: { ...MS, minimum: 1 }, wait: MS, max_deliveries: POSITIVE, mode: MODE }) },
  settle: { querystring: query({}), params: params('name'), body: body({ receipt: STRING, mode: MODE }, ['receipt']) },
  size: { querystring: query({ mode: MODE }), params: params('name') },
  peek: { querystring: query({ limit: COUNT, mode: MODE }), params: params('name') },
  append: { querystring: query({}), params: params('key'), body: body({ data: STRING, ttl: TTL_MS, replicas: { type: 'integer', minimum: 0, maximum: 1_000, description: 'a whole number of peers' } }, ['data']) },
  range: { querystring: query({ since: TEXT, limit: COUNT }), params: params('key') },
  clear: { querystring: query({}), params: params('key') }
} satisfies Record<string, FastifySchema>

/** Most records a range answers when no limit is given. */
export const DEFAULT_HTTP_RANGE_LIMIT = 1_000

type Body = Record<string, unknown>
const param = (req: FastifyRequest, name: string): string => (req.params as Record<string, string>)[name]
const modeOf = (v: unknown): 'gossip' | 'quorum' | undefined => v as 'gossip' | 'quorum' | undefined
const ttlOf = (v: unknown): number | undefined => v === 'inf' ? Infinity : v as number | undefined
const utf8 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8')

export function registerQueueRoutes (app: FastifyInstance, mesh: Mesh, { streams, caughtUp }: RouteContext): void {
  const json = { preValidation: parseJsonBody }

  app.post('/v1/queues/:name/push', { schema: QUEUE_SCHEMAS.push, ...json }, async (req, reply) => {
    const b = req.body as Body
    const r = await mesh.queues.push(param(req, 'name'), b.data as string, { ttl: ttlOf(b.ttl), mode: modeOf(b.mode) })
    void reply.code(201)
    return { name: param(req, 'name'), id: r.id }
  })

  // 200 with the item, 204 when none is visible (after `wait` ms)
  app.post('/v1/queues/:name/pop', { schema: QUEUE_SCHEMAS.pop, preHandler: caughtUp, ...json }, async (req, reply: FastifyReply) => {
    const b = req.body as Body
    const name = param(req, 'name')
    const item = await whileConnected(reply, streams, async signal => mesh.queues.pop(name, {
      visibilityTimeout: b.visibility_timeout as number | undefined, wait: b.wait as number | undefined, maxDeliveries: b.max_deliveries as number | undefined, mode: modeOf(b.mode), signal
    }))
    if (item === undefined) return reply.code(204).send()
    return { name, id: item.id, data: utf8(item.data), receipt: item.receipt, deliveries: item.deliveries }
  })

  app.post('/v1/queues/:name/ack', { schema: QUEUE_SCHEMAS.settle, ...json }, async (req) => {
    const b = req.body as Body
    await mesh.queues.ack(param(req, 'name'), b.receipt as string, { mode: modeOf(b.mode) })
    return { name: param(req, 'name'), acked: true }
  })

  app.post('/v1/queues/:name/nack', { schema: QUEUE_SCHEMAS.settle, ...json }, async (req) => {
    const b = req.body as Body
    await mesh.queues.nack(param(req, 'name'), b.receipt as string, { mode: modeOf(b.mode) })
    return { name: param(req, 'name'), nacked: true }
  })

  app.get('/v1/queues/:name/size', { schema: QUEUE_SCHEMAS.size, preHandler: caughtUp }, async (req) => {
    const q = req.query as { mode?: string }
    return { name: param(req, 'name'), size: await mesh.queues.size(param(req, 'name'), { mode: modeOf(q.mode) }) }
  })

  app.get('/v1/queues/:name/peek', { schema: QUEUE_SCHEMAS.peek, preHandler: caughtUp }, async (req) => {
    const q = req.query as { mode?: string, limit?: string }
    const items = await mesh.queues.peek(param(req, 'name'), { mode: modeOf(q.mode), limit: q.limit === undefined ? undefined : Number(q.limit) })
    return { name: param(req, 'name'), items: items.map(i => ({ id: i.id, data: utf8(i.data), deliveries: i.deliveries })) }
  })

  app.post('/v1/logs/:key/append', { schema: QUEUE_SCHEMAS.append, ...json }, async (req, reply) => {
    const b = req.body as Body
    const r = await mesh.logs.append(param(req, 'key'), b.data as string, { ttl: ttlOf(b.ttl), replicas: Math.min(b.replicas as number | undefined ?? 0, mesh.peers().length) })
    void reply.code(201)
    return { key: param(req, 'key'), position: r.position }
  })

  // records after ?since= (exclusive), at most ?limit= (default 1000); `next` resumes after the last
  app.get('/v1/logs/:key', { schema: QUEUE_SCHEMAS.range, preHandler: caughtUp }, async (req) => {
    const q = req.query as { since?: string, limit?: string }
    const limit = q.limit === undefined ? DEFAULT_HTTP_RANGE_LIMIT : Number(q.limit)
    const records = await mesh.logs.range(param(req, 'key'), { since: q.since, limit })
    const last = records[records.length - 1]?.position ?? q.since ?? null
    return { key: param(req, 'key'), records: records.map(r => ({ position: r.position, data: utf8(r.data) })), next: last }
  })

  app.delete('/v1/logs/:key', { schema: QUEUE_SCHEMAS.clear }, async (req) => {
    await mesh.logs.clear(param(req, 'key'))
    return { key: param(req, 'key'), cleared: true }
  })
}
