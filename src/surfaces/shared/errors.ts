/**
 * One table for how every named error surfaces: HTTP status, CLI exit code, and a hint. The HTTP
 * server, the CLI and the MCP server all read it, so an error means the same thing everywhere. A
 * hint names options as the caller spells them, so an entry may word it per surface (the CLI's
 * `--wait` is HTTP's `wait` and MCP's `wait_seconds`), and again for a caller that already waited.
 */
export interface ErrorShape {
  status: number
  exitCode: number
  /** the hint, worded for the CLI (and for every surface without its own below) */
  hint: string
  /** the hint for HTTP clients, where the CLI's would mislead */
  http?: string
  /** the hint for MCP tool callers, where the HTTP one would mislead */
  mcp?: string
  /** the hints for a caller that waited (the error's `waitedMs` > 0) and still failed */
  afterWait?: { hint: string, http?: string, mcp?: string }
}

/** Who asked: the CLI, an MCP tool, or any other HTTP client (the daemon's clients say which in `SURFACE_HEADER`). */
export type Surface = 'cli' | 'http' | 'mcp'

/** The request header through which the CLI and the MCP server name themselves to the daemon. */
export const SURFACE_HEADER = 'x-meshkv-surface'

export function surfaceOf (header: string | string[] | undefined): Surface {
  return header === 'cli' || header === 'mcp' ? header : 'http'
}

/** Exit codes: 0 ok, 1 not found or false, 2 invalid arguments, 3 other error, 4 lock unavailable, election lost or no quorum. */
export const EXIT = { ok: 0, notFound: 1, usage: 2, error: 3, lockUnavailable: 4 } as const

const SHAPES: Record<string, ErrorShape> = {
  InvalidKeyError: { status: 400, exitCode: EXIT.usage, hint: 'keys are non-empty UTF-8 strings without NUL, at most maxKeyBytes long' },
  ReservedKeyError: { status: 403, exitCode: EXIT.usage, hint: 'keys under @meshkv/ hold meshkv\'s own state (locks, drops): use the lock and drop commands', http: 'keys under @meshkv/ hold meshkv\'s own state (locks, drops): use /v1/locks and /v1/drops', mcp: 'keys under @meshkv/ hold meshkv\'s own state (locks, drops): use the lock and drop tools' },
  InvalidValueError: { status: 400, exitCode: EXIT.usage, hint: 'values are strings or bytes' },
  InvalidTtlError: { status: 400, exitCode: EXIT.usage, hint: 'give the TTL as seconds (3600) or with a unit (30s, 10m, 2h), at most maxTtlMs', http: 'a TTL is whole seconds in ?ttl= or X-TTL (3600, or inf) and milliseconds in JSON bodies, at most maxTtlMs', mcp: 'ttl_seconds is a positive number of seconds, at most maxTtlMs' },
  InvalidOptionError: { status: 400, exitCode: EXIT.usage, hint: 'see --help for the accepted values', http: 'see docs/http.md for the accepted values', mcp: 'see the tool\'s input schema for the accepted values' },
  UsageError: { status: 400, exitCode: EXIT.usage, hint: 'see --help', http: 'see docs/http.md', mcp: 'see the tool\'s input schema' },
  ValueTooLargeError: { status: 413, exitCode: EXIT.usage, hint: 'values are limited by maxValueBytes (1 MiB by default)' },
  NotFoundError: { status: 404, exitCode: EXIT.notFound, hint: 'the key is absent, deleted or expired' },
  WaitTimeoutError: { status: 408, exitCode: EXIT.notFound, hint: 'nothing arrived before the timeout' },
  ConflictError: { status: 409, exitCode: EXIT.notFound, hint: 'the key already exists' },
  LockUnavailableError: {
    status: 409,
    exitCode: EXIT.lockUnavailable,
    hint: 'another owner holds the lock; retry later or pass --wait',
    http: 'another owner holds the lock; retry later or send `wait` (ms)',
    mcp: 'another owner holds the lock; retry later or pass wait_seconds',
    afterWait: {
      hint: 'still held when --wait ran out: wait longer, or see who holds it until when with `meshkv lock check`',
      http: 'still held when `wait` ran out: wait longer, or see who holds it until when with GET /v1/locks/{name}',
      mcp: 'still held when wait_seconds ran out: wait longer, or see who holds it until when with meshkv_lock_status'
    }
  },
  ElectionLostError: {
    status: 409,
    exitCode: EXIT.lockUnavailable,
    hint: 'another leader is live; pass --wait to campaign until elected',
    http: 'another leader is live; send `wait` (ms) to campaign until elected',
    afterWait: {
      hint: 'another leader stayed live for the whole --wait: wait longer (--wait inf campaigns until elected)',
      http: 'another leader stayed live for the whole `wait`: wait longer'
    }
  },
  NotLockHolderError: { status: 409, exitCode: EXIT.lockUnavailable, hint: 'only the holder (its --owner) can extend or release a lock; a free lock has none', http: 'only the holder (its `owner`) can extend or release a lock; a free lock has none', mcp: 'only the holder (its owner) can release a lock; a free lock has none' },
  NotLeaderError: { status: 409, exitCode: EXIT.lockUnavailable, hint: 'only the live leader can resign, by its --id; `meshkv leader check` shows who leads', http: 'only the live leader can resign, by its `id`; GET /v1/leaders/{group} shows who leads' },
  LeaseLostError: { status: 409, exitCode: EXIT.lockUnavailable, hint: 'the lease ended; acquire it again' },
  InvalidTokenError: { status: 400, exitCode: EXIT.usage, hint: 'a drop token looks like mkd1.<43 base64url characters>' },
  DropNotFoundError: { status: 404, exitCode: EXIT.notFound, hint: 'wrong token, expired, or already read (burn after read)' },
  DropTamperedError: { status: 422, exitCode: EXIT.error, hint: 'the ciphertext failed authentication: tampered, or not for this key' },
  UnauthorizedError: { status: 401, exitCode: EXIT.error, hint: 'send Authorization: Bearer <token> (the daemon\'s --token-file)' },
  ForbiddenError: { status: 403, exitCode: EXIT.error, hint: 'stop the daemon through its Unix socket (`meshkv daemon stop`)', http: 'POST /v1/shutdown over TCP needs the daemon to require a bearer token (--token-file); else stop it through its Unix socket (`meshkv daemon stop`)' },
  MeshClosedError: { status: 503, exitCode: EXIT.error, hint: 'the daemon is shutting down' },
  StoreFullError: { status: 507, exitCode: EXIT.error, hint: 'the store is at maxEntries or maxBytes (tombstones count too)' },
  StorageError: { status: 507, exitCode: EXIT.error, hint: 'the node\'s data directory could not store or read the write (disk full or failing, or another process has it open): see the daemon log' },
  WatchOverflowError: { status: 503, exitCode: EXIT.error, hint: 'the watcher fell too far behind and was cut off; read the state again and re-watch' },
  ReplicationTimeoutError: { status: 504, exitCode: EXIT.error, hint: 'stored here and still replicating, but fewer peers than the replicas asked for confirmed it within the replica timeout' },
  NotEnoughPeersError: { status: 503, exitCode: EXIT.error, hint: 'stored here, but fewer mesh peers are connected than the replicas asked for' },
  ClockSkewError: { status: 503, exitCode: EXIT.error, hint: 'this node\'s clock is more than maxDriftMs from the mesh\'s (see stats: clock.offsetMs): fix it (NTP); writes resume once it is within' },
  // only ever "sent" to a client that has already gone (nginx's 499)
  ClientGoneError: { status: 499, exitCode: EXIT.error, hint: 'the client closed its connection before the answer' },
  AbortError: { status: 499, exitCode: EXIT.error, hint: 'the operation was cancelled' },
  DaemonUnavailableError: { status: 503, exitCode: EXIT.error, hint: 'start one with `meshkv daemon`, or check MESHKV_RUNTIME_DIR' },
  QuorumUnavailableError: { status: 503, exitCode: EXIT.lockUnavailable, hint: 'no majority of the quorum members answered (or the register stayed contended): check that most members run and are connected (`meshkv peers`); when the error says in doubt, the change may still have taken effect' },
  QuorumNotConfiguredError: { status: 400, exitCode: EXIT.usage, hint: 'quorum mode needs the daemon started with --quorum-members PEERIDS', http: 'quorum mode needs the node created with `quorum: { members }` (the daemon\'s --quorum-members)' },
  UnsupportedRuntimeError: { status: 500, exitCode: EXIT.error, hint: 'install Node.js 22 or later (the repository brings one: npm scripts and npx run it)' },
  CounterBoundError: { status: 409, exitCode: EXIT.notFound, hint: 'the decrement would take the counter below --min: it was left unchanged (retry later, or raise it with inc)', http: 'the decrement would take the counter below `min`: it was left unchanged', mcp: 'the decrement would take the counter below min: it was left unchanged' },
  ConditionFailedError: { status: 409, exitCode: EXIT.notFound, hint: 'the condition (--if-not-exists, --if-value) did not hold: nothing was written', http: 'the condition (if_absent, if_value) did not hold: nothing was written', mcp: 'the condition (if_not_exists, if_value) did not hold: nothing was written' },
  InvalidReceiptError: { status: 400, exitCode: EXIT.usage, hint: 'pass the receipt a pop printed (r1.…), unchanged' },
  StaleReceiptError: { status: 409, exitCode: EXIT.error, hint: 'the visibility timeout ran out and another consumer popped the item since: it is theirs now (pop with a longer --visibility-timeout)', http: 'the visibility timeout ran out and another consumer popped the item since: it is theirs now (pop with a longer visibility_timeout)', mcp: 'the visibility timeout ran out and another consumer popped the item since: it is theirs now (pop with a longer visibility_timeout_seconds)' },
  QueueFullError: { status: 507, exitCode: EXIT.error, hint: 'a quorum-mode queue holds its state in one register of at most maxValueBytes: drain it, or use gossip mode' },
}

const INTERNAL: ErrorShape = { status: 500, exitCode: EXIT.error, hint: 'an unexpected error; see the daemon log' }

export function shapeOf (name: string): ErrorShape {
  return SHAPES[name] ?? INTERNAL
}

/** The hint for `err`: its own, else the table's as `surface` words it (and as it reads for a caller that waited). */
export function hintFor (err: unknown, surface: Surface): string {
  // an error that brings its own (a RemoteError from the daemon, a UsageError about one command)
  const own = (err as { hint?: unknown } | null)?.hint
  if (typeof own === 'string') return own
  const shape = shapeOf(err instanceof Error ? err.name : 'Error')
  const waited = (err as { waitedMs?: unknown } | null)?.waitedMs
  const h = typeof waited === 'number' && waited > 0 && shape.afterWait !== undefined ? shape.afterWait : shape
  if (surface === 'cli') return h.hint
  if (surface === 'http') return h.http ?? h.hint
  return h.mcp ?? h.http ?? h.hint
}

/** The JSON body of an error response, and the CLI's stderr line. */
export interface ErrorBody {
  error: string
  name: string
  hint: string
  exitCode: number
}

export function errorBody (err: unknown, surface: Surface = 'http'): { status: number, body: ErrorBody } {
  const name = err instanceof Error ? err.name : 'Error'
  const shape = shapeOf(name)
  return { status: shape.status, body: { error: err instanceof Error ? err.message : String(err), name, hint: hintFor(err, surface), exitCode: shape.exitCode } }
}

/** An error made from an HTTP error body on the client side, keeping its name. */
export class RemoteError extends Error {
  readonly exitCode: number
  readonly hint: string
  readonly status: number
  constructor (status: number, body: Partial<ErrorBody>) {
    super(body.error ?? `HTTP ${status}`)
    this.name = body.name ?? 'Error'
    this.status = status
    this.exitCode = body.exitCode ?? shapeOf(this.name).exitCode
    this.hint = body.hint ?? shapeOf(this.name).hint
  }
}

/** Errors the surfaces raise themselves. */
/** Invalid arguments or parameters; `hint` (when given) says what this command or route takes. */
export class UsageError extends Error {
  static override name = 'UsageError'
  override name = 'UsageError'
  readonly hint?: string
  constructor (message: string, options: { hint?: string } = {}) {
    super(message)
    if (options.hint !== undefined) this.hint = options.hint
  }
}
export class NotFoundError extends Error { static override name = 'NotFoundError'; override name = 'NotFoundError' }
export class ConflictError extends Error { static override name = 'ConflictError'; override name = 'ConflictError' }
/** A request this server does not serve to this caller (a shutdown over an unauthenticated TCP API). */
export class ForbiddenError extends Error { static override name = 'ForbiddenError'; override name = 'ForbiddenError' }
export class UnauthorizedError extends Error { static override name = 'UnauthorizedError'; override name = 'UnauthorizedError' }
/** The client of a stream or a long wait closed its connection: what it waited for is undone. */
export class ClientGoneError extends Error { static override name = 'ClientGoneError'; override name = 'ClientGoneError' }
export class DaemonUnavailableError extends Error { static override name = 'DaemonUnavailableError'; override name = 'DaemonUnavailableError' }
