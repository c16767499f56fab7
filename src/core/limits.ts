/**
 * Limits and the validation of local input against them. Every check throws a named error whose
 * message says what was expected and what came.
 */
import { InvalidKeyError, InvalidOptionError, InvalidTtlError, InvalidValueError, ValueTooLargeError } from './errors.js'

/** @default 1024 */
export const DEFAULT_MAX_KEY_BYTES = 1024
/** @default 1_048_576 (1 MiB) */
export const DEFAULT_MAX_VALUE_BYTES = 1024 * 1024
/** TTL of writes that give none. @default 3_600_000 (1 hour) */
export const DEFAULT_TTL_MS = 60 * 60 * 1000
/** The longest finite TTL. @default 86_400_000 (24 hours) */
export const DEFAULT_MAX_TTL_MS = 24 * 60 * 60 * 1000
/** @default 600_000 (10 minutes) */
export const DEFAULT_TOMBSTONE_GRACE_MS = 10 * 60 * 1000
/** Most keys held (live and tombstones). @default 1_000_000 */
export const DEFAULT_MAX_ENTRIES = 1_000_000
/** Most bytes held: key characters + value bytes + {@link ENTRY_OVERHEAD_BYTES} per version, tombstones included. @default 536_870_912 (512 MiB) */
export const DEFAULT_MAX_BYTES = 512 * 1024 * 1024
/**
 * What every held version (live or tombstone) counts against maxBytes beyond its key and value:
 * its clock, origin, expiry and flags. A tombstone costs its key plus this.
 */
export const ENTRY_OVERHEAD_BYTES = 64

/**
 * A private copy of some bytes. Small copies come from Node's shared Buffer pool, so an entry's
 * value costs a view on a slab rather than an ArrayBuffer of its own (a few hundred bytes less).
 */
export function copyBytes (bytes: Uint8Array): Uint8Array {
  return bytes.byteLength === 0 ? new Uint8Array(0) : Buffer.from(bytes)
}

/** Throws InvalidKeyError unless `key` is a non-empty well-formed string without NUL of at most `maxBytes` UTF-8 bytes. */
export function checkKey (key: unknown, maxBytes: number): asserts key is string {
  if (typeof key !== 'string') {
    throw new InvalidKeyError(`key must be a string, got ${typeof key}`)
  }
  if (key.length === 0) {
    throw new InvalidKeyError('key must be a non-empty string, got ""')
  }
  if (key.includes('\0')) {
    throw new InvalidKeyError(`key must not contain NUL, got ${JSON.stringify(key.slice(0, 64))}`)
  }
  if (!key.isWellFormed()) {
    throw new InvalidKeyError(`key must be well-formed UTF-16 (no lone surrogates), got ${JSON.stringify(key.slice(0, 64))}`)
  }
  // A UTF-16 code unit is at most 3 UTF-8 bytes, so short keys need no byte count.
  if (key.length * 3 > maxBytes) {
    const bytes = Buffer.byteLength(key, 'utf8')
    if (bytes > maxBytes) {
      throw new InvalidKeyError(`key must be at most ${maxBytes} UTF-8 bytes, got ${bytes}`)
    }
  }
}

/** Converts a local value to bytes (a private copy) and checks its size. */
export function toValueBytes (value: unknown, maxBytes: number): Uint8Array {
  let bytes: Uint8Array
  if (typeof value === 'string') {
    bytes = Buffer.from(value, 'utf8')
  } else if (value instanceof Uint8Array) {
    bytes = copyBytes(value)
  } else {
    throw new InvalidValueError(`value must be a string or a Uint8Array, got ${value === null ? 'null' : typeof value}`)
  }
  if (bytes.byteLength > maxBytes) {
    throw new ValueTooLargeError(`value must be at most ${maxBytes} bytes, got ${bytes.byteLength}`)
  }
  return bytes
}

/**
 * Resolves a local `ttl` option to milliseconds: undefined takes the default, `Infinity` never
 * expires, anything else must be a positive number of milliseconds no greater than `maxTtlMs`.
 */
export function resolveTtl (ttl: unknown, defaultTtlMs: number, maxTtlMs: number): number {
  if (ttl === undefined) return defaultTtlMs
  if (ttl === Infinity) return Infinity
  if (typeof ttl !== 'number' || !Number.isFinite(ttl) || ttl <= 0) {
    throw new InvalidTtlError(`\`ttl\` must be a positive number of milliseconds (or Infinity), got ${typeof ttl === 'number' ? ttl : JSON.stringify(ttl)}`)
  }
  if (ttl > maxTtlMs) {
    throw new InvalidTtlError(`\`ttl\` must be at most \`maxTtlMs\` (${maxTtlMs} ms), got ${ttl}`)
  }
  return Math.ceil(ttl)
}

/** Checks that an option is an integer (or Infinity where allowed) within a range. */
export function checkNumberOption (name: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER, allowInfinity = false): number {
  if (allowInfinity && value === Infinity) return value
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new InvalidOptionError(`\`${name}\` must be a number from ${min} to ${max}${allowInfinity ? ' or Infinity' : ''}, got ${String(value)}`)
  }
  return value
}
