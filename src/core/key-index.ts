/**
 * The key order behind `list` and prefix scans: every key, sorted lazily (rebuilt after keys
 * come or go, not on overwrites), and the keys under `@meshkv/` kept sorted as they change
 * (few, and read on every lock check).
 */
import { isReserved } from './keys.js'

export class KeyIndex {
  private all: string[] | undefined
  private readonly reserved: string[] = []

  constructor (private readonly keys: () => Iterable<string>) {}

  added (key: string): void {
    this.all = undefined
    if (isReserved(key)) this.reserved.splice(lowerBound(this.reserved, key), 0, key)
  }

  removed (key: string): void {
    this.all = undefined
    if (isReserved(key)) this.reserved.splice(lowerBound(this.reserved, key), 1)
  }

  /** Keys starting with `prefix`, in order, from the first one after `after` (if given). */
  * range (prefix: string, after?: string): Generator<string> {
    const sorted = isReserved(prefix) ? this.reserved : this.sorted()
    let i = after !== undefined && after >= prefix ? upperBound(sorted, after) : lowerBound(sorted, prefix)
    for (; i < sorted.length && sorted[i].startsWith(prefix); i++) yield sorted[i]
  }

  private sorted (): string[] {
    this.all ??= [...this.keys()].sort()
    return this.all
  }
}

/** The first index of sorted `a` whose value is not below `x`. */
export function lowerBound (a: string[], x: string): number {
  let lo = 0
  let hi = a.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (a[mid] < x) lo = mid + 1
    else hi = mid
  }
  return lo
}

function upperBound (a: string[], x: string): number {
  let lo = 0
  let hi = a.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (a[mid] <= x) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** List cursors: the last key of a page, opaque to callers. */
export function encodeCursor (key: string): string {
  return Buffer.from(key, 'utf8').toString('base64url')
}

export function decodeCursor (cursor: string): string {
  return Buffer.from(cursor, 'base64url').toString('utf8')
}
