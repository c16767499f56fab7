/**
 * Coordination endpoints: locks, leaders and presence. Leases taken through the API are held by
 * this daemon (so `extend` and `release` work from later CLI calls); a leadership or heartbeat
 * asked for without `once` lasts exactly as long as the client keeps its event stream open (its
 * connection: streams.ts), and a client that leaves a lock `wait` or a campaign gets nothing.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { MeshClosedError, NotLockHolderError, type Lease, type Leadership, type Mesh } from '../../index.js'
import { errorBody, UsageError } from '../shared/errors.js'
import { jsonBody } from './helpers.js'
import { eventStream, whileConnected, type OpenStreams } from './streams.js'

function str (body: Record<string, unknown>, name: string): string | undefined {
  const v = body[name]
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'string') throw new UsageError(`\`${name}\` must be a string, got ${JSON.stringify(v)}`)
  return v
}

function num (body: Record<string, unknown>, name: string): number | undefined {
  const v = body[name]
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new UsageError(`\`${name}\` must be a non-negative number of milliseconds, got ${JSON.stringify(v)}`)
  return v
}

const param = (req: FastifyRequest, name: string): string => (req.params as Record<string, string>)[name]

export function registerCoordinationRoutes (app: FastifyInstance, mesh: Mesh, streams: OpenStreams): void {
  const leases = new Map<string, Lease>()
  const leaderships = new Map<string, Leadership>()

  const leaseJson = (l: Lease): Record<string, unknown> => ({ name: l.name, owner: l.owner, token: l.token, mode: l.mode, expires_at: l.expiresAt })

  app.get('/v1/locks/:name', async (req) => {
    const s = mesh.lockStatus(param(req, 'name'))
    return s.held ? { name: param(req, 'name'), held: true, owner: s.owner, token: s.token, expires_at: s.expiresAt, since: s.since } : { name: param(req, 'name'), held: false }
  })

  app.post('/v1/locks/:name/acquire', async (req, reply) => {
    const body = jsonBody(req)
    const lease = await whileConnected(reply, streams, async signal => {
      const lease = await mesh.lock(param(req, 'name'), { ttl: num(body, 'ttl'), owner: str(body, 'owner'), wait: num(body, 'wait'), signal })
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
  const leaseFor = (req: FastifyRequest, body: Record<string, unknown>): { name: string, owner: string, lease: Lease | undefined } => {
    const name = param(req, 'name')
    const owner = str(body, 'owner') ?? mesh.peerId
    const lease = leases.get(name)
    return { name, owner, lease: lease?.owner === owner ? lease : undefined }
  }

  app.post('/v1/locks/:name/extend', async (req) => {
    const body = jsonBody(req)
    const { name, owner, lease } = leaseFor(req, body)
    if (lease === undefined) {
      const s = mesh.lockStatus(name)
      throw new NotLockHolderError(s.held ? `lock ${name} is held by ${s.owner}${s.owner === owner ? ' through another node; extend it there' : `, not ${owner}`}` : `lock ${name} is not held`)
    }
    await lease.renew({ ttl: num(body, 'ttl') })
    return leaseJson(lease)
  })

  app.post('/v1/locks/:name/release', async (req) => {
    const body = jsonBody(req)
    const { name, owner, lease } = leaseFor(req, body)
    if (lease !== undefined) await lease.release()
    else await mesh.unlock(name, { owner })
    return { name, released: true }
  })

  app.get('/v1/leaders/:group', async (req) => ({ group: param(req, 'group'), leader: mesh.leader(param(req, 'group')) ?? null }))

  app.post('/v1/leaders/:group/elect', async (req, reply) => {
    const body = jsonBody(req)
    const group = param(req, 'group')
    const once = body.once === true
    const leadership = await whileConnected(reply, streams, async signal => {
      const leadership = await mesh.elect(group, { ttl: num(body, 'ttl'), id: str(body, 'id'), wait: num(body, 'wait'), renew: !once, signal })
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

  app.post('/v1/leaders/:group/resign', async (req) => {
    const body = jsonBody(req)
    const group = param(req, 'group')
    const id = str(body, 'id') ?? mesh.peerId
    const held = leaderships.get(group)
    if (held !== undefined && held.id === id) await held.resign()
    else await mesh.resign(group, { id })
    return { group, resigned: true }
  })

  app.post('/v1/heartbeat/:id', async (req, reply) => {
    const body = jsonBody(req)
    const id = param(req, 'id')
    const hb = mesh.heartbeat(id, { interval: num(body, 'interval'), ttl: num(body, 'ttl'), data: str(body, 'data') })
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
  app.post('/v1/drops/seal', async (req) => {
    const body = jsonBody(req)
    const data = str(body, 'data')
    if (data === undefined) throw new UsageError('`data` (a string) is required')
    const options = { ttl: num(body, 'ttl'), burnAfterRead: body.burn_after_read === true }
    const to = str(body, 'to')
    if (to !== undefined) return { ...(await mesh.drops.sealTo(to, data, options)), to }
    const r = await mesh.drops.seal(data, options)
    return { token: r.token, expires_at: r.expiresAt }
  })

  app.post('/v1/drops/open', async (req, reply) => {
    const body = jsonBody(req)
    const wait = num(body, 'wait')
    const privateKey = str(body, 'private_key')
    if (privateKey !== undefined) {
      // what opened, and what is in the inbox but does not open (garbage, tampered): reported, left in place
      const r = await whileConnected(reply, streams, async signal => mesh.drops.openInbox(privateKey, { wait, signal }))
      return {
        data: r.opened.map(d => new TextDecoder().decode(d.payload)),
        failed: r.failed.map(f => ({ key: f.key, name: f.error.name, error: f.error.message }))
      }
    }
    const token = str(body, 'token')
    if (token === undefined) throw new UsageError('`token` (or `private_key`) is required')
    return { data: new TextDecoder().decode(await whileConnected(reply, streams, async signal => mesh.drops.open(token, { wait, signal }))) }
  })

  app.get('/v1/members', async (req) => {
    const q = req.query as Record<string, string | undefined>
    return { members: mesh.members(q.prefix ?? '').map(m => ({ id: m.id, expires_at: m.expiresAt, origin: m.origin, data: m.entry.text() })) }
  })
}
