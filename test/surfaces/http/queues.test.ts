/**
 * The queue and log endpoints: push/pop/ack/nack/size/peek, append/range/clear, and their input
 * checks (schema refusals are 400s naming the parameter, never 500s).
 */
import { describe, expect, it } from 'vitest'
import { gatewayPerFile } from './gateway.js'

const gw = gatewayPerFile()

const post = async (path: string, body: unknown): Promise<Response> => fetch(`${gw.base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })

describe('queue endpoints', () => {
  it('push 201, pop 200 with a receipt, ack; 204 when empty; size and peek', async () => {
    const q = `/v1/queues/${encodeURIComponent('reviews/a')}`
    for (const pr of ['101', '102']) expect((await post(`${q}/push`, { data: pr, ttl: 60_000 })).status).toBe(201)
    expect(await (await fetch(`${gw.base}${q}/size`)).json()).toEqual({ name: 'reviews/a', size: 2 })
    const popped = await post(`${q}/pop`, { visibility_timeout: 60_000 })
    expect(popped.status).toBe(200)
    const item = await popped.json() as { data: string, receipt: string, deliveries: number, id: string }
    expect(item).toMatchObject({ data: '101', deliveries: 1 })
    expect(await (await fetch(`${gw.base}${q}/peek`)).json()).toMatchObject({ items: [{ data: '102', deliveries: 0 }] })
    expect(await (await post(`${q}/ack`, { receipt: item.receipt })).json()).toEqual({ name: 'reviews/a', acked: true })
    const second = await (await post(`${q}/pop`, {})).json() as { receipt: string }
    expect((await post(`${q}/pop`, {})).status).toBe(204)
    expect((await post(`${q}/nack`, { receipt: second.receipt })).status).toBe(200)
    expect((await post(`${q}/pop`, { wait: 50 })).status).toBe(200)
  })

  it('refuses bad input with 400s that name it', async () => {
    const bad = async (r: Promise<Response>, name: string): Promise<void> => {
      const res = await r
      expect(res.status).toBe(400)
      expect(await res.json()).toMatchObject({ name })
    }
    await bad(post('/v1/queues/q/push', {}), 'UsageError')
    await bad(post('/v1/queues/q/push', { data: 'x', mode: 'strong' }), 'UsageError')
    await bad(post('/v1/queues/q/pop', { visibility_timeout: 0 }), 'UsageError')
    await bad(post('/v1/queues/q/pop', { max_deliveries: 1.5 }), 'UsageError')
    await bad(post('/v1/queues/q/ack', { receipt: 'nonsense' }), 'InvalidReceiptError')
    await bad(fetch(`${gw.base}/v1/queues/q/peek?limit=0`), 'InvalidOptionError')
    await bad(fetch(`${gw.base}/v1/queues/q/size?mode=a&mode=b`), 'UsageError')
  })
})

describe('log endpoints', () => {
  it('append 201 with a position; range after a position with a limit; clear', async () => {
    const positions: string[] = []
    for (const m of ['a', 'b', 'c']) {
      const r = await post(`/v1/logs/${encodeURIComponent('chat/7')}/append`, { data: m, ttl: 'inf' })
      expect(r.status).toBe(201)
      positions.push((await r.json() as { position: string }).position)
    }
    const all = await (await fetch(`${gw.base}/v1/logs/${encodeURIComponent('chat/7')}`)).json() as { records: Array<{ data: string }>, next: string }
    expect(all.records.map(r => r.data)).toEqual(['a', 'b', 'c'])
    expect(all.next).toBe(positions[2])
    const after = await (await fetch(`${gw.base}/v1/logs/${encodeURIComponent('chat/7')}?since=${encodeURIComponent(positions[0])}&limit=1`)).json() as { records: Array<{ data: string }>, next: string }
    expect(after.records.map(r => r.data)).toEqual(['b'])
    expect(after.next).toBe(positions[1])
    expect((await fetch(`${gw.base}/v1/logs/${encodeURIComponent('chat/7')}`, { method: 'DELETE' })).status).toBe(200)
    expect((await (await fetch(`${gw.base}/v1/logs/${encodeURIComponent('chat/7')}`)).json() as { records: unknown[] }).records).toEqual([])
    const bad = await fetch(`${gw.base}/v1/logs/x?since=garbage`)
    expect(bad.status).toBe(400)
    expect(await bad.json()).toMatchObject({ name: 'InvalidOptionError' })
  })
})
