/**
 * The hot commands (`set`, `get`, `exists`, `del`, `lock acquire`, `lock release`), declared once as
 * data: their arguments, options, help and action. The commander program registers them from
 * here (commands-data.ts, commands-coordination.ts) and the fast path (fast.ts) parses them from
 * here, so both run the same action with the same options. This module loads neither commander
 * nor anything beyond src/surfaces/shared (test/surfaces/cli/fast.test.ts checks).
 */
import type { DaemonClient } from '../shared/client.js'
import { remoteError } from '../shared/client.js'
import { durationOption as ms } from '../shared/duration.js'
import { RemoteError, UsageError } from '../shared/errors.js'
import { out, printEntry } from '../shared/output.js'
import { readStdin } from '../shared/stdin.js'
import { defaultOwner } from './owner.js'

/** Parsed options as commander gives them: camelCase names, `true` for a flag, strings for values. */
export type HotOpts = Readonly<Record<string, string | true | undefined>>

export interface HotOption {
  /** commander's flags: `--ttl <duration>` takes a value, `--if-not-exists` is a flag */
  flags: string
  description: string
  default?: string
}

export interface HotCommand {
  /** the command's words: `['get']`, `['lock', 'acquire']` */
  path: readonly string[]
  /** names of its required arguments, in order */
  args: readonly string[]
  /** the last argument takes one or more words (`sadd KEY MEMBER…`) */
  variadic?: true
  description: string
  options: readonly HotOption[]
  help?: string
  run: (client: DaemonClient, args: readonly string[], opts: HotOpts) => Promise<void>
}

const text = (v: string | true | undefined): string | undefined => typeof v === 'string' ? v : undefined
const keyPath = (key: string): string => encodeURIComponent(key)

export function checkFormat (format: string, allowed: readonly string[]): void {
  if (!allowed.includes(format)) throw new UsageError(`--format must be one of ${allowed.join(', ')}, got ${JSON.stringify(format)}`)
}

const ownerOption: HotOption = { flags: '--owner <id>', description: 'who holds it' }
const modeOption: HotOption = { flags: '--mode <mode>', description: 'gossip (checked on this node, the default) or quorum (linearizable, through the quorum members)' }

/** `--mode` as given (gossip or quorum), checked here so a mistake reads as the option's. */
export function mode (o: HotOpts): string | undefined {
  const m = text(o.mode)
  if (m !== undefined && m !== 'gossip' && m !== 'quorum') throw new UsageError(`--mode must be gossip or quorum, got ${JSON.stringify(m)}`)
  return m
}

const replicasOption: HotOption = { flags: '--replicas <n>', description: 'connected peers that must confirm the write before it returns (default 1, or fewer when fewer are connected; 0: this node only)' }

/** `--replicas` as the API's query parameter (digits, checked here so a mistake reads as the option's). */
function replicas (o: HotOpts): string | undefined {
  const n = text(o.replicas)
  if (n !== undefined && !/^(?:0|[1-9][0-9]{0,5})$/.test(n)) throw new UsageError(`--replicas must be a whole number of peers, got ${JSON.stringify(n)}`)
  return n
}

/** The write is applied on this node, but fewer peers than asked confirmed it in time (HTTP 202): exit 3. */
function unconfirmed (confirmed: number, what: string): RemoteError {
  return new RemoteError(504, { name: 'ReplicationTimeoutError', error: `${what} on this node, but only ${confirmed} peer${confirmed === 1 ? '' : 's'} confirmed it in time; it keeps replicating` })
}

export const HOT: Readonly<Record<'set' | 'get' | 'exists' | 'del' | 'lockAcquire' | 'lockRelease', HotCommand>> = {
  set: {
    path: ['set'],
    args: ['key', 'value'],
    description: 'write a value (replicated to the mesh); VALUE "-" reads stdin',
    options: [
      { flags: '--ttl <duration>', description: 'time to live: 30s, 10m, 2h, seconds, or inf (default: the daemon\'s)' },
      { flags: '--if-not-exists', description: 'refuse (exit 1, ConditionFailedError) when the key already has a live value (on this node; with --mode quorum, atomically)' },
      { flags: '--if-value <value>', description: 'write only when the key holds exactly this value (exit 1 otherwise; --mode quorum: a compare-and-set)' },
      modeOption,
      replicasOption
    ],
    help: '\nExamples:\n  meshkv set config:mode blue --ttl 1h\n  echo \'{"n":1}\' | meshkv set job:7 - --ttl 10m\n  meshkv set lockfile:x 1 --if-not-exists --ttl 30s\n  meshkv set deploy:state running --if-value idle --mode quorum',
    async run (c, [key, value], o) {
      const ttl = ms('--ttl', o.ttl, true)
      if (ttl !== undefined && ttl !== Infinity && ttl % 1000 !== 0) throw new UsageError(`--ttl must be a whole number of seconds over the API, got ${text(o.ttl)}`)
      const body = value === '-' ? await readStdin() : Buffer.from(value, 'utf8')
      const query = { ttl: ttl === undefined ? undefined : ttl === Infinity ? 'inf' : String(ttl / 1000), if_absent: o.ifNotExists === true ? '1' : undefined, if_value: text(o.ifValue), mode: mode(o), replicas: replicas(o) }
      const r = await c.request('PUT', `/v1/data/${keyPath(key)}`, { body, query })
      if (r.status !== 201 && r.status !== 202) throw remoteError(r)
      const written = JSON.parse(r.body.toString('utf8')) as { replicas: number }
      out(written)
      if (r.status === 202) throw unconfirmed(written.replicas, 'written')
    }
  },
  get: {
    path: ['get'],
    args: ['key'],
    description: 'read a value from the local replica (exit 1 when absent)',
    options: [
      { flags: '--format <format>', description: 'output: json | value', default: 'json' },
      { flags: '--default <value>', description: 'print this instead of failing when the key is absent' }
    ],
    help: '\nExamples:\n  meshkv get task:42\n  meshkv get task:42 --format value\n  mode=$(meshkv get config:mode --format value --default blue)',
    async run (c, [key], o) {
      const format = text(o.format) ?? 'json'
      checkFormat(format, ['json', 'value'])
      const r = await c.request('GET', `/v1/data/${keyPath(key)}`)
      const fallback = text(o.default)
      if (r.status === 404 && fallback !== undefined) {
        if (format === 'value') process.stdout.write(fallback + '\n')
        else out({ key, value: fallback, default: true })
        return
      }
      if (r.status !== 200) throw remoteError(r)
      printEntry(key, r, format)
    }
  },
  exists: {
    path: ['exists'],
    args: ['key'],
    description: 'exit 0 when the key has a live value, 1 when not',
    options: [],
    async run (c, [key]) {
      const r = await c.request('HEAD', `/v1/data/${keyPath(key)}`)
      if (r.status !== 200 && r.status !== 404) throw remoteError(r)
      out({ key, exists: r.status === 200 })
      if (r.status === 404) process.exitCode = 1
    }
  },
  del: {
    path: ['del'],
    args: ['key'],
    description: 'delete a key (a tombstone that replicates); exit 1 when it was already absent, or did not hold --if-value',
    options: [{ flags: '--if-value <value>', description: 'delete only when the key holds exactly this value (exit 1 otherwise; --mode quorum: a compare-and-set)' }, modeOption, replicasOption],
    async run (c, [key], o) {
      const r = await c.request('DELETE', `/v1/data/${keyPath(key)}`, { query: { replicas: replicas(o), if_value: text(o.ifValue), mode: mode(o) } })
      if (r.status !== 204 && r.status !== 202 && r.status !== 404) throw remoteError(r)
      out({ key, deleted: r.status !== 404 })
      if (r.status === 404) process.exitCode = 1
      if (r.status === 202) throw unconfirmed((JSON.parse(r.body.toString('utf8')) as { replicas: number }).replicas, 'deleted')
    }
  },
  lockAcquire: {
    path: ['lock', 'acquire'],
    args: ['name'],
    description: 'take the lock; prints its fencing token',
    options: [
      { flags: '--ttl <duration>', description: 'lease duration', default: '30s' },
      ownerOption,
      { flags: '--wait <duration>', description: 'keep trying this long while another owner holds it (waiters get it in arrival order)' }
    ],
    async run (c, [name], o) {
      out(await c.json('POST', `/v1/locks/${keyPath(name)}/acquire`, { body: { ttl: ms('--ttl', o.ttl), owner: text(o.owner) ?? defaultOwner(), wait: ms('--wait', o.wait, true) } }))
    }
  },
  lockRelease: {
    path: ['lock', 'release'],
    args: ['name'],
    description: 'release the lock (holder only): every claim the owner has on it',
    options: [ownerOption],
    async run (c, [name], o) {
      out(await c.json('POST', `/v1/locks/${keyPath(name)}/release`, { body: { owner: text(o.owner) ?? defaultOwner() } }))
    }
  }
}

/** The long option name of commander flags: `--ttl <duration>` → `ttl`. */
export const longName = (flags: string): string => flags.split(' ')[0].slice(2)
/** commander's attribute name for an option: `if-not-exists` → `ifNotExists`. */
export const attributeName = (name: string): string => name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())
/** Whether the option takes a value (`<...>`), or is a flag. */
export const takesValue = (flags: string): boolean => flags.includes('<')
