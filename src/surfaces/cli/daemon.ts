/**
 * `meshkv daemon`: one long-running mesh node per user and mesh name, serving the HTTP API on a
 * Unix socket (and optionally on a TCP port), so shell commands need not join the mesh each time.
 * Options come from flags, then `MESHKV_*` environment variables, then a JSON config file.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { isIP } from 'node:net'
import { join } from 'node:path'
import { createMesh, type MeshOptions } from '../../index.js'
import { createHttpServer } from '../http/server.js'
import { UsageError } from '../shared/errors.js'
import { DaemonClient } from '../shared/client.js'
import { durationOption as ms } from '../shared/duration.js'
import { daemonPaths, defaultStateDir } from '../shared/paths.js'
import { SETTING_KEYS } from './daemon-options.js'

/** Daemon settings by their flag name (camel-cased), each also `MESHKV_<SNAKE_CASE>` and a config-file key. */
export interface DaemonSettings {
  name?: string
  listen?: string
  bootstrap?: string
  mdns?: boolean | string
  maxDrift?: string
  maxKeyBytes?: string
  maxValueBytes?: string
  maxEntries?: string
  maxBytes?: string
  defaultTtl?: string
  maxTtl?: string
  tombstoneGrace?: string
  syncInterval?: string
  /** How long after start reads wait for the first anti-entropy round (a duration; 0: never). @default 5s */
  catchUp?: string
  quorumMembers?: string
  maxLeaseTtl?: string
  /** host:port for the HTTP API over TCP (loopback unless httpHost allows more). */
  http?: string
  /** Allow binding the TCP API to this non-loopback host (requires a token file). */
  httpHost?: string
  tokenFile?: string
  /** Swarm key file of a private mesh (`meshkv keygen`). */
  pskFile?: string
  /** Comma-separated peer ids allowed to connect. */
  allowPeers?: string
  /** What the daemon keeps across restarts (its identity). @default $XDG_STATE_HOME/meshkv/<mesh>, else ~/.meshkv/state/<mesh> */
  stateDir?: string
  /** The identity key file. @default <stateDir>/identity.key */
  identityFile?: string
  /** Where the data lives (entries, tombstones, clock, acceptor state). @default the state directory */
  dataDir?: string
  /** Keep nothing on disk but the identity: every key is gone when the daemon stops. */
  inMemory?: boolean | string
  config?: string
}

/** Every setting: the mesh name, and each option of daemon-options.ts (one list for flags, environment and config file). */
const KEYS = ['name', ...SETTING_KEYS] as Array<keyof DaemonSettings>

const envName = (key: string): string => 'MESHKV_' + key.replace(/[A-Z]/g, c => '_' + c).toUpperCase()

/** Flags over environment over config file. */
export function resolveSettings (flags: DaemonSettings, env: NodeJS.ProcessEnv = process.env): DaemonSettings {
  const file = flags.config ?? env.MESHKV_CONFIG
  let fromFile: Record<string, unknown> = {}
  if (file !== undefined) {
    try {
      fromFile = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>
    } catch (err) {
      throw new UsageError(`config file ${file} must be a JSON object of daemon settings: ${(err as Error).message}`)
    }
  }
  if (env.MESHKV_QUORUM_SIZE !== undefined || fromFile.quorumSize !== undefined) {
    throw new UsageError('quorum size was removed (a count of acceptors lets two disjoint majorities form): name the members with --quorum-members PEERIDS (MESHKV_QUORUM_MEMBERS)')
  }
  const out: DaemonSettings = {}
  for (const k of KEYS) {
    const v = flags[k] ?? env[envName(k)] ?? fromFile[k]
    if (v !== undefined) (out as Record<string, unknown>)[k] = Array.isArray(v) ? v.join(',') : v
  }
  return out
}

const list = (s: string | undefined): string[] | undefined => s === undefined ? undefined : s.split(',').map(x => x.trim()).filter(x => x !== '')
const int = (what: string, s: string | undefined): number | undefined => {
  if (s === undefined) return undefined
  const n = Number(s)
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${what} must be a non-negative integer, got ${JSON.stringify(s)}`)
  return n
}

/** createMesh options from daemon settings. */
export function meshOptions (s: DaemonSettings): MeshOptions {
  const members = list(s.quorumMembers)
  return {
    name: s.name,
    listen: list(s.listen),
    bootstrap: list(s.bootstrap),
    mdns: s.mdns === undefined ? undefined : !(s.mdns === false || s.mdns === 'false' || s.mdns === '0'),
    maxDriftMs: ms('--max-drift', s.maxDrift),
    maxKeyBytes: int('--max-key-bytes', s.maxKeyBytes),
    maxValueBytes: int('--max-value-bytes', s.maxValueBytes),
    maxEntries: int('--max-entries', s.maxEntries),
    maxBytes: int('--max-bytes', s.maxBytes),
    defaultTtlMs: ms('--default-ttl', s.defaultTtl, true),
    maxTtlMs: ms('--max-ttl', s.maxTtl) ?? DAEMON_MAX_TTL_MS,
    tombstoneGraceMs: ms('--tombstone-grace', s.tombstoneGrace),
    syncIntervalMs: ms('--sync-interval', s.syncInterval, true),
    quorum: members !== undefined ? { members } : undefined,
    maxLeaseTtlMs: ms('--max-lease-ttl', s.maxLeaseTtl),
    psk: s.pskFile === undefined ? undefined : readPsk(s.pskFile),
    allowPeers: list(s.allowPeers),
    identityFile: identityFileOf(s),
    dataDir: dataDirOf(s)
  }
}

/**
 * The daemon's longest finite TTL: 7 days, so a week-long cache (`--ttl 7d`) is accepted out of
 * the box. Tombstones are kept max(maxTtl, tombstoneGrace) after their write, so a longer
 * default would keep every deleted or expired key's tombstone (counted against maxEntries) that
 * much longer; `--max-ttl` raises it.
 */
export const DAEMON_MAX_TTL_MS = 7 * 24 * 3_600_000

const yes = (v: boolean | string | undefined): boolean => v === true || v === 'true' || v === '1'

/** The data directory: --data-dir, else the state directory; undefined with --in-memory. */
export function dataDirOf (s: DaemonSettings, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (yes(s.inMemory)) {
    if (s.dataDir !== undefined) throw new UsageError('--in-memory keeps no data directory: drop --data-dir (or MESHKV_DATA_DIR)')
    return undefined
  }
  return s.dataDir ?? s.stateDir ?? defaultStateDir(s.name ?? 'default', env)
}

/** The identity key file: --identity-file, else identity.key in the state directory. */
export function identityFileOf (s: DaemonSettings, env: NodeJS.ProcessEnv = process.env): string {
  return s.identityFile ?? join(s.stateDir ?? defaultStateDir(s.name ?? 'default', env), IDENTITY_FILE)
}

/** The name of the identity key file in a daemon's state directory. */
export const IDENTITY_FILE = 'identity.key'

function readPsk (file: string): string {
  try {
    return readFileSync(file, 'utf8')
  } catch (err) {
    throw new UsageError(`--psk-file ${file} cannot be read: ${(err as Error).message}`)
  }
}

function parseHostPort (spec: string): { host: string, port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(spec)
  if (m === null) throw new UsageError(`--http must be host:port such as 127.0.0.1:7420, got ${JSON.stringify(spec)}`)
  return { host: m[1] ?? m[2], port: Number(m[3]) }
}

/** How long a stopping daemon lets requests under way finish before it cuts their connections. */
const CLOSE_GRACE_MS = 1_000

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost'])

/** Runs a daemon in this process until SIGINT/SIGTERM or `POST /v1/shutdown`. */
export async function runDaemon (flags: DaemonSettings): Promise<void> {
  const settings = resolveSettings(flags)
  const name = settings.name ?? 'default'
  const paths = daemonPaths(name)
  mkdirSync(paths.dir, { recursive: true, mode: 0o700 })
  if (await new DaemonClient(paths.socket).healthy()) throw new UsageError(`a daemon for mesh ${name} already runs on ${paths.socket}`)
  if (existsSync(paths.socket)) rmSync(paths.socket) // stale: nothing answers on it

  let tcp: { host: string, port: number } | undefined
  let token: string | undefined
  if (settings.http !== undefined) {
    tcp = parseHostPort(settings.http)
    const allowed = settings.httpHost
    if (!LOOPBACK.has(tcp.host) && tcp.host !== allowed) {
      throw new UsageError(`--http binds to ${tcp.host}, which is not loopback; pass --http-host ${tcp.host} (with --token-file) to allow it`)
    }
    if (settings.tokenFile !== undefined) token = readFileSync(settings.tokenFile, 'utf8').trim()
    if (!LOOPBACK.has(tcp.host) && (token === undefined || token === '')) {
      throw new UsageError(`an HTTP API bound beyond loopback (${tcp.host}) needs --token-file with a bearer token`)
    }
    if (isIP(tcp.host) === 0 && tcp.host !== 'localhost') throw new UsageError(`--http host must be an IP address, got ${tcp.host}`)
  }

  const catchUpMs = settings.catchUp === '0' ? 0 : ms('--catch-up', settings.catchUp)
  const mesh = await createMesh(meshOptions({ ...settings, name }))
  let stopping: Promise<void> | undefined
  const stop = async (): Promise<void> => {
    stopping ??= (async () => {
      log(`stopping: closing the API, handing undelivered writes to peers, leaving mesh ${name}`)
      // closing a server ends its event streams and waits (their clients are told); a request
      // still running after CLOSE_GRACE_MS has its connection cut
      await Promise.allSettled(servers.map(async s => {
        const cut = setTimeout(() => { s.server.closeAllConnections() }, CLOSE_GRACE_MS)
        try { await s.close() } finally { clearTimeout(cut) }
      }))
      const { undelivered } = await mesh.close()
      if (undelivered > 0) log(`${undelivered} local writes were not delivered to any peer (none connected, or none confirmed within the close timeout)`)
      rmSync(paths.socket, { force: true })
      rmSync(paths.pid, { force: true })
      log('stopped')
    })()
    return stopping
  }
  const exit = (): void => { void stop().then(() => process.exit(0)) }
  // the Unix socket is the user's own (its directory is 0700); over TCP a shutdown needs the token
  const servers = [createHttpServer(mesh, { onShutdown: exit, catchUpMs })]
  try {
    await servers[0].listen({ path: paths.socket })
    if (tcp !== undefined) {
      const server = createHttpServer(mesh, { token, onShutdown: exit, allowShutdown: token !== undefined && token !== '', catchUpMs })
      servers.push(server)
      await server.listen({ host: tcp.host, port: tcp.port })
    }
  } catch (err) {
    // a port in use, a socket path too long: leave nothing running behind the error
    await stop()
    throw err
  }
  writeFileSync(paths.pid, String(process.pid))
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, exit)
  const data = dataDirOf({ ...settings, name })
  log(`mesh ${name}: peer ${mesh.peerId} (identity ${identityFileOf({ ...settings, name })}; ${data === undefined ? 'in memory: keys are lost when it stops' : `data in ${data}`}), listening on ${mesh.multiaddrs.join(' ')}; API on ${paths.socket}${tcp !== undefined ? ` and http://${tcp.host}:${tcp.port}` : ''}`)
}

function log (line: string): void {
  process.stderr.write(`${new Date().toISOString()} meshkv daemon: ${line}\n`)
}
