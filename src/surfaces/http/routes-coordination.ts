/**
 * Coordination endpoints: locks, leaders and presence. Leases taken through the API are held by
 * this daemon (so `extend` and `release` work from later CLI calls); a leadership or heartbeat
 * asked for without `once` lasts exactly as long as the client keeps its event stream open (its
 * connection: streams.ts), and a client that leaves a lock `wait` or a campaign gets nothing.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { MeshClosedError, NotLockHolderError, type Lease, type Leadership, type Mesh } from '../../index.js'
import { errorBody, UsageError } from '../shared/errors.js'
import { msOrInf, parseJsonBody, SCHEMAS } from './schemas.js'
import type { RouteContext } from './routes-data.js'
import { eventStream, whileConnected } from './streams.js'

/** A validated JSON body (schemas.ts): its fields have their schema's types, absent ones are undefined. */
type Body = Record<string, string | number | boolean | undefined>
const bodyOf = (req: FastifyRequest): Body => req.body as Body
const text = (b: Body, name: string): string | undefined => b[name] as string | undefined
const ms = (b: Body, name: string): number | undefined => b[name] as number | undefined

const param = (req: FastifyRequest, name: string): string => (req.params as Record<string, string>)[name]

export function registerCoordinationRoutes (app: FastifyInstance, mesh: Mesh, { streams, caughtUp }: RouteContext): void {
  const leases = new Map<string, Lease>()
  const leaderships = new Map<string, Leadership>()

  const leaseJson = (l: Lease): Record<string, unknown> => ({ name: l.name, owner: l.owner, token: l.token, mode: l.mode, expires_at: l.expiresAt })

  app.get('/v1/locks/:name', { schema: SCHEMAS.lockStatus, preHandler: caughtUp }, async (req) => {
    const s = mesh.lockStatus(param(req, 'name'))
    return s.held ? { name: param(req, 'name'), held: true, owner: s.owner, token: s.token, expires_at: s.expiresAt, since: s.since } : { name: param(req, 'name'), held: false }
  })

  app.post('/v1/locks/:name/acquire', { schema: SCHEMAS.acquire, preValidation: parseJsonBody }, async (req, reply) => {
    const body = bodyOf(req)
    const lease = await whileConnected(reply, streams, async signal => {
      const lease = await mesh.lock(param(req, 'name'), { ttl: ms(body, 'ttl'), owner: text(body, 'owner'), wait: msOrInf(body.wait), signal })
      // granted as the client left: nobody would know it holds the lock
      if (signal.aborted) await lease.release().catch(() => {})
      signal.throwIfAborted()
      return lease
    })
    leases.set(lease.name, lease)
    lease.signal.addEventListener('abort', () => { if (leases.get(lease.name) === lease) leases.delete(lease.name) }, { once: true })
    return leaseJson(lease)
  })

  /** The lock name, the owner asked for, and the lease this daemon holds for them (if any). */
  const leaseFor = (req: FastifyRequest, body: Body): { name: string, owner: string, lease: Lease | undefined } => {
    const name = param(req, 'name')
    const owner = text(body, 'owner') ?? mesh.peerId
    const lease = leases.get(name)
    return { name, owner, lease: lease?.owner === owner ? lease : undefined }
  }

  app.post('/v1/locks/:name/extend', { schema: SCHEMAS.extend, preValidation: parseJsonBody }, async (req) => {
    const body = bodyOf(req)
    const { name, owner, lease } = leaseFor(req, body)
    if (lease === undefined) {
      const s = mesh.lockStatus(name)
      throw new NotLockHolderError(s.held ? `lock ${name} is held by ${s.owner}${s.owner === owner ? ' through another node; extend it there' : `, not ${owner}`}` : `lock ${name} is not held`)
    }
    await lease.renew({ ttl: ms(body, 'ttl') })
    return leaseJson(lease)
  })

  app.post('/v1/locks/:name/release', { schema: SCHEMAS.release, preValidation: parseJsonBody }, async (req) => {
    const body = bodyOf(req)
    const { name, owner, lease } = leaseFor(req, body)
    if (lease !== undefined) await lease.release()
    else await mesh.unlock(name, { owner })
    return { name, released: true }
  })

  app.get('/v1/leaders/:group', { schema: SCHEMAS.leader, preHandler: caughtUp }, async (req) => ({ group: param(req, 'group'), leader: mesh.leader(param(req, 'group')) ?? null }))

  app.post('/v1/leaders/:group/elect', { schema: SCHEMAS.elect, preValidation: parseJsonBody }, async (req, reply) => {
    const body = bodyOf(req)
    const group = param(req, 'group')
    const once = body.once === true
    const leadership = await whileConnected(reply, streams, async signal => {
      const leadership = await mesh.elect(group, { ttl: ms(body, 'ttl'), id: text(body, 'id'), wait: msOrInf(body.wait), renew: !once, signal })
      // elected as the client left: nobody would know it leads
      if (signal.aborted) await leadership.resign().catch(() => {})
      signal.throwIfAborted()
      return leadership
    })
    leaderships.set(group, leadership)
    leadership.signal.addEventListener('abort', () => { if (leaderships.get(group) === leadership) leaderships.delete(group) }, { once: true })
    const json = { group, id: leadership.id, token: leadership.token }
    if (once) return json
    // a campaign that renews for exactly as long as the client keeps this stream open
    const stream = eventStream(reply, streams)
    await stream.send('elected', json)
    const lost = new Promise<void>(resolve => { leadership.signal.addEventListener('abort', () => { resolve() }, { once: true }) })
    await Promise.race([stream.ended, lost])
    if (leadership.signal.aborted) {
      await stream.send('lost', { group, reason: (leadership.signal.reason as Error).message })
    } else {
      await leadership.resign().catch(() => {})
      // the server is closing (the daemon stops): the leadership ends with it
      if (stream.signal.reason instanceof MeshClosedError) await stream.send('lost', { group, reason: `resigned: ${(stream.signal.reason as Error).message}` })
    }
    stream.end()
  })

  app.post('/v1/leaders/:group/resign', { schema: SCHEMAS.resign, preValidation: parseJsonBody }, async (req) => {
    const body = bodyOf(req)
    const group = param(req, 'group')
    const id = text(body, 'id') ?? mesh.peerId
    const held = leaderships.get(group)
    if (held !== undefined && held.id === id) await held.resign()
    else await mesh.resign(group, { id })
    return { group, resigned: true }
  })

  app.post('/v1/heartbeat/:id', { schema: SCHEMAS.heartbeat, preValidation: parseJsonBody }, async (req, reply) => {
    const body = bodyOf(req)
    const id = param(req, 'id')
    const hb = mesh.heartbeat(id, { interval: ms(body, 'interval'), ttl: ms(body, 'ttl'), data: text(body, 'data') })
    if (body.once === true) {
      hb.stop({ leave: false })
      return { id, beating: false }
    }
    // beats for exactly as long as the client keeps this stream open; leaves when it goes
    const stream = eventStream(reply, streams)
    await stream.send('beating', { id })
    await stream.ended
    hb.stop()
    if (stream.signal.reason instanceof MeshClosedError) await stream.send('error', errorBody(stream.signal.reason).body)
    stream.end()
  })

  // drops: the payload is encrypted in this daemon; the mesh stores ciphertext only
  app.post('/v1/drops/seal', { schema: SCHEMAS.seal, preValidation: parseJsonBody }, async (req) => {
    const body = bodyOf(req)
    const data = text(body, 'data') as string
    const options = { ttl: ms(body, 'ttl'), burnAfterRead: body.burn_after_read === true }
    const to = text(body, 'to')
    if (to !== undefined) return { ...(await mesh.drops.sealTo(to, data, options)), to }
    const r = await mesh.drops.seal(data, options)
    return { token: r.token, expires_at: r.expiresAt }
  })

  app.post('/v1/drops/open', { schema: SCHEMAS.open, preValidation: parseJsonBody }, async (req, reply) => {
    const body = bodyOf(req)
    const wait = ms(body, 'wait')
    const privateKey = text(body, 'private_key')
    if (privateKey !== undefined) {
      // what opened, and what is in the inbox but does not open (garbage, tampered): reported, left in place
      const r = await whileConnected(reply, streams, async signal => mesh.drops.openInbox(privateKey, { wait, signal }))
      return {
        data: r.opened.map(d => new TextDecoder().decode(d.payload)),
        failed: r.failed.map(f => ({ key: f.key, name: f.error.name, error: f.error.message }))
      }
    }
    const token = text(body, 'token')
    if (token === undefined) throw new UsageError('`token` (or `private_key`) is required')
    return { data: new TextDecoder().decode(await whileConnected(reply, streams, async signal => mesh.drops.open(token, { wait, signal }))) }
  })

  app.get('/v1/members', { schema: SCHEMAS.members, preHandler: caughtUp }, async (req) => {
    const q = req.query as { prefix?: string }
    return { members: mesh.members(q.prefix ?? '').map(m => ({ id: m.id, expires_at: m.expiresAt, origin: m.origin, data: m.entry.text() })) }
  })
}
