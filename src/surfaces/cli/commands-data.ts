/**
 * Data commands: set, get, exists, del, list, watch, wait, status, peers.
 */
import type { Command } from 'commander'
import { UsageError } from '../shared/errors.js'
import { connect, remoteError, type DaemonClient, type Reply } from '../shared/client.js'
import { parseDuration } from '../shared/duration.js'

/** The client for the command's mesh (the global --mesh option). */
export async function clientFor (cmd: Command): Promise<DaemonClient> {
  return connect({ mesh: cmd.optsWithGlobals().mesh as string })
}

export const out = (value: unknown): void => { process.stdout.write(JSON.stringify(value) + '\n') }
export const keyPath = (key: string): string => encodeURIComponent(key)

async function readStdin (): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const c of process.stdin) chunks.push(c as Buffer)
  return Buffer.concat(chunks)
}

/** What get/wait print for an entry: JSON, or the bare value with `--format value`. */
function printEntry (key: string, r: Reply, format: string): void {
  if (format === 'value') {
    process.stdout.write(r.body)
    if (process.stdout.isTTY === true || !r.body.toString('utf8').endsWith('\n')) process.stdout.write('\n')
    return
  }
  const h = r.headers
  out({
    key,
    value: r.body.toString('utf8'),
    hlc: h['x-hlc'],
    created_at: h['x-created-at'],
    remaining_ttl: h['x-remaining-ttl'] === undefined ? null : Number(h['x-remaining-ttl']),
    origin: h['x-origin']
  })
}

const formatOption = (cmd: Command, formats: string[]): Command =>
  cmd.option('--format <format>', `output: ${formats.join(' | ')}`, formats[0])

function checkFormat (format: string, allowed: string[]): void {
  if (!allowed.includes(format)) throw new UsageError(`--format must be one of ${allowed.join(', ')}, got ${JSON.stringify(format)}`)
}

export function registerDataCommands (p: Command): void {
  p.command('set')
    .description('write a value (replicated to the mesh); VALUE "-" reads stdin')
    .argument('<key>').argument('<value>')
    .option('--ttl <duration>', 'time to live: 30s, 10m, 2h, seconds, or inf (default: the daemon\'s)')
    .option('--if-not-exists', 'refuse (exit 1) when the key already has a live value on this node')
    .addHelpText('after', '\nExamples:\n  meshkv set config:mode blue --ttl 1h\n  echo \'{"n":1}\' | meshkv set job:7 - --ttl 10m\n  meshkv set lockfile:x 1 --if-not-exists --ttl 30s')
    .action(async (key: string, value: string, opts: { ttl?: string, ifNotExists?: boolean }, cmd: Command) => {
      const ttl = opts.ttl === undefined ? undefined : parseDuration('--ttl', opts.ttl, true)
      if (ttl !== undefined && ttl !== Infinity && ttl % 1000 !== 0) throw new UsageError(`--ttl must be a whole number of seconds over the API, got ${opts.ttl}`)
      const body = value === '-' ? await readStdin() : Buffer.from(value, 'utf8')
      const c = await clientFor(cmd)
      const query = { ttl: ttl === undefined ? undefined : ttl === Infinity ? 'inf' : String(ttl / 1000), if_absent: opts.ifNotExists === true ? '1' : undefined }
      out(await c.json('PUT', `/v1/data/${keyPath(key)}`, { body, query }))
    })

  formatOption(p.command('get'), ['json', 'value'])
    .description('read a value from the local replica (exit 1 when absent)')
    .argument('<key>')
    .option('--default <value>', 'print this instead of failing when the key is absent')
    .addHelpText('after', '\nExamples:\n  meshkv get task:42\n  meshkv get task:42 --format value\n  mode=$(meshkv get config:mode --format value --default blue)')
    .action(async (key: string, opts: { format: string, default?: string }, cmd: Command) => {
      checkFormat(opts.format, ['json', 'value'])
      const c = await clientFor(cmd)
      const r = await c.request('GET', `/v1/data/${keyPath(key)}`)
      if (r.status === 404 && opts.default !== undefined) {
        if (opts.format === 'value') process.stdout.write(opts.default + '\n')
        else out({ key, value: opts.default, default: true })
        return
      }
      if (r.status !== 200) throw remoteError(r)
      printEntry(key, r, opts.format)
    })

  p.command('exists')
    .description('exit 0 when the key has a live value, 1 when not')
    .argument('<key>')
    .action(async (key: string, _opts: unknown, cmd: Command) => {
      const r = await (await clientFor(cmd)).request('HEAD', `/v1/data/${keyPath(key)}`)
      if (r.status !== 200 && r.status !== 404) throw remoteError(r)
      out({ key, exists: r.status === 200 })
      if (r.status === 404) process.exitCode = 1
    })

  p.command('del')
    .description('delete a key (a tombstone that replicates); exit 1 when it was already absent')
    .argument('<key>')
    .action(async (key: string, _opts: unknown, cmd: Command) => {
      const r = await (await clientFor(cmd)).request('DELETE', `/v1/data/${keyPath(key)}`)
      if (r.status !== 204 && r.status !== 404) throw remoteError(r)
      out({ key, deleted: r.status === 204 })
      if (r.status === 404) process.exitCode = 1
    })

  formatOption(p.command('list'), ['json', 'keys'])
    .description('list live keys in key order')
    .argument('[prefix]', 'only keys starting with this', '')
    .option('--limit <n>', 'at most this many keys')
    .addHelpText('after', '\nExamples:\n  meshkv list task:\n  meshkv list --format keys | wc -l')
    .action(async (prefix: string, opts: { format: string, limit?: string }, cmd: Command) => {
      checkFormat(opts.format, ['json', 'keys'])
      const limit = opts.limit === undefined ? Infinity : Number(opts.limit)
      if (!(limit === Infinity || (Number.isInteger(limit) && limit > 0))) throw new UsageError(`--limit must be a positive integer, got ${opts.limit}`)
      const c = await clientFor(cmd)
      const keys: string[] = []
      let cursor: string | undefined
      do {
        const page = await c.json<{ keys: string[], next_cursor?: string }>('GET', '/v1/keys', { query: { prefix, cursor, limit: limit === Infinity ? 1000 : Math.min(1000, limit - keys.length) } })
        keys.push(...page.keys)
        cursor = page.next_cursor
      } while (cursor !== undefined && keys.length < limit)
      if (opts.format === 'keys') for (const k of keys) process.stdout.write(k + '\n')
      else out({ keys })
    })

  p.command('watch')
    .description('print changes under a prefix as JSON lines until interrupted')
    .argument('[prefix]', 'only keys starting with this', '')
    .addHelpText('after', '\nExample:\n  meshkv watch job: | jq -c \'select(.type == "set")\'')
    .action(async (prefix: string, _opts: unknown, cmd: Command) => {
      const c = await clientFor(cmd)
      const ac = new AbortController()
      process.once('SIGINT', () => ac.abort())
      process.once('SIGTERM', () => ac.abort())
      await c.events('GET', '/v1/watch', (_event, data) => out(data), { query: { prefix }, signal: ac.signal })
    })

  formatOption(p.command('wait'), ['json', 'value'])
    .description('wait until a key has a live value, then print it (exit 1 on timeout)')
    .argument('<key>')
    .option('--timeout <duration>', 'give up after this long (default: wait forever)')
    .addHelpText('after', '\nExample:\n  meshkv wait build:done --timeout 5m --format value')
    .action(async (key: string, opts: { format: string, timeout?: string }, cmd: Command) => {
      checkFormat(opts.format, ['json', 'value'])
      const timeout = opts.timeout === undefined ? undefined : parseDuration('--timeout', opts.timeout)
      const r = await (await clientFor(cmd)).request('GET', `/v1/wait/${keyPath(key)}`, { query: { timeout } })
      if (r.status !== 200) throw remoteError(r)
      printEntry(key, r, opts.format)
    })

  p.command('status')
    .description('the daemon\'s mesh: name, peer id, addresses, peers, entries, sync state')
    .action(async (_opts: unknown, cmd: Command) => { out(await (await clientFor(cmd)).json('GET', '/v1/status')) })

  p.command('peers')
    .description('connected peers in the mesh')
    .action(async (_opts: unknown, cmd: Command) => { out(await (await clientFor(cmd)).json('GET', '/v1/peers')) })
}
