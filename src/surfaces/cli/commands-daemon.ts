/**
 * `meshkv daemon [run|start|stop|status]` and `meshkv mcp`.
 */
import { existsSync, readFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { Option, type Command } from 'commander'
import { EXIT } from '../shared/errors.js'
import { connect, DaemonClient } from '../shared/client.js'
import { out } from '../shared/output.js'
import type { DaemonSettings } from './daemon.js'
import { DAEMON_OPTIONS, daemonArgs } from './daemon-options.js'
import { daemonPaths } from '../shared/paths.js'

const meshOf = (cmd: Command): string => cmd.optsWithGlobals().mesh as string

/** Longest `daemon stop` waits: the daemon first hands undelivered writes to its peers. */
const STOP_LIMIT_MS = 30_000

function pidOf (file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8'))
    return Number.isInteger(pid) && pid > 0 ? pid : undefined
  } catch {
    return undefined
  }
}

/** Whether process `pid` runs (a zombie counts as gone); unknown pids count as running. */
function alive (pid: number | undefined): boolean {
  if (pid === undefined) return true
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z'
  } catch {
    return true
  }
}

/** Registers every daemon option (daemon-options.ts): `daemon run` and `daemon start` take the same ones. */
function withDaemonOptions (cmd: Command): Command {
  for (const o of DAEMON_OPTIONS) cmd.addOption(new Option(o.flags, o.description))
  return cmd
}

function settingsOf (opts: Record<string, unknown>, mesh: string): DaemonSettings {
  const s: DaemonSettings = { ...(opts as DaemonSettings), name: mesh }
  // commander's --no-mdns sets mdns: true by default; only pass an explicit false
  if (opts.mdns === true) delete s.mdns
  return s
}

export function registerDaemonCommands (p: Command): void {
  const daemon = p.command('daemon').description('the local node that serves the CLI (and HTTP, MCP)')
    .addHelpText('after', `
Examples:
  meshkv daemon run --http 127.0.0.1:7420          # foreground; REPRAM clients can use port 7420
  meshkv daemon start --bootstrap /ip4/10.0.0.5/tcp/4001/p2p/12D3Koo...
  meshkv daemon status && meshkv daemon stop

\`daemon run\` and \`daemon start\` take the same options (\`meshkv daemon start --help\` lists them).
Every option is also an environment variable MESHKV_<NAME> (e.g. MESHKV_SYNC_INTERVAL=2s) and a key
of the --config JSON file (camelCase: {"syncInterval": "2s"}); flags win over the environment, which
wins over the file. The socket, pid file and log live in $MESHKV_RUNTIME_DIR, else
$XDG_RUNTIME_DIR/meshkv, else ~/.meshkv/run. The identity (an Ed25519 key, mode 0600, so the peer
id survives restarts) lives in the state directory: --state-dir, else $XDG_STATE_HOME/meshkv/<mesh>,
else ~/.meshkv/state/<mesh>. Two daemons of one mesh on one host need two state directories.
The daemon is durable: its keys, tombstones, clock and lock grants live in the data directory
(--data-dir, default the state directory) and come back after a restart or a crash; a set returns
once it is on disk. --in-memory keeps nothing but the identity. --max-ttl defaults to 7d.`)
  withDaemonOptions(daemon.command('run', { isDefault: true }).description('run a daemon in the foreground until SIGINT/SIGTERM'))
    .action(async (opts: Record<string, unknown>, cmd: Command) => {
      // loaded here only: the other commands must not pay for libp2p's start-up
      const { runDaemon } = await import('./daemon.js')
      await runDaemon(settingsOf(opts, meshOf(cmd)))
    })
  withDaemonOptions(daemon.command('start').description('start a daemon in the background with these options (if none runs)'))
    .action(async (opts: Record<string, unknown>, cmd: Command) => {
      const mesh = meshOf(cmd)
      const args = daemonArgs(opts)
      const running = new DaemonClient(daemonPaths(mesh).socket)
      if (await running.healthy()) {
        if (args.length > 0) process.stderr.write(`meshkv: a daemon for mesh ${mesh} already runs; the options given (${args.join(' ')}) are not applied: \`meshkv daemon stop\` it first\n`)
        out({ ...(await running.json('GET', '/v1/health')), started: false })
        return
      }
      const c = await connect({ mesh, daemonArgs: args })
      out({ ...(await c.json('GET', '/v1/health')), started: true })
    })
  daemon.command('stop').description('stop the daemon (flushes gossip, leaves the mesh)')
    .action(async (_opts: unknown, cmd: Command) => {
      const paths = daemonPaths(meshOf(cmd))
      const c = new DaemonClient(paths.socket)
      if (!(await c.healthy())) {
        out({ running: false })
        process.exitCode = EXIT.notFound
        return
      }
      const pid = pidOf(paths.pid)
      await c.json('POST', '/v1/shutdown')
      // stopped: the daemon removes its pid file as its last step (or its process is gone)
      const deadline = Date.now() + STOP_LIMIT_MS
      while (existsSync(paths.pid) && alive(pid)) {
        if (Date.now() > deadline) throw new Error(`the daemon on ${paths.socket} (pid ${pid ?? '?'}) did not stop within ${STOP_LIMIT_MS / 1000} s; see ${paths.log}`)
        await sleep(20)
      }
      out({ running: false, stopped: true })
    })
  daemon.command('status').description('is a daemon running; exit 1 when not')
    .action(async (_opts: unknown, cmd: Command) => {
      const paths = daemonPaths(meshOf(cmd))
      const c = new DaemonClient(paths.socket)
      if (!(await c.healthy())) {
        out({ running: false, socket: paths.socket })
        process.exitCode = EXIT.notFound
        return
      }
      out({ running: true, pid: pidOf(paths.pid), socket: paths.socket, ...(await c.json('GET', '/v1/status')) })
    })

  p.command('mcp').description('an MCP server on stdio, attached to the local daemon (started if need be)')
    .addHelpText('after', '\nAdd to an MCP client\'s config:\n  { "mcpServers": { "meshkv": { "command": "npx", "args": ["meshkv", "mcp"] } } }')
    .action(async (_opts: unknown, cmd: Command) => {
      const { serveMcp } = await import('../mcp/server.js')
      await serveMcp({ mesh: meshOf(cmd) })
    })
}
