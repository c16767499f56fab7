/**
 * The MCP tools of queues and logs: each a thin call to the daemon (routes-queues.ts).
 */
import { z } from 'zod'
import type { DaemonClient } from '../shared/client.js'
import { remoteError } from '../shared/client.js'
import { secondsToMs } from '../shared/duration.js'

type Tool = <S extends z.ZodRawShape>(name: string, description: string, schema: S, run: (args: z.infer<z.ZodObject<S>>, c: DaemonClient) => Promise<unknown>) => void

const enc = encodeURIComponent
const mode = z.enum(['gossip', 'quorum']).optional().describe('gossip (default: always available, answers from this node\'s view, at-least-once) or quorum (exact; one consumer per item; needs quorum members)')

export function registerQueueTools (tool: Tool): void {
  tool('meshkv_queue_push', 'Add an item at the tail of a work queue (FIFO). Returns its id.', {
    name: z.string().min(1).describe('Queue name, e.g. reviews'),
    data: z.string().describe('The item (text; JSON is fine)'),
    ttl_seconds: z.number().int().positive().optional().describe('Seconds until the item is forgotten if nobody acks it (default: the daemon\'s, 1 hour)'),
    mode
  }, async ({ name, data, ttl_seconds: ttl, mode: m }, c) => c.json('POST', `/v1/queues/${enc(name)}/push`, { body: { data, ttl: secondsToMs(ttl), mode: m } }))

  tool('meshkv_queue_pop', 'Take the first visible item of a queue for visibility_timeout_seconds: returns { id, data, receipt, deliveries }, or { empty: true }. Ack it with the receipt when done; unacked, it becomes visible to other agents again after the timeout.', {
    name: z.string().min(1).describe('Queue name'),
    visibility_timeout_seconds: z.number().positive().max(86_400).optional().describe('Hidden from other consumers this long (default 30)'),
    wait_seconds: z.number().min(0).max(3600).optional().describe('Wait this long for an item when none is visible (default 0)'),
    max_deliveries: z.number().int().positive().optional().describe('An item delivered this many times without an ack moves to NAME:dead instead'),
    mode
  }, async ({ name, visibility_timeout_seconds: vt, wait_seconds: wait, max_deliveries: maxDeliveries, mode: m }, c) => {
    const r = await c.request('POST', `/v1/queues/${enc(name)}/pop`, { body: { visibility_timeout: secondsToMs(vt), wait: secondsToMs(wait), max_deliveries: maxDeliveries, mode: m } })
    if (r.status === 204) return { name, empty: true }
    if (r.status !== 200) throw remoteError(r)
    return JSON.parse(r.body.toString('utf8')) as unknown
  })

  tool('meshkv_queue_ack', 'Done with a popped item: remove it from the queue. Fails with StaleReceiptError (quorum mode) when its visibility timeout ran out and another consumer took it.', {
    name: z.string().min(1).describe('Queue name'),
    receipt: z.string().min(1).describe('The receipt meshkv_queue_pop returned'),
    mode
  }, async ({ name, receipt, mode: m }, c) => c.json('POST', `/v1/queues/${enc(name)}/ack`, { body: { receipt, mode: m } }))

  tool('meshkv_queue_nack', 'Give a popped item back: visible to other consumers again at once.', {
    name: z.string().min(1).describe('Queue name'),
    receipt: z.string().min(1).describe('The receipt meshkv_queue_pop returned'),
    mode
  }, async ({ name, receipt, mode: m }, c) => c.json('POST', `/v1/queues/${enc(name)}/nack`, { body: { receipt, mode: m } }))

  tool('meshkv_queue_size', 'How many items of a queue are not acked yet (visible, and out with a consumer).', {
    name: z.string().min(1).describe('Queue name'),
    mode
  }, async ({ name, mode: m }, c) => c.json('GET', `/v1/queues/${enc(name)}/size`, { query: { mode: m } }))

  tool('meshkv_queue_peek', 'The first visible items of a queue, without taking them.', {
    name: z.string().min(1).describe('Queue name'),
    limit: z.number().int().positive().max(1000).optional().describe('At most this many (default 10)'),
    mode
  }, async ({ name, limit, mode: m }, c) => c.json('GET', `/v1/queues/${enc(name)}/peek`, { query: { limit, mode: m } }))

  tool('meshkv_log_append', 'Append a record to a log (a message history, an event stream): every node orders a log\'s records the same way (by hybrid logical clock). Returns its position.', {
    key: z.string().min(1).describe('Log key, e.g. chat:7'),
    data: z.string().describe('The record (text; JSON is fine)'),
    ttl_seconds: z.number().int().positive().optional().describe('Seconds until this record is forgotten (default: the daemon\'s, 1 hour)')
  }, async ({ key, data, ttl_seconds: ttl }, c) => c.json('POST', `/v1/logs/${enc(key)}/append`, { body: { data, ttl: secondsToMs(ttl) } }))

  tool('meshkv_log_range', 'Read a log\'s records in order, after a position (exclusive). Returns { records: [{ position, data }], next }: pass next as since to read on.', {
    key: z.string().min(1).describe('Log key'),
    since: z.string().optional().describe('Only records after this position (from append, or a previous range\'s next)'),
    limit: z.number().int().positive().max(10_000).optional().describe('At most this many records (default 1000)')
  }, async ({ key, since, limit }, c) => c.json('GET', `/v1/logs/${enc(key)}`, { query: { since, limit } }))
}
