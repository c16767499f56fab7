/**
 * The CLI's fast path: bin/meshkv.js tries it before loading the commander program. It reads the
 * hot commands' argv by hand (the grammar of hot.ts) and sends one request to the daemon's socket,
 * so a `meshkv get` costs about a bare Node start. Anything it does not recognise at once (help,
 * an unknown or repeated option, a missing or extra argument, `--`, a value that starts with `-`)
 * it leaves to the full program, which then answers (and reports errors) as it always does.
 */
import { daemonClient } from '../shared/client.js'
import { fail } from '../shared/output.js'
import { attributeName, HOT, longName, takesValue, type HotCommand } from './hot.js'
import { HOT_TYPES } from './hot-types.js'
import { HOT_QUEUES } from './hot-queues.js'

export interface FastCall {
  command: HotCommand
  mesh: string | undefined
  args: string[]
  opts: Record<string, string | true | undefined>
}

const GLOBAL_MESH = 'mesh'

/** The hot command `argv` (without node and the script) calls, or undefined to leave it to the full program. */
export function parseFast (argv: readonly string[]): FastCall | undefined {
  for (const command of [...Object.values(HOT), ...Object.values(HOT_TYPES), ...Object.values(HOT_QUEUES)]) {
    const call = resolve(command, argv)
    if (call !== undefined) return call
  }
  return undefined
}

/** `argv` as a call of `command` (commander's grammar, the unambiguous part of it), or undefined. */
function resolve (command: HotCommand, argv: readonly string[]): FastCall | undefined {
  const valued = new Set<string>([GLOBAL_MESH])
  const flags = new Set<string>()
  for (const o of command.options) (takesValue(o.flags) ? valued : flags).add(longName(o.flags))
  const words: string[] = []
  const seen = new Map<string, string | true>()
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (!a.startsWith('-') || a === '-') { words.push(a); continue }
    if (!a.startsWith('--') || a === '--') return undefined
    const eq = a.indexOf('=')
    const name = eq < 0 ? a.slice(2) : a.slice(2, eq)
    if (seen.has(name)) return undefined
    if (flags.has(name)) {
      if (eq >= 0) return undefined
      seen.set(name, true)
    } else if (valued.has(name)) {
      const value = eq >= 0 ? a.slice(eq + 1) : argv[++i]
      if (value === undefined || (eq < 0 && value.startsWith('-'))) return undefined
      seen.set(name, value)
    } else {
      return undefined
    }
  }
  const arity = command.path.length + command.args.length
  if (command.variadic === true ? words.length < arity : words.length !== arity) return undefined
  if (!command.path.every((w, i) => words[i] === w)) return undefined
  const opts: Record<string, string | true | undefined> = {}
  for (const o of command.options) {
    const name = longName(o.flags)
    opts[attributeName(name)] = seen.get(name) ?? o.default
  }
  return { command, mesh: seen.get(GLOBAL_MESH) as string | undefined, args: words.slice(command.path.length), opts }
}

/**
 * Runs `argv` if it is a hot command, printing as the full program would; false when it is not
 * (nothing was done: the caller runs the full program).
 */
export async function runFast (argv: readonly string[]): Promise<boolean> {
  const call = parseFast(argv)
  if (call === undefined) return false
  try {
    await call.command.run(daemonClient({ mesh: call.mesh }), call.args, call.opts)
  } catch (err) {
    fail(err)
  }
  return true
}
