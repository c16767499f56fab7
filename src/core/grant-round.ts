/**
 * One round of grant requests of a quorum-mode lock client (an acquisition or a renewal): who was
 * asked, how many grants make a majority, each acceptor's reply counted once, and, when the round
 * fails, why: the refusals it saw tell a restarting or full acceptor from a lock another owner holds.
 */
import type { GrantReply, GrantRequest } from './acceptor.js'
import type { LockUnavailableReason } from './errors.js'
import type { Timestamp } from './hlc.js'

export interface Round {
  req: GrantRequest
  /** The node's clock before the requests went out: the lease runs from here. */
  start: number
  /** The HLC the claim's key was made from (an acquisition). */
  stamp?: Timestamp
  asked: number
  needed: number
  replied: Set<string>
  granted: Set<string>
  /** Refusals naming a holder whose claim this node already saw released. */
  releasedHolder: number
  /** Refusals by acceptors that restarted (they grant nothing for maxLeaseTtlMs) or are full. */
  recovering: number
  full: number
}

/** A round asking `members`, of `size` acceptors in all (a majority of `size` must grant). */
export function openRound (req: GrantRequest, start: number, members: string[], size: number, stamp?: Timestamp): Round {
  return { req, start, stamp, asked: members.length, needed: Math.floor(size / 2) + 1, replied: new Set(), granted: new Set(), releasedHolder: 0, recovering: 0, full: 0 }
}

/**
 * Counts the reply of `from` (a duplicate is ignored). `majority` once a majority granted,
 * `out-of-reach` once the replies still out cannot make one, else undefined (wait for more).
 * `sawReleased` tells whether a refusal's holder is a claim this node already saw released.
 */
export function countReply (r: Round, from: string, reply: GrantReply, sawReleased: (token: string) => boolean): 'majority' | 'out-of-reach' | undefined {
  if (r.replied.has(from)) return undefined // the network may duplicate a reply
  r.replied.add(from)
  if (reply.granted) r.granted.add(from)
  else if (reply.reason === 'held' && reply.holder !== undefined && sawReleased(reply.holder.token)) r.releasedHolder++
  else if (reply.reason === 'recovering') r.recovering++
  else if (reply.reason === 'full') r.full++
  if (r.granted.size >= r.needed) return 'majority'
  // a majority is out of reach: no need to wait for the rest
  if (r.granted.size + r.asked - r.replied.size < r.needed) return 'out-of-reach'
  return undefined
}

/** `g of n acceptors granted, m needed`. */
export function tallyOf (r: Round): string {
  return `${r.granted.size} of ${r.asked} acceptors granted, ${r.needed} needed`
}

/** Why the acquisition of lock `name` failed in round `r` (no majority in time): the reason and message it waits with. */
export function whyFailed (r: Round, name: string): { reason: LockUnavailableReason, why: string } {
  const tally = tallyOf(r)
  // at most this many could still have granted (the round may end before every reply is in)
  const possible = r.granted.size + r.asked - r.replied.size
  if (r.granted.size >= r.needed) {
    return { reason: 'contended', why: `lock ${name} could not be acquired: the majority's grant came after the lease would have ended (${tally})` }
  } else if (r.recovering > 0 && possible + r.recovering >= r.needed) {
    return { reason: 'acceptor-restarting', why: `lock ${name} could not be acquired: ${r.recovering} acceptor(s) restarted and grant nothing for maxLeaseTtlMs after their start (they forgot what they granted before); ${tally}` }
  } else if (r.full > 0 && possible + r.full >= r.needed) {
    return { reason: 'acceptors-full', why: `lock ${name} could not be acquired: ${r.full} acceptor(s) keep state for their maximum number of locks and refuse new ones; ${tally}` }
  }
  return { reason: 'contended', why: `lock ${name} could not be acquired: no majority of acceptors granted it (${tally})` }
}
