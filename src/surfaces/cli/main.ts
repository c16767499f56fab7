/**
 * The `meshkv` command line. Every data command talks to the local daemon over its Unix socket
 * (starting one in the background when none runs). Output is JSON on stdout; errors are JSON on
 * stderr `{ "error", "hint", "exitCode" }`. Exit codes: 0 ok, 1 not found or false, 2 invalid
 * arguments, 3 other error, 4 lock unavailable or election lost.
 */
import { Command, CommanderError, Option } from 'commander'
import { EXIT } from '../shared/errors.js'
import { fail } from '../shared/output.js'
import { registerDataCommands } from './commands-data.js'
import { registerCoordinationCommands } from './commands-coordination.js'
import { registerDaemonCommands } from './commands-daemon.js'

export function program (): Command {
  const p = new Command('meshkv')
    .description('A shared, self-forgetting memory for agents: a key-value mesh with TTLs, locks and leaders, no server.')
    .addOption(new Option('--mesh <name>', 'mesh name (one daemon per name)').env('MESHKV_NAME').default('default'))
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ outputError: (str, write) => write(str) })
    .addHelpText('after', `
Examples:
  meshkv set task:42 '{"state":"running"}' --ttl 10m
  meshkv get task:42 --format value
  meshkv lock acquire deploy:prod --ttl 30s --wait 1m || echo "busy"
  meshkv watch task: | jq .

Exit codes: 0 ok, 1 not found or false, 2 invalid arguments, 3 other error, 4 lock unavailable or election lost.
The first command starts a daemon in the background (said once on stderr); see \`meshkv daemon --help\`.`)
  registerDataCommands(p)
  registerCoordinationCommands(p)
  registerDaemonCommands(p)
  return p
}

export async function main (argv = process.argv): Promise<void> {
  try {
    await program().parseAsync(argv)
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit 0; usage mistakes exit 2 (commander has printed why)
      process.exitCode = err.exitCode === 0 ? EXIT.ok : EXIT.usage
      return
    }
    fail(err)
  }
}
