/**
 * Set endpoints: `POST /v1/sets/{key}/add` and `/remove` (JSON `members`), `GET /v1/sets/{key}`
 * (members, sorted), `GET /v1/sets/{key}/size`, `GET /v1/sets/{key}/members/{member}`. Gossip
 * mode (the default) answers from this node's view; `mode: quorum` is exact.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Mesh, Mode } from '../../index.js'
import type { RouteContext } from './routes-data.js'
import { msOrInf, parseJsonBody, SCHEMAS } from './schemas.js'

type Body = { members: string[], ttl?: number | 'inf', mode?: Mode }
const param = (req: FastifyRequest, name: string): string => (req.params as Record<string, string>)[name]
const modeOf = (req: FastifyRequest): Mode | undefined => (req.query as { mode?: Mode }).mode

export function registerSetRoutes (app: FastifyInstance, mesh: Mesh, { caughtUp }: RouteContext): void {
  app.get('/v1/sets/:key', { schema: SCHEMAS.setRead, preHandler: caughtUp }, async (req) =>
    ({ key: param(req, 'key'), members: await mesh.sets.members(param(req, 'key'), { mode: modeOf(req) }) }))

  app.get('/v1/sets/:key/size', { schema: SCHEMAS.setRead, preHandler: caughtUp }, async (req) =>
    ({ key: param(req, 'key'), size: await mesh.sets.size(param(req, 'key'), { mode: modeOf(req) }) }))

  app.get('/v1/sets/:key/members/:member', { schema: SCHEMAS.setHas, preHandler: caughtUp }, async (req) =>
    ({ key: param(req, 'key'), member: param(req, 'member'), is_member: await mesh.sets.has(param(req, 'key'), param(req, 'member'), { mode: modeOf(req) }) }))

  app.post('/v1/sets/:key/add', { schema: SCHEMAS.setAdd, preValidation: parseJsonBody, preHandler: caughtUp }, async (req) => {
    const b = req.body as Body
    return { key: param(req, 'key'), added: await mesh.sets.add(param(req, 'key'), b.members, { ttl: msOrInf(b.ttl), mode: b.mode }) }
  })

  app.post('/v1/sets/:key/remove', { schema: SCHEMAS.setRemove, preValidation: parseJsonBody, preHandler: caughtUp }, async (req) => {
    const b = req.body as Body
    return { key: param(req, 'key'), removed: await mesh.sets.remove(param(req, 'key'), b.members, { mode: b.mode }) }
  })
}
