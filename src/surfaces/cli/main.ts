/**
 * The `meshkv` command line. Every data command talks to the local daemon over its Unix socket
 * (starting one in the background when none runs). Output is JSON on stdout; errors, argument
 * errors included, are JSON on stderr `{ "error", "name", "hint", "exitCode" }`. Exit codes: 0 ok,
 * 1 not found or false, 2 invalid arguments, 3 other error, 4 lock unavailable or election lost.
 */
import { readFileSync } from 'node:fs'
import { Command, CommanderError, Option } from 'commander'
import { EXIT, UsageError } from '../shared/errors.js'
import { fail } from '../shared/output.js'
import { registerDataCommands } from './commands-data.js'
import { registerCoordinationCommands } from './commands-coordination.js'
import { registerDaemonCommands } from './commands-daemon.js'
import { registerQueueCommands } from './commands-queues.js'

export function program (): Command {
  const p = new Command('meshkv')
    .description('A shared, self-forgetting memory for agents: a key-value mesh with TTLs, locks and leaders, no server.')
    .addOption(new Option('--mesh <name>', 'mesh name (one daemon per name)').env('MESHKV_NAME').default('default'))
    .version(packageVersion(), '-V, --version', 'print meshkv\'s version')
    // commander's own messages are turned into JSON errors (main); help asked for goes to stdout
    .configureOutput({ outputError: () => {}, writeErr: () => {} })
    .addHelpText('after', `
Examples:
  meshkv set task:42 '{"state":"running"}' --ttl 10m
  meshkv get task:42 --format value
  meshkv lock acquire deploy:prod --ttl 30s --wait 1m || echo "busy"
  meshkv inc ci:passed; meshkv sadd webhooks:seen "$ID" --ttl 1d || echo "duplicate"
  meshkv watch task: | jq .
  meshkv queue pop reviews --visibility-timeout 5m || echo "empty"
  meshkv append chat:7 "hello" && meshkv range chat:7 --format value

Exit codes: 0 ok, 1 not found or false, 2 invalid arguments, 3 other error, 4 lock unavailable or election lost.
The first command starts a daemon in the background (said once on stderr); see \`meshkv daemon --help\`.`)
  registerDataCommands(p)
  registerCoordinationCommands(p)
  registerQueueCommands(p)
  registerDaemonCommands(p)
  forEachCommand(p, cmd => cmd.exitOverride(err => { throw Object.assign(err, { command: cmd }) }))
  return p
}

function forEachCommand (cmd: Command, fn: (cmd: Command) => void): void {
  fn(cmd)
  for (const sub of cmd.commands) forEachCommand(sub, fn)
}

/** The command's words after `meshkv`: `lock acquire`. */
function pathOf (cmd: Command | undefined): string {
  const words: string[] = []
  for (let c = cmd; c?.parent != null; c = c.parent) words.unshift(c.name())
  return words.join(' ')
}

/** This package's version, from the package.json above this module (src/ or dist/src/). */
function packageVersion (): string {
  for (const up of ['../../../', '../../../../']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(`${up}package.json`, import.meta.url), 'utf8')) as { name?: string, version?: string }
      if (pkg.name === 'meshkv' && pkg.version !== undefined) return pkg.version
    } catch {}
  }
  return 'unknown'
}

/**
 * A usage mistake commander found, as a JSON error: its one-line message, and a hint naming the
 * help of the command it was about. A group without its subcommand (`meshkv lock`) is one too.
 */
function usageError (err: CommanderError & { command?: Command }): UsageError {
  const path = pathOf(err.command)
  const help = `\`meshkv ${path === '' ? '' : path + ' '}--help\``
  if (err.code === 'commander.help' || err.code === 'commander.executeSubCommandAsync') {
    const subs = err.command?.commands.map(c => c.name()).filter(n => n !== 'help') ?? []
    return new UsageError(`${path === '' ? 'meshkv' : path} needs a command: ${subs.join(', ')}`, { hint: `see ${help}` })
  }
  const message = err.message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ').trim()
  const hint = err.code === 'commander.unknownCommand' ? `see ${help} for the commands` : `see ${help} for its arguments and options`
  return new UsageError(message, { hint })
}

export async function main (argv = process.argv): Promise<void> {
  try {
    await program().parseAsync(argv)
  } catch (err) {
    if (err instanceof CommanderError && err.exitCode === 0) {
      // --help and --version: printed on stdout
      process.exitCode = EXIT.ok
      return
    }
    fail(err instanceof CommanderError ? usageError(err) : err)
  }
}
