/**
 * The CASPaxos proposer as a pure state machine. `CasProposer` is one per node (its ballots and
 * its one-round-trip cache); `start` begins one change of one register and returns a
 * `CasOperation` and its first step. The driver (src/api/quorum-host.ts, or the simulator) sends
 * each `send` step's request to the members, feeds every reply (or `undefined` for a member that
 * failed or timed out) back to `receive`, waits a jittered backoff of its choosing on `retry`,
 * and settles on `done` or `unavailable`. No timers, no randomness: deterministic.
 *
 * A round (Rystsov 2018, section 2.2): prepare at a fresh ballot; on a majority of promises take
 * the proposal with the highest accepted ballot, apply the change to its state (as of `now`;
 * expired reads as empty), and ask the members to accept the result at the same ballot; a
 * majority of accepts commits it. A refusal naming a higher ballot is a conflict: the driver
 * retries above it after a backoff.
 *
 * **Exactly once.** A change whose accept was left in doubt (no majority either way) may still be
 * committed later by another proposer that adopts it. So every proposed state carries its
 * ballot in the register's `history`; on the retry, if the state read descends from the in-doubt
 * proposal (its ballot is in the history), the change is already in the register: the proposer
 * re-proposes what it read unchanged and returns the result it computed then, instead of applying
 * the change twice. If the history is full and starts above the in-doubt ballot, it cannot tell,
 * and gives up (`unavailable`, `inDoubt`).
 *
 * **One round trip.** Each accept carries `next`, a fresh ballot of this proposer; an acceptor
 * that accepts also promises `next` in the same step (and the same write). When a majority
 * accepted, the proposer caches `(next, proposal)` for the key: the next change of that key on
 * this node starts straight at the accept phase with ballot `next`, on the cached proposal. Why
 * that is safe: a majority promised `next` while its accepted value was exactly `proposal` —
 * precisely the answers a prepare at `next` would have had from that majority had it been sent
 * at that moment; Paxos' safety does not depend on when a promise is made, only that the acceptor
 * refuses lower ballots afterwards and reported its accepted value when it promised. Any proposer
 * that has since prepared a higher ballot makes the accept at `next` fail with a conflict, and
 * this proposer falls back to two phases. A cache entry is used once (taken), and dropped after
 * `cacheTtlMs` (well within the acceptors' `forgetAfterMs`, so no acceptor has forgotten the
 * promise meanwhile).
 */
import {
  compareBallots, HISTORY_LENGTH, liveState, sameBallot, UNCHANGED, ZERO_BALLOT,
  type Ballot, type CasHint, type CasRefusal, type CasReply, type CasRequest, type Change, type Proposal
} from './caspaxos.js'

/** How long a one-round-trip cache entry is used. @default 10_000 */
export const DEFAULT_CAS_CACHE_TTL_MS = 10_000
/** Most registers a proposer caches for the one-round-trip path. @default 1_024 */
export const DEFAULT_CAS_CACHE_SIZE = 1_024

export interface CasProposerOptions {
  /** This proposer's id in its ballots: unique among every proposer that ever runs (random per instance). */
  id: string
  /** @default DEFAULT_CAS_CACHE_TTL_MS */
  cacheTtlMs?: number
  /** @default DEFAULT_CAS_CACHE_SIZE */
  maxCached?: number
}

export type CasStep<R> =
  /** Send `request` to each member in `to`; feed each reply (or undefined on failure) to `receive` with `seq`. */
  | { type: 'send', seq: number, to: readonly string[], request: CasRequest }
  /** Nothing to do until more replies come. */
  | { type: 'wait' }
  /**
   * A higher ballot won this round: call `retry`. `attempt` counts the two-phase rounds lost so far
   * (from 1): back off before retrying, longer as it grows. 0: only a one-round-trip attempt was
   * refused (its cached ballot was overtaken, which says nothing of contention): retry at once.
   */
  | { type: 'retry', attempt: number }
  | { type: 'done', result: R }
  /**
   * No majority: `answered` members replied of `members`; `refusals` counts why those refused.
   * `inDoubt`: an accept of this change may have been taken and could still be committed.
   * `overtaken`: a majority answered, but an in-doubt proposal of this change is older than the
   * register's history reaches: whether it was committed cannot be told, so it gives up.
   */
  | { type: 'unavailable', answered: number, members: number, refusals: Partial<Record<CasRefusal, number>>, inDoubt: boolean, overtaken?: true }

interface Cached {
  ballot: Ballot
  proposal: Proposal
  at: number
}

export class CasProposer {
  readonly id: string
  private n = 0
  private readonly cache = new Map<string, Cached>()
  private readonly cacheTtlMs: number
  private readonly maxCached: number

  constructor (options: CasProposerOptions) {
    this.id = options.id
    this.cacheTtlMs = options.cacheTtlMs ?? DEFAULT_CAS_CACHE_TTL_MS
    this.maxCached = options.maxCached ?? DEFAULT_CAS_CACHE_SIZE
  }

  /**
   * Begins a change of register `key` among `members` at mesh time `now`. `hint`: what this
   * node's own acceptor knows of the register, when it knows anything (see `begin`).
   */
  start<R> (key: string, change: Change<R>, members: readonly string[], now: number, hint?: CasHint): { op: CasOperation<R>, step: CasStep<R> } {
    const op = new CasOperation(this, key, change, members)
    return { op, step: op.begin(now, hint) }
  }

  /** A fresh ballot above `above`: never issued before by this proposer. */
  ballot (above?: Ballot): Ballot {
    this.n = Math.max(this.n, above?.n ?? 0) + 1
    return { n: this.n, id: this.id }
  }

  /** Takes the key's one-round-trip entry (used once), when fresh. */
  take (key: string, now: number): Cached | undefined {
    const c = this.cache.get(key)
    if (c === undefined) return undefined
    this.cache.delete(key)
    return now - c.at <= this.cacheTtlMs ? c : undefined
  }

  remember (key: string, entry: Cached): void {
    this.cache.delete(key)
    this.cache.set(key, entry)
    if (this.cache.size > this.maxCached) this.cache.delete(this.cache.keys().next().value as string)
  }

  /** Keys with a one-round-trip entry (tests). */
  get cached (): number {
    return this.cache.size
  }
}

type Phase = 'prepare' | 'accept' | 'backoff' | 'done'

export class CasOperation<R> {
  readonly key: string
  /** Rounds begun (1 for the first). */
  attempts = 0
  /** Two-phase rounds lost to a higher ballot. */
  private lost = 0
  /** Whether the last round skipped the prepare phase (the one-round-trip path). */
  oneRoundTrip = false
  private readonly proposer: CasProposer
  private readonly change: Change<R>
  private readonly members: readonly string[]
  private readonly majority: number
  private phase: Phase = 'prepare'
  private seq = 0
  private ballot: Ballot = { n: 0, id: '' }
  private next: Ballot | undefined
  /** The highest ballot a conflict named: the next round's ballot goes above it. */
  private above: Ballot | undefined
  /** A proposal this node's own acceptor accepted, and at which ballot (the hint): prepares name it as `have`. */
  private known: { ballot: Ballot, proposal: Proposal } | undefined
  /** Whether this round's proposal applies this change (not a read, not a re-proposal). */
  private proposalIsNew = false
  private proposal: Proposal | undefined
  private result: { value: R } | undefined
  /** This round's replies. */
  private replied = new Map<string, CasReply | undefined>()
  /** Proposals of this change whose accept went out and did not commit, with the result computed for each. */
  private readonly doubts: Array<{ ballot: Ballot, result: R }> = []

  constructor (proposer: CasProposer, key: string, change: Change<R>, members: readonly string[]) {
    this.proposer = proposer
    this.key = key
    this.change = change
    this.members = [...new Set(members)]
    this.majority = Math.floor(this.members.length / 2) + 1
  }

  get done (): boolean {
    return this.phase === 'done'
  }

  /**
   * The first round: the accept phase at once on a fresh cached entry, else a prepare. The hint
   * (what this node's own acceptor knows of the register) says where the register's ballots
   * stand. When the register is idle there (its highest ballot `seen` is the promise the last
   * accepted proposer made with its accept) and a cached ballot is below it (another proposer took
   * the register over since), the cached accept would only be refused: it prepares at once
   * instead, and above `seen`, so that a first prepare does not lose to the last writer's promise
   * either. Writers taking turns then pay two round trips, not three (a refused accept, a prepare,
   * an accept). A round under way (a promise of another proposer's prepare) is left alone. Its
   * prepares also name the ballot that acceptor accepted (`have`): acceptors that accepted the
   * same leave the proposal (and its history) out of their promise, and this round takes the
   * hint's proposal for theirs (a ballot names one proposal). Only the path, the ballot and what
   * travels depend on the hint: any hint, stale or wrong, is safe.
   */
  begin (now: number, hint?: CasHint): CasStep<R> {
    this.attempts = 1
    const cached = this.proposer.take(this.key, now)
    if (hint !== undefined) {
      if (compareBallots(hint.accepted, ZERO_BALLOT) > 0) this.known = { ballot: hint.accepted, proposal: hint.proposal }
      // idle: its highest promise is the last accepted proposer's own (the `next` of its accept),
      // so taking the register over breaks no round; a promise of another proposer's prepare is
      // a round under way, which a prepare above it would only break (contention: the old path)
      const idle = hint.seen.id === hint.accepted.id
      if (idle && compareBallots(hint.seen, ZERO_BALLOT) > 0 && (cached === undefined || compareBallots(hint.seen, cached.ballot) > 0)) this.above = hint.seen
    }
    if (cached === undefined || this.above !== undefined) return this.prepare()
    this.oneRoundTrip = true
    this.ballot = cached.ballot
    return this.propose(cached.proposal, now)
  }

  /** A new round, above every ballot the last one was refused with: call after the driver's backoff. */
  retry (): CasStep<R> {
    if (this.phase !== 'backoff') return { type: 'wait' }
    this.attempts++
    this.oneRoundTrip = false
    return this.prepare()
  }

  /** One member's reply to the request of step `seq` (undefined: it failed or timed out). */
  receive (seq: number, from: string, reply: CasReply | undefined, now: number): CasStep<R> {
    if ((this.phase !== 'prepare' && this.phase !== 'accept') || seq !== this.seq || !this.members.includes(from) || this.replied.has(from)) return { type: 'wait' }
    // a promise without its proposal stands only for the one this round named as `have`: else it counts as no answer
    if (reply?.type === 'promised' && reply.proposal === undefined && (this.known === undefined || !sameBallot(reply.accepted, this.known.ballot))) reply = undefined
    this.replied.set(from, reply)
    const good = this.phase === 'prepare' ? 'promised' : 'accepted'
    const replies = [...this.replied.values()]
    const ok = replies.filter(r => r?.type === good).length
    if (ok >= this.majority) return this.phase === 'prepare' ? this.promised(now) : this.committed(now)
    if (this.members.length - (this.replied.size - ok) >= this.majority) return { type: 'wait' }
    // no majority is possible any more this round
    if (this.phase === 'accept' && this.proposal !== undefined && this.result !== undefined && this.proposalIsNew) {
      this.doubts.push({ ballot: this.ballot, result: this.result.value })
    }
    const refusals: Partial<Record<CasRefusal, number>> = {}
    let conflict: Ballot | undefined
    for (const r of replies) {
      if (r?.type !== 'refused') continue
      refusals[r.reason] = (refusals[r.reason] ?? 0) + 1
      if (r.reason === 'conflict' && r.ballot !== undefined && (conflict === undefined || compareBallots(r.ballot, conflict) > 0)) conflict = r.ballot
    }
    if (conflict !== undefined || refusals.conflict !== undefined) {
      this.above = conflict
      this.phase = 'backoff' // later replies of this round change nothing
      if (!this.oneRoundTrip) this.lost++
      return { type: 'retry', attempt: this.oneRoundTrip ? 0 : this.lost }
    }
    this.phase = 'done'
    return { type: 'unavailable', answered: replies.filter(r => r !== undefined).length, members: this.members.length, refusals, inDoubt: this.doubts.length > 0 }
  }

  private prepare (): CasStep<R> {
    this.phase = 'prepare'
    this.ballot = this.proposer.ballot(this.above)
    return this.send(this.known === undefined ? { type: 'prepare', key: this.key, ballot: this.ballot } : { type: 'prepare', key: this.key, ballot: this.ballot, have: this.known.ballot })
  }

  private send (request: CasRequest): CasStep<R> {
    this.seq++
    this.replied = new Map()
    return { type: 'send', seq: this.seq, to: this.members, request }
  }

  /** A majority promised: propose on the highest accepted proposal among them. */
  private promised (now: number): CasStep<R> {
    let best: { accepted: Ballot, proposal?: Proposal } | undefined
    for (const r of this.replied.values()) {
      if (r?.type === 'promised' && (best === undefined || compareBallots(r.accepted, best.accepted) > 0)) best = r
    }
    const b = best as { accepted: Ballot, proposal?: Proposal }
    return this.propose(b.proposal ?? (this.known as { proposal: Proposal }).proposal, now)
  }

  /** Applies the change to `read` (or finds it already applied) and sends the accept at this round's ballot. */
  private propose (read: Proposal, now: number): CasStep<R> {
    const mine = this.doubts.find(d => read.history.some(b => sameBallot(b, d.ballot)))
    if (mine !== undefined) {
      // an earlier proposal of this change is in the register: commit what was read as it is
      this.result = { value: mine.result }
      return this.accept(read, false)
    }
    if (this.doubts.length > 0 && read.history.length >= HISTORY_LENGTH && this.doubts.some(d => compareBallots(read.history[0], d.ballot) > 0)) {
      this.phase = 'done'
      return { type: 'unavailable', answered: this.replied.size, members: this.members.length, refusals: {}, inDoubt: true, overtaken: true }
    }
    const { next, result } = this.change(liveState(read.state, now), now)
    this.result = { value: result }
    if (next === UNCHANGED) return this.accept(read, false)
    return this.accept({ state: next, history: [...read.history, this.ballot].slice(-HISTORY_LENGTH) }, true)
  }

  private accept (proposal: Proposal, isNew: boolean): CasStep<R> {
    this.phase = 'accept'
    this.proposal = proposal
    this.proposalIsNew = isNew
    this.next = this.proposer.ballot()
    return this.send({ type: 'accept', key: this.key, ballot: this.ballot, proposal, next: this.next })
  }

  /** A majority accepted (and promised `next`): committed. */
  private committed (now: number): CasStep<R> {
    this.phase = 'done'
    this.proposer.remember(this.key, { ballot: this.next as Ballot, proposal: this.proposal as Proposal, at: now })
    return { type: 'done', result: (this.result as { value: R }).value }
  }
}
