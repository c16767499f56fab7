/**
 * One anti-entropy round between two stores in memory: the same core steps the network protocol
 * (src/net/sync.ts) runs, with the transport taken away.
 */
import type { Store } from '../src/core/store.js'
import { lookup, plan, summarize } from '../src/core/sync.js'

export interface RoundResult {
  diff: number
  sent: number
  received: number
}

export function syncRound (initiator: Store, responder: Store): RoundResult {
  const { diff, versions } = summarize(responder, initiator.digest.snapshot())
  if (diff.length === 0) return { diff: 0, sent: 0, received: 0 }
  const { push, want } = plan(initiator, diff, versions, { peerFull: responder.atCapacity, selfFull: initiator.atCapacity })
  responder.merge(push)
  const reply = lookup(responder, want).entries
  initiator.merge(reply)
  return { diff: diff.length, sent: push.length, received: reply.length }
}
