/**
 * The key space: which keys are meshkv's own, which belong to a peer, and which `list` and
 * `watch` leave out unless asked. Every module that looks at a key's shape asks here.
 *
 *  - `@meshkv/…` is reserved: lease claims (`@meshkv/lease/`), lock waiters' places in line
 *    (`@meshkv/wait/`), drops (`@meshkv/drop/`), public-key inboxes (`@meshkv/inbox/`), log
 *    records (`@meshkv/log/`, `@meshkv/log-clear/`), gossip-mode queues (`@meshkv/queue/`), and
 *    gossip-mode counters and sets (`@meshkv/counter/`, `@meshkv/set/`);
 *  - `@<peer id>/…` is that peer's owned namespace: only its signed writes are accepted there
 *    (presence lives under `@<peer id>/presence/`);
 *  - every other key is an ordinary user key.
 *
 * Keys starting with `@` (both kinds above) are namespaced: `list` and `watch` skip them unless
 * the prefix asked for starts with `@` too.
 */

/** Marks a namespaced key: meshkv's own or a peer's. */
export const NAMESPACE_MARK = '@'

/** Keys under this prefix are meshkv's own (leases, drops, inboxes). */
export const RESERVED_PREFIX = `${NAMESPACE_MARK}meshkv/`
/** Lease claims: `@meshkv/lease/<name>/<token>/<owner>/<mode>`. */
export const LEASE_PREFIX = `${RESERVED_PREFIX}lease/`
/** Waiting markers, a lock waiter's place in line: `@meshkv/wait/<name>/<token>/<owner>`. */
export const WAIT_PREFIX = `${RESERVED_PREFIX}wait/`
/** Token and rendezvous drops: `@meshkv/drop/<storage id>`. */
export const DROP_PREFIX = `${RESERVED_PREFIX}drop/`
/** Public-key drops: `@meshkv/inbox/<hash of the recipient's public key>/<storage id>`. */
export const INBOX_PREFIX = `${RESERVED_PREFIX}inbox/`
/** Gossip-mode counters, one key per writing node: `@meshkv/counter/<key>/<peer id>` (core/pn-counter.ts). */
export const COUNTER_PREFIX = `${RESERVED_PREFIX}counter/`
/** Gossip-mode sets, one key per member and writing node: `@meshkv/set/<key>/<member>/<peer id>` (core/or-set.ts). */
export const SET_PREFIX = `${RESERVED_PREFIX}set/`

/** Log records: `@meshkv/log/<encoded log key>/<position>`, the position being the record's own HLC. */
export const LOG_PREFIX = `${RESERVED_PREFIX}log/`
/** A log's clear marker: `@meshkv/log-clear/<encoded log key>`; its HLC is the position cleared up to. */
export const LOG_CLEAR_PREFIX = `${RESERVED_PREFIX}log-clear/`
/** Gossip-mode queues: items `@meshkv/queue/<encoded name>/i/<id>` (id: the push's HLC), claims `…/c/<id>`. */
export const QUEUE_PREFIX = `${RESERVED_PREFIX}queue/`

/** Whether a key (or prefix) starts with `@`: meshkv's own or a peer's namespace. */
export function isNamespaced (key: string): boolean {
  return key.startsWith(NAMESPACE_MARK)
}

/** Whether a key (or prefix) lies under `@meshkv/`. */
export function isReserved (key: string): boolean {
  return key.startsWith(RESERVED_PREFIX)
}

/** The prefix of a peer's owned namespace, `@<peer id>/`. */
export function ownedPrefix (peerId: string): string {
  return `${NAMESPACE_MARK}${peerId}/`
}

/** The owner named by a key's `@<peer id>/` namespace, or undefined for any other key. */
export function ownerOf (key: string): string | undefined {
  if (!isNamespaced(key) || isReserved(key)) return undefined
  const slash = key.indexOf('/')
  return slash > 1 ? key.slice(1, slash) : undefined
}

/** Whether `list` or `watch` under `prefix` leaves `key` out: namespaced keys show only under a namespaced prefix. */
export function hiddenUnder (key: string, prefix: string): boolean {
  return isNamespaced(key) && !isNamespaced(prefix)
}
