/**
 * How the CLI prints: one JSON object per line on stdout, errors as one JSON line on stderr with
 * the exit code from the error table, and entries read from the daemon. Both the CLI's fast path
 * (src/surfaces/cli/fast.ts) and its full commander program print through here, so a command
 * answers the same, byte for byte, whichever path ran it.
 */
import type { Reply } from './client.js'
import { hintFor, shapeOf } from './errors.js'

export const out = (value: unknown): void => { process.stdout.write(JSON.stringify(value) + '\n') }

/** Prints an error as JSON `{ error, name, hint, exitCode }` on stderr and sets the exit code. */
export function fail (err: unknown): void {
  const name = err instanceof Error ? err.name : 'Error'
  const exitCode = (err as { exitCode?: number }).exitCode ?? shapeOf(name).exitCode
  const hint = hintFor(err, 'cli')
  process.stderr.write(JSON.stringify({ error: err instanceof Error ? err.message : String(err), name, hint, exitCode }) + '\n')
  process.exitCode = exitCode
}

/** An entry as the daemon's `GET /v1/data/{key}` answers it; times are epoch milliseconds, like `set`'s. */
export function entryOf (key: string, r: Reply): { key: string, value: string, hlc: unknown, created_at: number | null, remaining_ttl: number | null, origin: unknown } {
  const h = r.headers
  const created = typeof h['x-created-at'] === 'string' ? Date.parse(h['x-created-at']) : NaN
  return {
    key,
    value: r.body.toString('utf8'),
    hlc: h['x-hlc'],
    created_at: Number.isNaN(created) ? null : created,
    remaining_ttl: h['x-remaining-ttl'] === undefined ? null : Number(h['x-remaining-ttl']),
    origin: h['x-origin']
  }
}

/** What get/wait print for an entry: JSON, or the bare value with `--format value`. */
export function printEntry (key: string, r: Reply, format: string): void {
  if (format === 'value') {
    process.stdout.write(r.body)
    if (process.stdout.isTTY === true || !r.body.toString('utf8').endsWith('\n')) process.stdout.write('\n')
    return
  }
  out(entryOf(key, r))
}
