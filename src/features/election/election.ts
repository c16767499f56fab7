/**
 * Leader election: a lease with automatic renewal. `elect` resolves when this node leads;
 * `leader` tells who does. The leadership's `signal` aborts when it is lost.
 */
import { AbortError, ElectionLostError, LockUnavailableError, NotLeaderError, NotLockHolderError } from '../../core/errors.js'
import { checkLeaseName } from '../../core/lease.js'
import type { Lease, LockOptions, Locks } from '../locks/locks.js'

/** Lock name of an election group (in the lease namespace, so it cannot collide with a user's lock). */
export function electionLock (group: string): string {
  return `@election/${group}`
}

export interface ElectOptions extends Pick<LockOptions, 'mode' | 'signal' | 'settleMs'> {
  /** Lease duration, renewed every third of it. @default 10_000 */
  ttl?: number
  /** This candidate's id. @default this node's peer id */
  id?: string
  /** Keep campaigning for this many ms (Infinity: until elected or aborted). @default 0 */
  wait?: number
  /** Renew automatically every third of the TTL; false leads for one TTL only. @default true */
  renew?: boolean
}

/** @default 10_000 */
export const DEFAULT_ELECTION_TTL_MS = 10_000

/** Leadership of a group, renewed until resigned or lost. */
export class Leadership {
  readonly group: string
  readonly id: string
  /** The fencing token of this term. */
  readonly token: string
  /** Aborts when leadership is lost (a renewal failed, or another leader won on heal) or resigned. */
  readonly signal: AbortSignal
  private readonly lease: Lease
  private readonly timer: NodeJS.Timeout

  constructor (group: string, lease: Lease, ttl: number, renew = true) {
    this.group = group
    this.id = lease.owner
    this.token = lease.token
    this.signal = lease.signal
    this.lease = lease
    this.timer = setInterval(() => { lease.renew({ ttl }).catch(() => { clearInterval(this.timer) }) }, Math.max(1, Math.floor(ttl / 3)))
    this.timer.unref()
    if (!renew) clearInterval(this.timer)
    lease.signal.addEventListener('abort', () => clearInterval(this.timer), { once: true })
  }

  /** Steps down: stops renewing and releases the lease. */
  async resign (): Promise<void> {
    clearInterval(this.timer)
    await this.lease.release()
  }
}

export async function elect (locks: Locks, group: string, options: ElectOptions = {}): Promise<Leadership> {
  checkLeaseName('group', group)
  const ttl = options.ttl ?? DEFAULT_ELECTION_TTL_MS
  try {
    const lease = await locks.lock(electionLock(group), { ttl, owner: options.id, wait: options.wait, signal: options.signal, mode: options.mode, settleMs: options.settleMs })
    return new Leadership(group, lease, ttl, options.renew !== false)
  } catch (err) {
    if (err instanceof LockUnavailableError) throw new ElectionLostError(err.message.replace(`lock ${electionLock(group)}`, `group ${group}`), { waitedMs: err.waitedMs })
    if (err instanceof AbortError) throw err
    throw err
  }
}

/** The live leader's id, or undefined. */
export function leaderOf (locks: Locks, group: string): string | undefined {
  checkLeaseName('group', group)
  return locks.holder(electionLock(group))?.owner
}

/**
 * Ends `id`'s leadership of `group` from anywhere (the CLI's `leader resign`): NotLeaderError when
 * `id` does not lead it (another does, or nobody).
 */
export async function resign (locks: Locks, group: string, id: string): Promise<void> {
  checkLeaseName('group', group)
  checkLeaseName('id', id)
  const leader = leaderOf(locks, group)
  if (leader !== id) throw new NotLeaderError(`${id} does not lead group ${group}: ${leader === undefined ? 'nobody does' : `${leader} does`}`)
  try {
    await locks.unlock(electionLock(group), id)
  } catch (err) {
    // the term ended between the look and the release
    if (err instanceof NotLockHolderError) throw new NotLeaderError(`${id} does not lead group ${group} (any more)`)
    throw err
  }
}
