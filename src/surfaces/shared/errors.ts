/**
 * One table for how every named error surfaces: HTTP status, CLI exit code, and a hint. The HTTP
 * server, the CLI and the MCP server all read it, so an error means the same thing everywhere.
 */
export interface ErrorShape {
  status: number
  exitCode: number
  hint: string
}

/** Exit codes: 0 ok, 1 not found or false, 2 invalid arguments, 3 other error, 4 lock unavailable or election lost. */
export const EXIT = { ok: 0, notFound: 1, usage: 2, error: 3, lockUnavailable: 4 } as const

const SHAPES: Record<string, ErrorShape> = {
  InvalidKeyError: { status: 400, exitCode: EXIT.usage, hint: 'keys are non-empty UTF-8 strings without NUL, at most maxKeyBytes long' },
  ReservedKeyError: { status: 403, exitCode: EXIT.usage, hint: 'keys under @meshkv/ hold meshkv\'s own state (locks, drops): use the lock and drop commands' },
  InvalidValueError: { status: 400, exitCode: EXIT.usage, hint: 'values are strings or bytes' },
  InvalidTtlError: { status: 400, exitCode: EXIT.usage, hint: 'give the TTL as seconds (3600) or with a unit (30s, 10m, 2h), at most maxTtlMs' },
  InvalidOptionError: { status: 400, exitCode: EXIT.usage, hint: 'see --help for the accepted values' },
  UsageError: { status: 400, exitCode: EXIT.usage, hint: 'see --help' },
  ValueTooLargeError: { status: 413, exitCode: EXIT.usage, hint: 'values are limited by maxValueBytes (1 MiB by default)' },
  NotFoundError: { status: 404, exitCode: EXIT.notFound, hint: 'the key is absent, deleted or expired' },
  WaitTimeoutError: { status: 408, exitCode: EXIT.notFound, hint: 'nothing arrived before the timeout' },
  ConflictError: { status: 409, exitCode: EXIT.notFound, hint: 'the key already exists' },
  LockUnavailableError: { status: 409, exitCode: EXIT.lockUnavailable, hint: 'another owner holds the lock; retry later or pass --wait' },
  ElectionLostError: { status: 409, exitCode: EXIT.lockUnavailable, hint: 'another leader is live; pass --wait to campaign until elected' },
  NotLockHolderError: { status: 409, exitCode: EXIT.lockUnavailable, hint: 'only the holder (its --owner) can extend or release a lock' },
  LeaseLostError: { status: 409, exitCode: EXIT.lockUnavailable, hint: 'the lease ended; acquire it again' },
  InvalidTokenError: { status: 400, exitCode: EXIT.usage, hint: 'a drop token looks like mkd1.<43 base64url characters>' },
  DropNotFoundError: { status: 404, exitCode: EXIT.notFound, hint: 'wrong token, expired, or already read (burn after read)' },
  DropTamperedError: { status: 422, exitCode: EXIT.error, hint: 'the ciphertext failed authentication: tampered, or not for this key' },
  UnauthorizedError: { status: 401, exitCode: EXIT.error, hint: 'send Authorization: Bearer <token> (the daemon\'s --token-file)' },
  MeshClosedError: { status: 503, exitCode: EXIT.error, hint: 'the daemon is shutting down' },
  StoreFullError: { status: 507, exitCode: EXIT.error, hint: 'the store is at maxEntries or maxBytes (tombstones count too)' },
  WatchOverflowError: { status: 503, exitCode: EXIT.error, hint: 'the watcher fell too far behind and was cut off; read the state again and re-watch' },
  ReplicationTimeoutError: { status: 504, exitCode: EXIT.error, hint: 'stored here and still replicating, but fewer peers than the replicas asked for confirmed it within the replica timeout' },
  NotEnoughPeersError: { status: 503, exitCode: EXIT.error, hint: 'stored here, but fewer mesh peers are connected than the replicas asked for' },
  DaemonUnavailableError: { status: 503, exitCode: EXIT.error, hint: 'start one with `meshkv daemon`, or check MESHKV_RUNTIME_DIR' }
}

const INTERNAL: ErrorShape = { status: 500, exitCode: EXIT.error, hint: 'an unexpected error; see the daemon log' }

export function shapeOf (name: string): ErrorShape {
  return SHAPES[name] ?? INTERNAL
}

/** The JSON body of an error response, and the CLI's stderr line. */
export interface ErrorBody {
  error: string
  name: string
  hint: string
  exitCode: number
}

export function errorBody (err: unknown): { status: number, body: ErrorBody } {
  const name = err instanceof Error ? err.name : 'Error'
  const shape = shapeOf(name)
  return { status: shape.status, body: { error: err instanceof Error ? err.message : String(err), name, hint: shape.hint, exitCode: shape.exitCode } }
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
export class UsageError extends Error { static override name = 'UsageError'; override name = 'UsageError' }
export class NotFoundError extends Error { static override name = 'NotFoundError'; override name = 'NotFoundError' }
export class ConflictError extends Error { static override name = 'ConflictError'; override name = 'ConflictError' }
export class UnauthorizedError extends Error { static override name = 'UnauthorizedError'; override name = 'UnauthorizedError' }
export class DaemonUnavailableError extends Error { static override name = 'DaemonUnavailableError'; override name = 'DaemonUnavailableError' }
