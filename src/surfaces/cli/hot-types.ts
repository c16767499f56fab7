/**
 * The data-type commands, named as kvstore's so its scripts port line by line: counters (`inc`,
 * `dec`, `get-counter`) and sets (`sadd`, `srem`, `smembers`, `sismember`, `scard`). Declared as
 * hot commands (hot.ts), so the fast path runs them too. Exit codes: `sadd` 1 when every member
 * was already there, `srem` 1 when none was, `sismember` 1 when not a member, `dec --min` 1 when
 * refused (CounterBoundError).
 */
import { durationOption } from '../shared/duration.js'
import { UsageError } from '../shared/errors.js'
import { out } from '../shared/output.js'
import { checkFormat, mode, type HotCommand, type HotOption, type HotOpts } from './hot.js'

const text = (v: string | true | undefined): string | undefined => typeof v === 'string' ? v : undefined
const enc = encodeURIComponent

const formatOption: HotOption = { flags: '--format <format>', description: 'output: json | value', default: 'json' }
const modeOption: HotOption = { flags: '--mode <mode>', description: 'gossip (this node\'s view, always available) or quorum (exact, a majority of the quorum members)' }
const ttlOption = (what: string): HotOption => ({ flags: '--ttl <duration>', description: `time to live of ${what}: 30s, 10m, 2h, seconds, or inf (default: the daemon's)` })

/** An integer option (`--by`, `--min`), checked here so a mistake reads as the option's. */
function integer (name: string, v: string | true | undefined): number | undefined {
  const s = text(v)
  if (s === undefined) return undefined
  const n = Number(s)
  if (!/^-?[0-9]+$/.test(s) || !Number.isSafeInteger(n)) throw new UsageError(`${name} must be a whole number, got ${JSON.stringify(s)}`)
  return n
}

/** A TTL for a JSON body: milliseconds, or "inf". */
function ttl (o: HotOpts): number | 'inf' | undefined {
  const t = durationOption('--ttl', o.ttl, true)
  return t === Infinity ? 'inf' : t
}

function format (o: HotOpts): string {
  const f = text(o.format) ?? 'json'
  checkFormat(f, ['json', 'value'])
  return f
}

/**
 * Makes one daemon call (after checking --format) and prints its `field` as
 * `{ key, ...extra, <field>: value }`, or with --format value the value alone; returns the value.
 */
async function show<F extends string, T extends number | boolean> (o: HotOpts, key: string, field: F, call: () => Promise<Record<F, T>>, extra: Record<string, string> = {}): Promise<T> {
  const f = format(o)
  const value = (await call())[field]
  if (f === 'value') process.stdout.write(String(value) + '\n')
  else out({ key, ...extra, [field]: value })
  return value
}

const counterHelp = (cmd: string): string => `\nExamples:\n  meshkv ${cmd}`

export const HOT_TYPES: Readonly<Record<'inc' | 'dec' | 'getCounter' | 'sadd' | 'srem' | 'smembers' | 'sismember' | 'scard', HotCommand>> = {
  inc: {
    path: ['inc'],
    args: ['key'],
    description: 'add to a counter (default 1); prints its value after: this node\'s view (gossip) or exact (--mode quorum: unique ids)',
    options: [{ flags: '--by <n>', description: 'how much to add (a whole number, either sign)' }, ttlOption('the whole counter, refreshed by every update'), modeOption, formatOption],
    help: counterHelp('inc ci:passed\n  id=$(meshkv inc request-id --mode quorum --format value)\n  meshkv inc rate:api --ttl 60s --format value'),
    async run (c, [key], o) {
      await show(o, key, 'value', async () => c.json<{ value: number }>('POST', `/v1/counters/${enc(key)}/inc`, { body: { by: integer('--by', o.by), ttl: ttl(o), mode: mode(o) } }))
    }
  },
  dec: {
    path: ['dec'],
    args: ['key'],
    description: 'subtract from a counter (default 1); with --min (quorum mode) exit 1 instead of going below it',
    options: [{ flags: '--by <n>', description: 'how much to subtract' }, { flags: '--min <n>', description: 'refuse (exit 1, CounterBoundError, counter unchanged) to go below this; needs --mode quorum' }, ttlOption('the whole counter, refreshed by every update'), modeOption, formatOption],
    help: counterHelp('dec stock:widgets\n  meshkv dec tokens:api --min 0 --mode quorum || echo "rate limited"'),
    async run (c, [key], o) {
      await show(o, key, 'value', async () => c.json<{ value: number }>('POST', `/v1/counters/${enc(key)}/dec`, { body: { by: integer('--by', o.by), min: integer('--min', o.min), ttl: ttl(o), mode: mode(o) } }))
    }
  },
  getCounter: {
    path: ['get-counter'],
    args: ['key'],
    description: 'a counter\'s value (0 when absent)',
    options: [modeOption, formatOption],
    help: counterHelp('get-counter ci:passed --format value'),
    async run (c, [key], o) {
      await show(o, key, 'value', async () => c.json<{ value: number }>('GET', `/v1/counters/${enc(key)}`, { query: { mode: mode(o) } }))
    }
  },
  sadd: {
    path: ['sadd'],
    args: ['key', 'members'],
    variadic: true,
    description: 'add members to a set (refreshing their TTL); exit 0 when at least one was new, 1 when all were there (this node\'s view, exact with --mode quorum)',
    options: [ttlOption('each member added'), modeOption, formatOption],
    help: '\nExamples:\n  meshkv sadd webhooks:seen "$DELIVERY_ID" --ttl 1d && handle_webhook\n  meshkv sadd votes:tx42 "$AGENT" --mode quorum',
    async run (c, [key, ...members], o) {
      const added = await show(o, key, 'added', async () => c.json<{ added: number }>('POST', `/v1/sets/${enc(key)}/add`, { body: { members, ttl: ttl(o), mode: mode(o) } }))
      if (added === 0) process.exitCode = 1
    }
  },
  srem: {
    path: ['srem'],
    args: ['key', 'members'],
    variadic: true,
    description: 'remove members from a set; exit 1 when none was there',
    options: [modeOption, formatOption],
    help: '\nExample:\n  meshkv srem workers:busy "$WORKER"',
    async run (c, [key, ...members], o) {
      const removed = await show(o, key, 'removed', async () => c.json<{ removed: number }>('POST', `/v1/sets/${enc(key)}/remove`, { body: { members, mode: mode(o) } }))
      if (removed === 0) process.exitCode = 1
    }
  },
  smembers: {
    path: ['smembers'],
    args: ['key'],
    description: 'a set\'s members, sorted (--format value: one per line)',
    options: [modeOption, formatOption],
    help: '\nExample:\n  meshkv smembers votes:tx42 --format value | sort',
    async run (c, [key], o) {
      const f = format(o)
      const r = await c.json<{ members: string[] }>('GET', `/v1/sets/${enc(key)}`, { query: { mode: mode(o) } })
      if (f === 'value') process.stdout.write(r.members.map(m => m + '\n').join(''))
      else out({ key, members: r.members })
    }
  },
  sismember: {
    path: ['sismember'],
    args: ['key', 'member'],
    description: 'exit 0 when the member is in the set, 1 when not',
    options: [modeOption, formatOption],
    help: '\nExample:\n  meshkv sismember webhooks:seen "$ID" && echo duplicate',
    async run (c, [key, member], o) {
      const isMember = await show(o, key, 'is_member', async () => c.json<{ is_member: boolean }>('GET', `/v1/sets/${enc(key)}/members/${enc(member)}`, { query: { mode: mode(o) } }), { member })
      if (!isMember) process.exitCode = 1
    }
  },
  scard: {
    path: ['scard'],
    args: ['key'],
    description: 'how many members a set has',
    options: [modeOption, formatOption],
    help: '\nExample:\n  [ "$(meshkv scard votes:tx42 --mode quorum --format value)" -ge 3 ] && commit',
    async run (c, [key], o) {
      await show(o, key, 'size', async () => c.json<{ size: number }>('GET', `/v1/sets/${enc(key)}/size`, { query: { mode: mode(o) } }))
    }
  }
}
