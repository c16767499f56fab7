/**
 * Strict input: every parameter is validated once, by schema, and a malformed, repeated, unknown
 * or odd-typed one is a 400 naming it — never a 500, never a condition silently dropped.
 */
import { describe, expect, it } from 'vitest'
import { gatewayPerFile } from './gateway.js'

const gw = gatewayPerFile()

async function refused (path: string, init: RequestInit, parameter: string): Promise<void> {
  const r = await fetch(`${gw.base}${path}`, init)
  const body = await r.json() as { name: string, error: string }
  expect({ status: r.status, name: body.name }, `${init.method ?? 'GET'} ${path} → ${body.error}`).toEqual({ status: 400, name: 'UsageError' })
  expect(body.error).toContain(`\`${parameter}\``)
}

describe('query parameters', () => {
  it('a repeated parameter is a 400 naming it (was a 500)', async () => {
    await refused('/v1/keys?prefix=a&prefix=b', {}, 'prefix')
    await refused('/v1/watch?prefix=a&prefix=b', {}, 'prefix')
    await refused('/v1/members?prefix=a&prefix=b', {}, 'prefix')
    await refused('/v1/wait/k?timeout=1&timeout=2', {}, 'timeout')
  })

  it('?if_absent=1&if_absent=1 is refused, not an overwrite', async () => {
    await gw.mesh.set('kept', 'first')
    await refused('/v1/data/kept?if_absent=1&if_absent=1', { method: 'PUT', body: 'second' }, 'if_absent')
    expect(gw.mesh.get('kept')?.text()).toBe('first')
    expect((await fetch(`${gw.base}/v1/data/kept?if_absent=1`, { method: 'PUT', body: 'third' })).status).toBe(409)
    expect(gw.mesh.get('kept')?.text()).toBe('first')
  })

  it.each([' 5', '0x10', '1e3', '+5', '5.0', '-1', '05', '0', '', 'Infinity', '5s'])('ttl %j is not a number of seconds', async (ttl) => {
    await refused(`/v1/data/t?ttl=${encodeURIComponent(ttl)}`, { method: 'PUT', body: 'x' }, 'ttl')
    // HTTP strips the whitespace around a header value (X-TTL:  5 is 5); quoted, it stays
    const header = ttl === '' || ttl === ' 5' ? `"${ttl}"` : ttl
    await refused('/v1/data/t', { method: 'PUT', body: 'x', headers: { 'X-TTL': header } }, 'x-ttl')
  })

  it('an unknown parameter is refused by name (a typo is not silently ignored)', async () => {
    await refused('/v1/data/t?tll=5', { method: 'PUT', body: 'x' }, 'tll')
    await refused('/v1/keys?prefx=a', {}, 'prefx')
    await refused('/v1/data/t?x=1', {}, 'x')
  })

  it('numbers are digits only', async () => {
    await refused('/v1/keys?limit=1e2', {}, 'limit')
    await refused('/v1/keys?limit=0x10', {}, 'limit')
    await refused('/v1/wait/k?timeout=%2010', {}, 'timeout')
    expect((await fetch(`${gw.base}/v1/keys?limit=10`)).status).toBe(200)
    expect((await fetch(`${gw.base}/v1/data/t?ttl=60`, { method: 'PUT', body: 'x', headers: { 'X-TTL': '60' } })).status).toBe(201)
    expect((await fetch(`${gw.base}/v1/data/t?ttl=inf`, { method: 'PUT', body: 'x' })).status).toBe(201)
  })
})

describe('JSON bodies', () => {
  const post = (path: string, body: string): RequestInit => ({ method: 'POST', body, headers: { 'content-type': 'application/json' } })

  it('fields have their types, unknown fields are refused, nothing is coerced', async () => {
    await refused('/v1/locks/l/acquire', post('', '{"ttl":"5000"}'), 'ttl')
    await refused('/v1/locks/l/acquire', post('', '{"ttl":1.5}'), 'ttl')
    await refused('/v1/locks/l/acquire', post('', '{"owner":5}'), 'owner')
    await refused('/v1/locks/l/acquire', post('', '{"wait":"soon"}'), 'wait')
    await refused('/v1/locks/l/acquire', post('', '{"bogus":1}'), 'bogus')
    await refused('/v1/heartbeat/h', post('', '{"once":"yes"}'), 'once')
    await refused('/v1/drops/seal', post('', '{}'), 'data')
    await refused('/v1/leaders/g/elect', post('', '{"ttl":-1}'), 'ttl')
  })

  it('a body that is not a JSON object is a 400', async () => {
    for (const body of ['[]', 'null', '"x"', '3', '{', 'not json']) {
      const r = await fetch(`${gw.base}/v1/locks/l/acquire`, post('', body))
      expect(r.status, body).toBe(400)
      expect(await r.json()).toMatchObject({ name: 'UsageError' })
    }
  })

  it('null fields are absent; wait takes "inf"', async () => {
    const got = await fetch(`${gw.base}/v1/locks/nl/acquire`, post('', '{"ttl":null,"owner":"o","wait":null}'))
    expect(got.status).toBe(200)
    const other = fetch(`${gw.base}/v1/locks/nl/acquire`, post('', '{"owner":"p","wait":"inf"}'))
    await fetch(`${gw.base}/v1/locks/nl/release`, post('', '{"owner":"o"}'))
    expect((await other).status).toBe(200)
    await fetch(`${gw.base}/v1/locks/nl/release`, post('', '{"owner":"p"}'))
  })
})
