/**
 * Data commands: set, get, exists, del, list, watch, wait, status, peers; counters and sets (hot-types.ts).
 */
import type { Command } from 'commander'
import { UsageError } from '../shared/errors.js'
import { daemonClient, remoteError, type DaemonClient } from '../shared/client.js'
import { durationOption } from '../shared/duration.js'
import { out, printEntry } from '../shared/output.js'
import { checkFormat, HOT, type HotCommand, type HotOpts } from './hot.js'
import { HOT_TYPES } from './hot-types.js'

/** The client for the command's mesh (the global --mesh option); it starts a daemon if none answers. */
export function clientFor (cmd: Command): DaemonClient {
  return daemonClient({ mesh: cmd.optsWithGlobals().mesh as string })
}

export const keyPath = (key: string): string => encodeURIComponent(key)

/** Registers a hot command (hot.ts) under `parent`: the same action the fast path runs. */
export function addHot (parent: Command, spec: HotCommand): Command {
  const cmd = parent.command(spec.path[spec.path.length - 1]).description(spec.description)
  spec.args.forEach((a, i) => cmd.argument(spec.variadic === true && i === spec.args.length - 1 ? `<${a}...>` : `<${a}>`))
  for (const o of spec.options) cmd.option(o.flags, o.description, o.default)
  if (spec.help !== undefined) cmd.addHelpText('after', spec.help)
  return cmd.action(async (...params: unknown[]) => {
    const command = params[params.length - 1] as Command
    // a variadic last argument comes as an array: its words follow the others
    await spec.run(clientFor(command), (params.slice(0, spec.args.length) as Array<string | string[]>).flat(), command.opts<HotOpts>())
  })
}

const formatOption = (cmd: Command, formats: string[]): Command =>
  cmd.option('--format <format>', `output: ${formats.join(' | ')}`, formats[0])

export function registerDataCommands (p: Command): void {
  for (const spec of [HOT.set, HOT.get, HOT.exists, HOT.del]) addHot(p, spec)
  for (const spec of Object.values(HOT_TYPES)) addHot(p, spec)

  formatOption(p.command('list'), ['json', 'keys'])
    .description('list live keys in key order')
    .argument('[prefix]', 'only keys starting with this', '')
    .option('--limit <n>', 'at most this many keys')
    .addHelpText('after', '\nExamples:\n  meshkv list task:\n  meshkv list --format keys | wc -l')
    .action(async (prefix: string, opts: { format: string, limit?: string }, cmd: Command) => {
      checkFormat(opts.format, ['json', 'keys'])
      const limit = opts.limit === undefined ? Infinity : Number(opts.limit)
      if (!(limit === Infinity || (Number.isInteger(limit) && limit > 0))) throw new UsageError(`--limit must be a positive integer, got ${opts.limit}`)
      const c = clientFor(cmd)
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
      const c = clientFor(cmd)
      const ac = new AbortController()
      process.once('SIGINT', () => ac.abort())
      process.once('SIGTERM', () => ac.abort())
      // an `error` event (this reader fell too far behind: WatchOverflowError; the daemon stops) throws
      await c.events('GET', '/v1/watch', (_event, data) => { out(data) }, { query: { prefix }, signal: ac.signal })
    })

  formatOption(p.command('wait'), ['json', 'value'])
    .description('wait until a key has a live value, then print it (exit 1 on timeout)')
    .argument('<key>')
    .option('--timeout <duration>', 'give up after this long (default: wait forever)')
    .addHelpText('after', '\nExample:\n  meshkv wait build:done --timeout 5m --format value')
    .action(async (key: string, opts: { format: string, timeout?: string }, cmd: Command) => {
      checkFormat(opts.format, ['json', 'value'])
      const timeout = durationOption('--timeout', opts.timeout)
      const r = await clientFor(cmd).request('GET', `/v1/wait/${keyPath(key)}`, { query: { timeout } })
      if (r.status !== 200) throw remoteError(r)
      printEntry(key, r, opts.format)
    })

  p.command('status')
    .description('the daemon\'s mesh: name, peer id, addresses, peers, entries, sync state')
    .action(async (_opts: unknown, cmd: Command) => { out(await clientFor(cmd).json('GET', '/v1/status')) })

  p.command('peers')
    .description('connected peers in the mesh')
    .action(async (_opts: unknown, cmd: Command) => { out(await clientFor(cmd).json('GET', '/v1/peers')) })
}
