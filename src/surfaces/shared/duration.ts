/**
 * Durations on the command line: `500ms`, `30s`, `10m`, `2h`, `1d`, or a bare number of seconds
 * (kvstore's and REPRAM's habit). Also `inf` for no expiry where a TTL is asked for. And the
 * MCP tools' seconds, turned into milliseconds.
 */
import { UsageError } from './errors.js'

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }

/** Milliseconds from a duration string; throws UsageError with what was expected and what came. */
export function parseDuration (what: string, text: string, allowInfinity = false): number {
  if (allowInfinity && /^(inf|infinity|never)$/i.test(text)) return Infinity
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim())
  if (m === null) {
    throw new UsageError(`${what} must be a duration such as 30s, 10m, 2h or a number of seconds${allowInfinity ? ' (or inf)' : ''}, got ${JSON.stringify(text)}`)
  }
  const ms = Number(m[1]) * UNITS[m[2] ?? 's']
  if (ms <= 0) throw new UsageError(`${what} must be greater than zero, got ${JSON.stringify(text)}`)
  return Math.round(ms)
}

/** parseDuration for an option that may be absent (commander gives undefined, the fast path `true` for a bare flag). */
export function durationOption (what: string, text: string | true | undefined, allowInfinity = false): number | undefined {
  return typeof text === 'string' ? parseDuration(what, text, allowInfinity) : undefined
}

/** Whole milliseconds from a number of seconds (the MCP tools speak seconds), or undefined when absent. */
export function secondsToMs (seconds: number | undefined): number | undefined {
  return seconds === undefined ? undefined : Math.round(seconds * 1000)
}
