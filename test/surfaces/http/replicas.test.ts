/**
 * REPRAM's acknowledgement on PUT and DELETE: 201 (204) once the write is applied here and
 * confirmed by min(replicas, connected peers) peers (`?replicas=` or `X-Replicas`, default 1);
 * 202 when it is stored here but that confirmation did not come in time.
 */
import { afterAll, describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { createMesh, type Mesh, type MeshOptions } from '../../../src/index.js'
import { createHttpServer } from '../../../src/surfaces/http/server.js'

const meshes: Mesh[] = []
const apps: FastifyInstance[] = []
async function node (options: MeshOptions = {}): Promise<Mesh> {
  const m = await createMesh({ listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, ...options })
  meshes.push(m)
  return m
}
async function serve (mesh: Mesh): Promise<string> {
  const app = createHttpServer(mesh)
  apps.push(app)
  await app.listen({ host: '127.0.0.1', port: 0 })
  return `http://127.0.0.1:${(app.server.address() as { port: number }).port}`
}
afterAll(async () => {
  await Promise.all(apps.map(async a => a.close()))
  await Promise.all(meshes.map(async m => m.close()))
})

describe('PUT and DELETE acknowledgements', () => {
  it('201 once a connected peer holds the write (default replicas 1); ?replicas=0 and X-Replicas', async () => {
    const a = await node()
    const b = await node({ bootstrap: [a.multiaddrs[0]] })
    await a.waitForPeers(1, { timeout: 30_000 })
    const base = await serve(a)
    const put = await fetch(`${base}/v1/data/acked?ttl=60`, { method: 'PUT', body: 'v1' })
    expect(put.status).toBe(201)
    const body = await put.json() as { hlc: string }
    expect(body).toMatchObject({ key: 'acked', replicas: 1, confirmed: true })
    // confirmed: the peer holds it the moment the answer arrives, no waiting on gossip
    expect(b.get('acked')?.hlc).toBe(body.hlc)
    expect(await (await fetch(`${base}/v1/data/local?replicas=0`, { method: 'PUT', body: 'v' })).json()).toMatchObject({ replicas: 0, confirmed: true })
    // more than are connected: as many as are
    const many = await fetch(`${base}/v1/data/many`, { method: 'PUT', body: 'v', headers: { 'X-Replicas': '5' } })
    expect(many.status).toBe(201)
    expect(await many.json()).toMatchObject({ replicas: 1, confirmed: true })
    expect((await fetch(`${base}/v1/data/bad?replicas=one`, { method: 'PUT', body: 'v' })).status).toBe(400)
    const del = await fetch(`${base}/v1/data/acked`, { method: 'DELETE' })
    expect(del.status).toBe(204)
    expect(b.has('acked')).toBe(false)
  })

  it('a lone node confirms by itself: 201 with replicas 0', async () => {
    const base = await serve(await node())
    const put = await fetch(`${base}/v1/data/alone`, { method: 'PUT', body: 'v' })
    expect(put.status).toBe(201)
    expect(await put.json()).toMatchObject({ replicas: 0, confirmed: true })
  })

  it('202 when the peers do not confirm in time: stored here all the same', async () => {
    // the only peer is full: it refuses new keys, so it never confirms one
    const full = await node({ maxEntries: 1 })
    await full.set('mine', 'x')
    const a = await node({ bootstrap: [full.multiaddrs[0]] })
    await a.waitForPeers(1, { timeout: 30_000 })
    const base = await serve(a)
    const put = await fetch(`${base}/v1/data/unconfirmed?ttl=60`, { method: 'PUT', body: 'v' })
    expect(put.status).toBe(202)
    expect(await put.json()).toMatchObject({ key: 'unconfirmed', replicas: 0, confirmed: false })
    expect(await (await fetch(`${base}/v1/data/unconfirmed`)).text()).toBe('v')
    expect(full.has('unconfirmed')).toBe(false)
    const del = await fetch(`${base}/v1/data/unconfirmed`, { method: 'DELETE' })
    expect(del.status).toBe(202)
    expect(await del.json()).toMatchObject({ key: 'unconfirmed', deleted: true, confirmed: false })
    expect(a.has('unconfirmed')).toBe(false)
  }, 60_000)
})
