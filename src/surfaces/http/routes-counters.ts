/**
 * Counter endpoints: `POST /v1/counters/{key}/inc` and `/dec`, `GET /v1/counters/{key}`. Gossip
 * mode (the default) answers from this node's view; `mode: quorum` is exact (unique values,
 * bounded `dec` with `min`: 409 CounterBoundError).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Mesh, Mode } from '../../index.js'
import type { RouteContext } from './routes-data.js'
import { msOrInf, parseJsonBody, SCHEMAS } from './schemas.js'

type Body = { by?: number, min?: number, ttl?: number | 'inf', mode?: Mode }
const keyOf = (req: FastifyRequest): string => (req.params as { key: string }).key

export function registerCounterRoutes (app: FastifyInstance, mesh: Mesh, { caughtUp }: RouteContext): void {
  app.get('/v1/counters/:key', { schema: SCHEMAS.counter, preHandler: caughtUp }, async (req) => {
    const { mode } = req.query as { mode?: Mode }
    return { key: keyOf(req), value: await mesh.counters.get(keyOf(req), { mode }) }
  })

  app.post('/v1/counters/:key/inc', { schema: SCHEMAS.inc, preValidation: parseJsonBody, preHandler: caughtUp }, async (req) => {
    const b = req.body as Body
    return { key: keyOf(req), value: await mesh.counters.inc(keyOf(req), { by: b.by, ttl: msOrInf(b.ttl), mode: b.mode }) }
  })

  app.post('/v1/counters/:key/dec', { schema: SCHEMAS.dec, preValidation: parseJsonBody, preHandler: caughtUp }, async (req) => {
    const b = req.body as Body
    return { key: keyOf(req), value: await mesh.counters.dec(keyOf(req), { by: b.by, min: b.min, ttl: msOrInf(b.ttl), mode: b.mode }) }
  })
}
