/**
 * The client of a local daemon's HTTP API over its Unix socket: what the CLI and the MCP server
 * speak. `connect` starts a daemon in the background when none is running.
 *
 * The CLI's hot commands load this module on every start, so a request loads only node:net
 * (http1.ts); node:http only for streams, child_process and the file system only to start a daemon.
 */
import * as builtin from './builtin.js'
import { DaemonUnavailableError, RemoteError, shapeOf, SURFACE_HEADER, type ErrorBody, type Surface } from './errors.js'
import { exchange } from './http1.js'
import { daemonPaths } from './paths.js'

export interface Reply {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: Buffer
}

export interface RequestOptions {
  body?: Buffer | string | Record<string, unknown>
  query?: Record<string, string | number | boolean | undefined>
  headers?: Record<string, string>
  signal?: AbortSignal
}

const unavailable = (err: NodeJS.ErrnoException): boolean => err.code === 'ENOENT' || err.code === 'ECONNREFUSED'

export class DaemonClient {
  /**
   * @param start when given, called once if the first request finds no daemon (the socket is
   * missing or refuses: the request never reached a daemon, so it is sent again after the start)
   */
  constructor (readonly socketPath: string, private start?: () => Promise<unknown>, readonly surface: 'cli' | 'mcp' = 'cli') {}

  /** Runs `attempt`; when no daemon answers and this client may start one, starts it and runs `attempt` again. */
  private async started<T> (attempt: () => Promise<T>): Promise<T> {
    try {
      return await attempt()
    } catch (err) {
      if (!(err instanceof DaemonUnavailableError) || this.start === undefined) throw err
      const start = this.start
      this.start = undefined
      await start()
      return attempt()
    }
  }

  /** One request (http1.ts); resolves with any status (the caller decides what is an error). */
  async request (method: string, path: string, options: RequestOptions = {}): Promise<Reply> {
    const { body, headers } = encode(options, this.surface)
    return this.started(async () => {
      try {
        return await exchange(this.socketPath, method, withQuery(path, options.query), headers, body, options.signal)
      } catch (err) {
        throw unavailable(err as NodeJS.ErrnoException) ? new DaemonUnavailableError(`no meshkv daemon answers on ${this.socketPath}`) : err
      }
    })
  }

  /** A request whose 2xx body is JSON; any other status throws a RemoteError keeping the error's name. */
  async json<T = Record<string, unknown>> (method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const r = await this.request(method, path, options)
    if (r.status >= 300) throw remoteError(r)
    return (r.body.length === 0 ? {} : JSON.parse(r.body.toString('utf8'))) as T
  }

  /**
   * A server-sent events request: calls `onEvent` per event until the stream ends or `signal`
   * aborts. An `error` event (the daemon ended the stream: WatchOverflowError, MeshClosedError
   * when it stops) rejects with that error.
   */
  async events (method: string, path: string, onEvent: (event: string, data: unknown) => void, options: RequestOptions = {}): Promise<void> {
    const { body, headers } = encode(options, this.surface)
    await this.started(async () => new Promise<void>((resolve, reject) => {
      const req = builtin.http().request({ socketPath: this.socketPath, method, path: withQuery(path, options.query), headers: { ...headers, accept: 'text/event-stream' } }, res => {
        if ((res.statusCode ?? 0) >= 300) {
          const chunks: Buffer[] = []
          res.on('data', (c: Buffer) => chunks.push(c))
          res.on('end', () => reject(remoteError({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) })))
          return
        }
        let failure: RemoteError | undefined
        res.setEncoding('utf8')
        res.on('data', sseParser((event, parsed) => {
          if (event === 'error') {
            const body = parsed as Partial<ErrorBody>
            failure = new RemoteError(shapeOf(body.name ?? '').status, body)
          } else {
            onEvent(event, parsed)
          }
        }))
        res.on('end', () => { if (failure === undefined) resolve(); else reject(failure) })
        res.on('error', reject)
      })
      options.signal?.addEventListener('abort', () => { req.destroy(); resolve() }, { once: true })
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (options.signal?.aborted === true) resolve()
        else reject(unavailable(err) ? new DaemonUnavailableError(`no meshkv daemon answers on ${this.socketPath}`) : err)
      })
      req.end(body)
    }))
  }

  async healthy (): Promise<boolean> {
    try {
      return (await this.request('GET', '/v1/health')).status === 200
    } catch {
      return false
    }
  }
}

/** The body and headers of a request; the daemon words error hints for `surface` (SURFACE_HEADER). */
/**
 * A `data` handler for a utf8 server-sent-events stream: calls `onEvent` with each event's name
 * (default `message`) and its JSON data (multi-line data joined); events without data are skipped.
 */
export function sseParser (onEvent: (event: string, data: unknown) => void): (chunk: string) => void {
  let buffer = ''
  return chunk => {
    buffer += chunk
    let cut
    while ((cut = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, cut)
      buffer = buffer.slice(cut + 2)
      let event = 'message'
      const data: string[] = []
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) event = line.slice(7)
        else if (line.startsWith('data: ')) data.push(line.slice(6))
      }
      if (data.length > 0) onEvent(event, JSON.parse(data.join('\n')))
    }
  }
}

function encode (options: RequestOptions, surface: Surface): { body: Buffer | undefined, headers: Record<string, string> } {
  const headers: Record<string, string> = { ...options.headers, [SURFACE_HEADER]: surface }
  if (options.body === undefined) return { body: undefined, headers }
  if (Buffer.isBuffer(options.body) || typeof options.body === 'string') {
    headers['content-type'] ??= 'application/octet-stream'
    return { body: Buffer.from(options.body), headers }
  }
  headers['content-type'] = 'application/json'
  // JSON has no Infinity: the API takes "inf" where it allows one (a lock's or campaign's wait)
  return { body: Buffer.from(JSON.stringify(options.body, (_k, v: unknown) => v === Infinity ? 'inf' : v)), headers }
}

function withQuery (path: string, query: RequestOptions['query']): string {
  if (query === undefined) return path
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(query)) if (v !== undefined) q.set(k, String(v))
  const s = q.toString()
  return s === '' ? path : `${path}?${s}`
}

export function remoteError (r: Reply): RemoteError {
  let body: Record<string, unknown> = {}
  try {
    body = JSON.parse(r.body.toString('utf8')) as Record<string, unknown>
  } catch {
    body = { error: r.body.toString('utf8') || `HTTP ${r.status}` }
  }
  return new RemoteError(r.status, body)
}

export interface ConnectOptions {
  /** Mesh name (one daemon per name). @default $MESHKV_NAME or 'default' */
  mesh?: string
  /** Start a daemon in the background when none answers. @default true */
  autostart?: boolean
  /** Where to say that a daemon was started. @default stderr */
  announce?: (line: string) => void
  env?: NodeJS.ProcessEnv
  /** Who is asking, so the daemon words error hints for it. @default 'cli' */
  surface?: 'cli' | 'mcp'
  /** Options for a daemon this call starts (`daemon run` arguments, e.g. `--bootstrap=/ip4/…`). @default none */
  daemonArgs?: readonly string[]
}

/**
 * A client of the user's daemon for `mesh` that starts one in the background (as `connect`) when
 * its first request finds none. Costs no round trip beyond the request itself.
 */
export function daemonClient (options: ConnectOptions = {}): DaemonClient {
  const env = options.env ?? process.env
  const mesh = options.mesh ?? env.MESHKV_NAME ?? 'default'
  return new DaemonClient(daemonPaths(mesh, env).socket, async () => connect({ ...options, mesh }), options.surface)
}

/** A client of the user's daemon for `mesh`, started in the background (once) if need be. */
export async function connect (options: ConnectOptions = {}): Promise<DaemonClient> {
  const env = options.env ?? process.env
  const mesh = options.mesh ?? env.MESHKV_NAME ?? 'default'
  const paths = daemonPaths(mesh, env)
  const client = new DaemonClient(paths.socket, undefined, options.surface)
  if (await client.healthy()) return client
  if (options.autostart === false) throw new DaemonUnavailableError(`no meshkv daemon for mesh ${mesh} answers on ${paths.socket}`)
  const { spawn } = builtin.childProcess()
  const { mkdirSync, openSync } = builtin.fs()
  mkdirSync(paths.dir, { recursive: true, mode: 0o700 })
  const log = openSync(paths.log, 'a')
  const bin = meshkvBin()
  // the daemon is the full program's (MESHKV_CLI_PATH=fast would refuse it)
  const { MESHKV_CLI_PATH: _path, ...daemonEnv } = env
  const child = spawn(process.execPath, [bin, '--mesh', mesh, 'daemon', 'run', ...(options.daemonArgs ?? [])], { detached: true, stdio: ['ignore', log, log], env: daemonEnv })
  child.unref()
  let exited: number | null | undefined
  child.once('exit', code => { exited = code })
  const deadline = Date.now() + 20_000
  while (!(await client.healthy())) {
    if (exited !== undefined) throw startFailure(exited, lastLine(paths.log))
    if (Date.now() > deadline) throw new DaemonUnavailableError(`a daemon was started (pid ${child.pid}) but did not answer on ${paths.socket} within 20 s; see ${paths.log}`)
    await builtin.timers().setTimeout(50)
  }
  ;(options.announce ?? (line => process.stderr.write(line + '\n')))(`meshkv: started a daemon for mesh ${mesh} (pid ${child.pid}) on ${paths.socket}`)
  return client
}

/**
 * Why a daemon exited before it answered: the error it printed as its last log line (a bad option
 * keeps its name and exit code: InvalidOptionError, exit 2), else DaemonUnavailableError.
 */
function startFailure (code: number | null, line: string): Error {
  try {
    const body = JSON.parse(line) as Partial<ErrorBody>
    if (typeof body.name === 'string' && typeof body.error === 'string') {
      return new RemoteError(shapeOf(body.name).status, { ...body, error: `the daemon exited (code ${code}) before it answered: ${body.error}` })
    }
  } catch {}
  return new DaemonUnavailableError(`the daemon exited (code ${code}) before it answered: ${line}`)
}

/** bin/meshkv.js of this package: found upwards from this module (src/, dist/src/ or the dist/ bundle). */
function meshkvBin (): string {
  const { existsSync } = builtin.fs()
  for (const up of ['../../../', '../../../../', '../']) {
    const bin = builtin.url().fileURLToPath(new URL(`${up}bin/meshkv.js`, import.meta.url))
    if (existsSync(bin)) return bin
  }
  throw new DaemonUnavailableError(`bin/meshkv.js not found above ${import.meta.url}: start a daemon with \`meshkv daemon start\``)
}

function lastLine (file: string): string {
  try {
    return builtin.fs().readFileSync(file, 'utf8').trim().split('\n').pop() ?? ''
  } catch {
    return `(no log at ${file})`
  }
}
