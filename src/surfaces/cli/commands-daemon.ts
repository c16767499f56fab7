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

function withDaemonOptions (cmd: Command): Command {
  return cmd
    .option('--listen <multiaddrs>', 'comma-separated multiaddrs to listen on (MESHKV_LISTEN)')
    .option('--bootstrap <multiaddrs>', 'comma-separated multiaddrs of peers to dial (MESHKV_BOOTSTRAP)')
    .addOption(new Option('--no-mdns', 'do not discover peers on the LAN (MESHKV_MDNS=false)'))
    .option('--max-drift <duration>', 'reject remote timestamps further ahead (default 60s)')
    .option('--max-key-bytes <n>', 'largest key (default 1024)')
    .option('--max-value-bytes <n>', 'largest value (default 1048576)')
    .option('--default-ttl <duration>', 'TTL of writes without one (default 1h; inf: none)')
    .option('--max-ttl <duration>', 'longest finite TTL (default 7d for the daemon)')
    .option('--tombstone-grace <duration>', 'least time tombstones are kept (default 10m)')
    .option('--sync-interval <duration>', 'anti-entropy interval (default 5s)')
    .option('--quorum-members <peerIds>', 'comma-separated acceptors: locks default to quorum mode')
    .option('--quorum-size <n>', 'or: the mesh has n acceptors')
    .option('--max-lease-ttl <duration>', 'longest quorum lease (default 60s)')
    .option('--http <host:port>', 'also serve the HTTP API on TCP, e.g. 127.0.0.1:7420 (MESHKV_HTTP)')
    .option('--http-host <host>', 'allow --http to bind this non-loopback host (needs --token-file)')
    .option('--token-file <path>', 'bearer token required on the TCP API')
    .option('--psk-file <path>', 'swarm key of a private mesh, from `meshkv keygen` (MESHKV_PSK_FILE)')
    .option('--allow-peers <peerIds>', 'comma-separated peer ids: refuse every other peer (MESHKV_ALLOW_PEERS)')
    .option('--state-dir <dir>', 'what the daemon keeps across restarts, its identity (MESHKV_STATE_DIR; default $XDG_STATE_HOME/meshkv/<mesh>, else ~/.meshkv/state/<mesh>)')
    .option('--data-dir <dir>', 'where keys, tombstones, the clock and lock grants are kept across restarts (MESHKV_DATA_DIR; default: the state directory)')
    .option('--in-memory', 'keep no data on disk: every key is lost when the daemon stops (MESHKV_IN_MEMORY=true)')
    .option('--identity-file <path>', 'the node\'s identity key, created on first start (MESHKV_IDENTITY_FILE; default <state dir>/identity.key)')
    .option('--config <file>', 'JSON file of these settings (MESHKV_CONFIG)')
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
  daemon.command('start').description('start a daemon in the background (if none runs)')
    .action(async (_opts: unknown, cmd: Command) => {
      const c = await connect({ mesh: meshOf(cmd) })
      out(await c.json('GET', '/v1/health'))
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
