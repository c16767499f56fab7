/**
 * Where a log lives in the store, pure. A record is an ordinary entry under the reserved prefix,
 * `@meshkv/log/<encoded key>/<position>`, whose position is its own HLC (formatTimestamp: the
 * lexical order is the HLC order, unique per write). A log's clear marker
 * `@meshkv/log-clear/<encoded key>` is an LWW register whose own HLC is the position cleared up to.
 */
import type { Entry } from '../../core/entry.js'
import { InvalidKeyError, InvalidOptionError } from '../../core/errors.js'
import { formatTimestamp, parseTimestamp } from '../../core/hlc.js'
import { LOG_CLEAR_PREFIX, LOG_PREFIX } from '../../core/keys.js'
import { checkKey } from '../../core/limits.js'

/** Room a position takes in a record key beyond its node id: 16 hex digits and a dash, plus the slash. */
const POSITION_OVERHEAD = 18

/** Every record of `key` lies under this prefix (the key URI-encoded, so `a` never sees `a/b`'s records). */
export function recordPrefix (key: string): string {
  return `${LOG_PREFIX}${encodeURIComponent(key)}/`
}

export function clearKey (key: string): string {
  return `${LOG_CLEAR_PREFIX}${encodeURIComponent(key)}`
}

/** An entry's own HLC as a position. */
export function positionOf (e: Entry): string {
  return formatTimestamp(e)
}

/**
 * Throws InvalidKeyError unless `key` makes record keys of at most `maxKeyBytes` when written by
 * node `node` (the record key adds the prefix, the encoding and the position).
 */
export function checkLogKey (key: unknown, node: string, maxKeyBytes: number): asserts key is string {
  checkKey(key, maxKeyBytes)
  const room = maxKeyBytes - LOG_PREFIX.length - POSITION_OVERHEAD - node.length
  const encoded = Buffer.byteLength(encodeURIComponent(key))
  if (encoded > room) throw new InvalidKeyError(`a log key must be at most ${room} bytes once URI-encoded (the record key adds its prefix and position within maxKeyBytes = ${maxKeyBytes}), got ${encoded}`)
}

/** Throws InvalidOptionError unless `since` is a position (as `append` and `range` return them). */
export function checkPosition (since: unknown, name = 'since'): asserts since is string {
  if (typeof since !== 'string' || parseTimestamp(since) === undefined) {
    throw new InvalidOptionError(`\`${name}\` must be a log position as append or range return it (16 hex digits, a dash, a node id), got ${JSON.stringify(since)?.slice(0, 80)}`)
  }
}

/** The later of two positions (either may be absent). */
export function later (a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b
  if (b === undefined) return a
  return a > b ? a : b
}
