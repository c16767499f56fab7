/**
 * The HTTP API over a Mesh: REPRAM-compatible data endpoints plus extensions for delete, watch
 * (server-sent events), locks, leaders, presence and metrics. A thin shell: every route calls the
 * Mesh API and maps its named errors through one table (surfaces/shared/errors.ts); every
 * parameter is validated by schema first (schemas.ts); streams and long waits follow their
 * client's connection (streams.ts).
 */
import { timingSafeEqual } from 'node:crypto'
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify'
import type { Mesh } from '../../index.js'
import { errorBody, ForbiddenError, SURFACE_HEADER, surfaceOf, UnauthorizedError } from '../shared/errors.js'
import { registerCoordinationRoutes } from './routes-coordination.js'
import { registerDataRoutes } from './routes-data.js'
import { registerCounterRoutes } from './routes-counters.js'
import { registerSetRoutes } from './routes-sets.js'
import { registerQueueRoutes } from './routes-queues.js'
import { metricsText } from './metrics.js'
import { AJV_OPTIONS, SCHEMAS, schemaError } from './schemas.js'
import { OpenStreams } from './streams.js'

export interface HttpOptions {
  /** Bearer token every request must carry (required when listening beyond loopback). */
  token?: string
  /**
   * Called by `POST /v1/shutdown` (the daemon's stop). @default closing this server, then the
   * mesh (which hands undelivered writes to peers first)
   */
  onShutdown?: () => void
  /**
   * Whether `POST /v1/shutdown` is served; false answers it `403 ForbiddenError` (the daemon's TCP
   * API without a bearer token, which any local user could reach). @default true
   */
  allowShutdown?: boolean
  /**
   * Reads (`GET`/`HEAD /v1/data`, `/v1/keys`, `/v1/members`, lock and leader status, and the
   * existence check of `DELETE`) made this soon after the server was created wait, until then at
   * most, for the node's first anti-entropy round (`mesh.ready()`) when it expects peers, so a
   * fresh daemon does not answer "absent" for a key its peers hold. 0: never wait.
   * @default 5_000
   */
  catchUpMs?: number
}

/** @default 5_000 */
export const DEFAULT_CATCH_UP_MS = 5_000

export function createHttpServer (mesh: Mesh, options: HttpOptions = {}): FastifyInstance {
  const app = Fastify({
    logger: false,
    exposeHeadRoutes: false,
    bodyLimit: mesh.limits.maxValueBytes + 64 * 1024,
    // every parameter validated once, by schema, nothing coerced (schemas.ts)
    ajv: { customOptions: AJV_OPTIONS },
    schemaErrorFormatter: schemaError as never,
    // malformed URLs and the like, refused before any route runs: the same JSON shape
    frameworkErrors: (err, _req, reply) => { void (reply as FastifyReply).code(400).send({ error: err.message, name: 'UsageError', hint: 'see docs/http.md', exitCode: 2 }) }
  })
  // bodies are opaque bytes; JSON routes parse their own (so a bad body is a 400 from us)
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => { done(null, body) })

  if (options.token !== undefined) {
    const expected = Buffer.from(`Bearer ${options.token}`)
    app.addHook('onRequest', async (req) => {
      const got = Buffer.from(req.headers.authorization ?? '')
      if (got.length !== expected.length || !timingSafeEqual(got, expected)) throw new UnauthorizedError('missing or wrong bearer token')
    })
  }

  app.setErrorHandler((err: Error & { code?: string, statusCode?: number }, req, reply) => {
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      void reply.code(413).send({ error: err.message, name: 'ValueTooLargeError', hint: `values are limited to ${mesh.limits.maxValueBytes} bytes`, exitCode: 2 })
      return
    }
    if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500 && err.code?.startsWith('FST_') === true && err.code !== 'FST_ERR_VALIDATION') {
      void reply.code(err.statusCode).send({ error: err.message, name: 'UsageError', hint: 'see docs/http.md', exitCode: 2 })
      return
    }
    const { status, body } = errorBody(err, surfaceOf(req.headers[SURFACE_HEADER]))
    void reply.code(status).send(body)
  })
  app.setNotFoundHandler((req, reply) => {
    void reply.code(404).send({ error: `no route ${req.method} ${req.url}`, name: 'NotFoundError', hint: 'see docs/http.md', exitCode: 1 })
  })

  // closing ends every event stream and long wait first (their clients are told why), so a
  // close (the daemon's stop) never waits on a client
  const streams = new OpenStreams()
  const catchUpBy = Date.now() + (options.catchUpMs ?? DEFAULT_CATCH_UP_MS)
  const mustCatchUp = (): boolean => catchUpBy - Date.now() > 0 && !mesh.caughtUp
  // past the bound the read answers from what this node holds
  const catchUp = async (): Promise<void> => { if (mustCatchUp()) await mesh.ready({ timeout: catchUpBy - Date.now() }).catch(() => {}) }
  // a callback hook, not an async one: once caught up (every read but the first few) it calls
  // `done` at once, with no promise and no extra turn of the event loop per request
  const caughtUp = (_req: unknown, _reply: unknown, done: () => void): void => {
    if (mustCatchUp()) void catchUp().finally(done)
    else done()
  }
  const routes = { streams, caughtUp, mustCatchUp, catchUp }
  app.addHook('preClose', (done) => { streams.closeAll(); done() })
  app.addHook('onSend', (_req, reply, payload, done) => {
    if (streams.closed) void reply.header('connection', 'close')
    done(null, payload)
  })

  const plain = { schema: SCHEMAS.plain }
  app.get('/v1/health', plain, async () => ({ status: 'ok', mesh: mesh.name, peer_id: mesh.peerId }))
  app.get('/v1/status', plain, async () => ({ ...statusOf(mesh), caught_up: mesh.caughtUp, streams: streams.size }))
  app.get('/v1/peers', plain, async () => ({ peers: mesh.peers() }))
  app.get('/v1/metrics', plain, async (_req, reply) => {
    void reply.type('text/plain; version=0.0.4; charset=utf-8')
    return metricsText(mesh)
  })
  app.post('/v1/shutdown', plain, async () => {
    if (options.allowShutdown === false) throw new ForbiddenError('this API does not take POST /v1/shutdown: it requires no bearer token, so anyone who can reach it could stop the daemon')
    setImmediate(() => {
      if (options.onShutdown !== undefined) options.onShutdown()
      else void app.close().finally(() => mesh.close())
    })
    return { status: 'stopping' }
  })
  registerDataRoutes(app, mesh, routes)
  registerCoordinationRoutes(app, mesh, routes)
  registerCounterRoutes(app, mesh, routes)
  registerSetRoutes(app, mesh, routes)
  registerQueueRoutes(app, mesh, routes)
  return app
}

/** What `meshkv status` and `GET /v1/status` print. */
export function statusOf (mesh: Mesh): Record<string, unknown> {
  const s = mesh.stats()
  return {
    mesh: mesh.name,
    peer_id: mesh.peerId,
    addresses: mesh.multiaddrs,
    peers: mesh.peers(),
    entries: s.entries,
    tombstones: s.tombstones,
    bytes: s.bytes,
    digest: s.digest,
    sync: s.syncs,
    rejected: s.rejected,
    messages: { in: s.messagesIn, out: s.messagesOut }
  }
}
