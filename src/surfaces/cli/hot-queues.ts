/**
 * The queue and log commands (`queue push|pop|ack|nack|size|peek`, `append`, `range`), declared as
 * hot commands (hot.ts): an agent loop calls them often, so the fast path runs them too. Each is
 * one request to the daemon (routes-queues.ts). Exit 1: `pop` found nothing, `range` nothing new.
 */
import type { DaemonClient } from '../shared/client.js'
import { remoteError } from '../shared/client.js'
import { durationOption as ms } from '../shared/duration.js'
import { EXIT, UsageError } from '../shared/errors.js'
import { out } from '../shared/output.js'
import { readStdin } from '../shared/stdin.js'
import { checkFormat, type HotCommand, type HotOpts } from './hot.js'

const text = (v: string | true | undefined): string | undefined => typeof v === 'string' ? v : undefined
const enc = encodeURIComponent

const modeOption = { flags: '--mode <mode>', description: 'gossip (default: local view, at-least-once) or quorum (exact, one consumer per item; needs the daemon\'s --quorum-members)' }
const formatOption = (formats: string[]): { flags: string, description: string, default: string } => ({ flags: '--format <format>', description: `output: ${formats.join(' | ')}`, default: formats[0] })

function mode (o: HotOpts): string | undefined {
  const m = text(o.mode)
  if (m !== undefined && m !== 'gossip' && m !== 'quorum') throw new UsageError(`--mode must be gossip or quorum, got ${JSON.stringify(m)}`)
  return m
}

function count (what: string, v: string | true | undefined): number | undefined {
  const s = text(v)
  if (s === undefined) return undefined
  if (!/^[1-9][0-9]{0,6}$/.test(s)) throw new UsageError(`${what} must be a whole number, 1 or more, got ${JSON.stringify(s)}`)
  return Number(s)
}

/** A TTL option as the API's JSON field: milliseconds, or "inf". */
function ttl (o: HotOpts): number | 'inf' | undefined {
  const t = ms('--ttl', o.ttl, true)
  return t === Infinity ? 'inf' : t
}

async function dataArg (value: string): Promise<string> {
  return value === '-' ? (await readStdin()).toString('utf8') : value
}

const ttlOption = { flags: '--ttl <duration>', description: 'time to live: 30s, 10m, 2h, seconds, or inf (default: the daemon\'s)' }

export const HOT_QUEUES: Readonly<Record<string, HotCommand>> = {
  queuePush: {
    path: ['queue', 'push'],
    args: ['name', 'data'],
    description: 'add an item at the tail (FIFO); DATA "-" reads stdin; prints its id',
    options: [ttlOption, modeOption, formatOption(['json', 'value'])],
    async run (c, [name, data], o) {
      const format = text(o.format) ?? 'json'
      checkFormat(format, ['json', 'value'])
      const r = await c.json<{ id: string }>('POST', `/v1/queues/${enc(name)}/push`, { body: { data: await dataArg(data), ttl: ttl(o), mode: mode(o) } })
      if (format === 'value') process.stdout.write(r.id + '\n')
      else out(r)
    }
  },
  queuePop: {
    path: ['queue', 'pop'],
    args: ['name'],
    description: 'take the first visible item for the visibility timeout; prints { id, data, receipt, deliveries }; exit 1 when empty',
    options: [
      { flags: '--visibility-timeout <duration>', description: 'hidden from other consumers this long unless acked or nacked', default: '30s' },
      { flags: '--wait <duration>', description: 'wait this long for an item when none is visible' },
      { flags: '--max-deliveries <n>', description: 'an item delivered this many times without an ack goes to NAME:dead instead' },
      modeOption,
      formatOption(['json', 'value'])
    ],
    help: '\nExamples:\n  item=$(meshkv queue pop reviews --visibility-timeout 5m) || exit 0   # exit 1: empty\n  meshkv queue ack reviews "$(jq -r .receipt <<<"$item")"\n  meshkv queue pop jobs --wait 10s --format value',
    async run (c, [name], o) {
      const format = text(o.format) ?? 'json'
      checkFormat(format, ['json', 'value'])
      const body = { visibility_timeout: ms('--visibility-timeout', o.visibilityTimeout), wait: ms('--wait', o.wait), max_deliveries: count('--max-deliveries', o.maxDeliveries), mode: mode(o) }
      const r = await c.request('POST', `/v1/queues/${enc(name)}/pop`, { body })
      if (r.status === 204) {
        if (format === 'json') out({ name, empty: true })
        process.exitCode = EXIT.notFound
        return
      }
      if (r.status !== 200) throw remoteError(r)
      const item = JSON.parse(r.body.toString('utf8')) as { data: string }
      if (format === 'value') process.stdout.write(item.data.endsWith('\n') ? item.data : item.data + '\n')
      else out(item)
    }
  },
  queueAck: {
    path: ['queue', 'ack'],
    args: ['name', 'receipt'],
    description: 'done with an item: remove it (RECEIPT from pop)',
    options: [modeOption],
    async run (c, [name, receipt], o) {
      out(await c.json('POST', `/v1/queues/${enc(name)}/ack`, { body: { receipt, mode: mode(o) } }))
    }
  },
  queueNack: {
    path: ['queue', 'nack'],
    args: ['name', 'receipt'],
    description: 'give an item back: visible again at once',
    options: [modeOption],
    async run (c, [name, receipt], o) {
      out(await c.json('POST', `/v1/queues/${enc(name)}/nack`, { body: { receipt, mode: mode(o) } }))
    }
  },
  queueSize: {
    path: ['queue', 'size'],
    args: ['name'],
    description: 'items not acked yet (visible, and out with a consumer)',
    options: [modeOption, formatOption(['json', 'value'])],
    async run (c, [name], o) {
      const format = text(o.format) ?? 'json'
      checkFormat(format, ['json', 'value'])
      const r = await c.json<{ size: number }>('GET', `/v1/queues/${enc(name)}/size`, { query: { mode: mode(o) } })
      if (format === 'value') process.stdout.write(`${r.size}\n`)
      else out(r)
    }
  },
  queuePeek: {
    path: ['queue', 'peek'],
    args: ['name'],
    description: 'the first visible items, without taking them',
    options: [{ flags: '--limit <n>', description: 'at most this many', default: '10' }, modeOption],
    async run (c, [name], o) {
      out(await c.json('GET', `/v1/queues/${enc(name)}/peek`, { query: { limit: count('--limit', o.limit), mode: mode(o) } }))
    }
  },
  append: {
    path: ['append'],
    args: ['key', 'data'],
    description: 'append a record to the log KEY (HLC order on every node); DATA "-" reads stdin; prints its position',
    options: [ttlOption, { flags: '--replicas <n>', description: 'connected peers that must hold it before this returns (default 0)' }, formatOption(['json', 'value'])],
    help: '\nExamples:\n  meshkv append chat:7 \'{"role":"user","text":"hi"}\' --ttl 1d\n  pos=$(meshkv append events deployed --format value)',
    async run (c, [key, data], o) {
      const format = text(o.format) ?? 'json'
      checkFormat(format, ['json', 'value'])
      const replicas = text(o.replicas)
      if (replicas !== undefined && !/^(?:0|[1-9][0-9]{0,2})$/.test(replicas)) throw new UsageError(`--replicas must be a whole number of peers, got ${JSON.stringify(replicas)}`)
      const r = await c.json<{ position: string }>('POST', `/v1/logs/${enc(key)}/append`, { body: { data: await dataArg(data), ttl: ttl(o), replicas: replicas === undefined ? undefined : Number(replicas) } })
      if (format === 'value') process.stdout.write(r.position + '\n')
      else out(r)
    }
  },
  range: {
    path: ['range'],
    args: ['key'],
    description: 'records of the log KEY after --since (exclusive), in order; exit 1 when there are none',
    options: [
      { flags: '--since <position>', description: 'only records after this position (as append or range printed it)' },
      { flags: '--limit <n>', description: 'at most this many records', default: '1000' },
      formatOption(['json', 'value'])
    ],
    help: '\nFormats: json prints { key, records: [{ position, data }], next } (pass next as --since to read on);\nvalue prints each record\'s data on a line.\n\nExample:\n  meshkv range chat:7 --since "$last" --format value',
    async run (c: DaemonClient, [key], o) {
      const format = text(o.format) ?? 'json'
      checkFormat(format, ['json', 'value'])
      const r = await c.json<{ records: Array<{ data: string }> }>('GET', `/v1/logs/${enc(key)}`, { query: { since: text(o.since), limit: count('--limit', o.limit) } })
      if (format === 'value') for (const rec of r.records) process.stdout.write(rec.data.endsWith('\n') ? rec.data : rec.data + '\n')
      else out(r)
      if (r.records.length === 0) process.exitCode = EXIT.notFound
    }
  }
}
