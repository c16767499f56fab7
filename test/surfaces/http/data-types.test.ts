/**
 * The counter and set endpoints and the conditional parameters of PUT and DELETE /v1/data:
 * answers, validation (400 naming the parameter), and the error table's statuses.
 */
import { describe, expect, it } from 'vitest'
import { gatewayPerFile } from './gateway.js'

const gw = gatewayPerFile()

const post = async (path: string, body: unknown): Promise<Response> => fetch(`${gw.base}${path}`, { method: 'POST', body: JSON.stringify(body) })
const enc = encodeURIComponent

describe('counters over HTTP', () => {
  it('inc, dec and get answer { key, value }', async () => {
    expect(await (await post(`/v1/counters/${enc('a/b')}/inc`, {})).json()).toEqual({ key: 'a/b', value: 1 })
    expect(await (await post(`/v1/counters/${enc('a/b')}/inc`, { by: 9, ttl: 60_000 })).json()).toEqual({ key: 'a/b', value: 10 })
    expect(await (await post(`/v1/counters/${enc('a/b')}/dec`, { by: 3, ttl: 'inf' })).json()).toEqual({ key: 'a/b', value: 7 })
    expect(await (await fetch(`${gw.base}/v1/counters/${enc('a/b')}`)).json()).toEqual({ key: 'a/b', value: 7 })
    expect(await gw.mesh.counters.get('a/b')).toBe(7)
  })

  it('refuses bad input with 400 naming it, min in gossip mode, quorum mode without members', async () => {
    for (const [path, body, name] of [
      ['/v1/counters/k/inc', { by: 1.5 }, 'UsageError'],
      ['/v1/counters/k/inc', { by: '1' }, 'UsageError'],
      ['/v1/counters/k/inc', { step: 1 }, 'UsageError'],
      ['/v1/counters/k/inc', { mode: 'strong' }, 'UsageError'],
      ['/v1/counters/k/dec', { min: 0 }, 'InvalidOptionError'],
      ['/v1/counters/k/inc', { mode: 'quorum' }, 'QuorumNotConfiguredError']
    ] as const) {
      const r = await post(path, body)
      expect(r.status, JSON.stringify(body)).toBe(400)
      expect(await r.json()).toMatchObject({ name })
    }
    expect((await fetch(`${gw.base}/v1/counters/k?mode=x`)).status).toBe(400)
  })
})

describe('sets over HTTP', () => {
  it('add, remove, members, size, has', async () => {
    expect(await (await post('/v1/sets/s/add', { members: ['x', 'y'] })).json()).toEqual({ key: 's', added: 2 })
    expect(await (await post('/v1/sets/s/add', { members: ['x'], ttl: 1_000_000 })).json()).toEqual({ key: 's', added: 0 })
    expect(await (await fetch(`${gw.base}/v1/sets/s`)).json()).toEqual({ key: 's', members: ['x', 'y'] })
    expect(await (await fetch(`${gw.base}/v1/sets/s/size`)).json()).toEqual({ key: 's', size: 2 })
    expect(await (await fetch(`${gw.base}/v1/sets/s/members/${enc('x')}`)).json()).toEqual({ key: 's', member: 'x', is_member: true })
    expect(await (await post('/v1/sets/s/remove', { members: ['x', 'q'] })).json()).toEqual({ key: 's', removed: 1 })
    expect(await (await fetch(`${gw.base}/v1/sets/s/members/x`)).json()).toMatchObject({ is_member: false })
  })

  it('refuses members that are not a non-empty array of strings', async () => {
    for (const body of [{}, { members: [] }, { members: 'x' }, { members: [1] }, { members: [''] }]) {
      expect((await post('/v1/sets/s/add', body)).status, JSON.stringify(body)).toBe(400)
    }
  })
})

describe('conditional writes over HTTP', () => {
  it('PUT ?if_value= and DELETE ?if_value=: 409 ConditionFailedError when the condition fails', async () => {
    expect((await fetch(`${gw.base}/v1/data/c`, { method: 'PUT', body: 'v1' })).status).toBe(201)
    const refused = await fetch(`${gw.base}/v1/data/c?if_value=nope`, { method: 'PUT', body: 'v2' })
    expect(refused.status).toBe(409)
    expect(await refused.json()).toMatchObject({ name: 'ConditionFailedError' })
    expect((await fetch(`${gw.base}/v1/data/c?if_value=v1`, { method: 'PUT', body: 'v2' })).status).toBe(201)
    expect((await fetch(`${gw.base}/v1/data/c?if_absent=1`, { method: 'PUT', body: 'v3' })).status).toBe(409)
    expect((await fetch(`${gw.base}/v1/data/c?if_value=v1`, { method: 'DELETE' })).status).toBe(409)
    expect((await fetch(`${gw.base}/v1/data/c?if_value=v2`, { method: 'DELETE' })).status).toBe(204)
    expect(gw.mesh.get('c')).toBeUndefined()
    expect((await fetch(`${gw.base}/v1/data/c?mode=eventually`, { method: 'PUT', body: 'x' })).status).toBe(400)
  })
})
