/**
 * A CASPaxos acceptor: per register key, the highest ballot it promised, the highest it accepted
 * and what it accepted. Pure (the clock is given with each request); `answer` writes the changed
 * slot through `persist` before it replies, so a restarted durable acceptor remembers every
 * promise and accept it answered.
 *
 * Rules (Rystsov 2018, section 2.2): a prepare is promised unless a higher ballot was promised or
 * an equal or higher one accepted; an accept is taken unless a higher ballot was promised or
 * accepted; a refusal names the highest ballot seen, so the proposer retries above it. An accept
 * carrying `next` also promises `next`, atomically with the accept (the one-round-trip path, see
 * cas-proposer.ts). A prepare naming the ballot it accepted as `have` is promised without the
 * proposal (the proposer holds it already: the register's history is most of a promise's bytes).
 *
 * Bounded: any peer can name registers, so it keeps at most `maxRegisters` of them. A register
 * that is empty (or expired) and untouched for `forgetAfterMs` is forgotten (see `forgetAfterMs`
 * for why that is safe); when the table is full of registers it must keep, requests naming new
 * ones are refused (`full`) and counted.
 */
import { DEFAULT_MAX_DRIFT_MS } from './hlc.js'
import { compareBallots, decodeSlot, sameBallot, EMPTY_PROPOSAL, encodeSlot, liveState, maxBallot, ZERO_BALLOT, type CasHint, type CasReply, type CasRequest, type Slot } from './caspaxos.js'

/** Most registers an acceptor keeps. @default 100_000 */
export const DEFAULT_MAX_REGISTERS = 100_000
/** Least time between two sweeps of a full table, in ms (a sweep is O(registers)). */
const SWEEP_INTERVAL_MS = 1_000

export interface CasAcceptorOptions {
  /** Slots written before a restart (a durable node's registers), as `persist` wrote them. */
  restored?: Iterable<[string, Uint8Array]>
  /**
   * Writes a register's slot durably (undefined: removes it); `answer` awaits it before replying.
   * @default undefined (nothing is written: the acceptor forgets at a restart)
   */
  persist?: (key: string, slot: Uint8Array | undefined) => Promise<void>
  /**
   * It answered requests under this identity before and has lost what it promised and accepted
   * (a restart without its data directory): it refuses everything (`amnesic`), since answering
   * could undo a committed change. @default false
   */
  amnesic?: boolean
  /** Most registers it keeps; requests naming new ones beyond it are refused (`full`). @default 100_000 */
  maxRegisters?: number
  /**
   * How long an empty or expired register stays after its last promise or accept before it is
   * forgotten. Safe while no round (a proposer's prepare to its last accept) outlasts it, and
   * while clocks agree within half of it: a forgotten register reads as empty, as an expired one
   * does. @default 2 × DEFAULT_MAX_DRIFT_MS (120_000)
   */
  forgetAfterMs?: number
}

export interface CasAcceptorCounters {
  /** Requests naming new registers refused because the table was full. */
  full: number
  /** Registers forgotten (empty or expired, and idle). */
  forgotten: number
  /** Restored slots that did not decode (skipped). */
  corrupt: number
}

export class CasAcceptor {
  readonly counters: CasAcceptorCounters = { full: 0, forgotten: 0, corrupt: 0 }
  readonly maxRegisters: number
  readonly amnesic: boolean
  private readonly slots = new Map<string, Slot>()
  private readonly persist: ((key: string, slot: Uint8Array | undefined) => Promise<void>) | undefined
  private readonly forgetAfterMs: number
  private lastSweep = -Infinity

  constructor (options: CasAcceptorOptions = {}) {
    this.maxRegisters = options.maxRegisters ?? DEFAULT_MAX_REGISTERS
    this.forgetAfterMs = options.forgetAfterMs ?? 2 * DEFAULT_MAX_DRIFT_MS
    this.amnesic = options.amnesic ?? false
    this.persist = options.persist
    for (const [key, bytes] of options.restored ?? []) {
      const slot = decodeSlot(bytes)
      if (slot === undefined) this.counters.corrupt++
      else this.slots.set(key, slot)
    }
  }

  /** Registers it keeps state for. */
  get size (): number {
    return this.slots.size
  }

  /** What it knows of register `key` (undefined: nothing), as a hint for a proposer on this node (see CasOperation.begin). */
  hint (key: string): CasHint | undefined {
    const s = this.slots.get(key)
    return s === undefined ? undefined : { seen: maxBallot(s.promised, s.accepted), accepted: s.accepted, proposal: s.proposal }
  }

  /** The slot of `key` (a copy), for tests and the simulator's checks. */
  slot (key: string): Slot | undefined {
    const s = this.slots.get(key)
    return s === undefined ? undefined : { ...s, proposal: { state: s.proposal.state, history: [...s.proposal.history] } }
  }

  /**
   * `handle`, with the changed slot written (when `persist` is given) before the reply. A slot
   * that could not be written is answered as a refusal (`storage`): the acceptor still holds the
   * change in memory, which only makes it refuse more.
   */
  async answer (req: CasRequest, now: number): Promise<CasReply> {
    const { reply, changed } = this.handle(req, now)
    if (!changed || this.persist === undefined) return reply
    const slot = this.slots.get(req.key)
    try {
      await this.persist(req.key, slot === undefined ? undefined : encodeSlot(slot))
      return reply
    } catch {
      return { type: 'refused', reason: 'storage' }
    }
  }

  /** Answers one request at `now` (this acceptor's clock); `changed`: the slot must be written before the reply goes out. */
  handle (req: CasRequest, now: number): { reply: CasReply, changed: boolean } {
    if (this.amnesic) return { reply: { type: 'refused', reason: 'amnesic' }, changed: false }
    if (now - this.lastSweep >= this.forgetAfterMs) this.sweep(now)
    let s = this.slots.get(req.key)
    if (s === undefined) {
      if (!this.room(now)) {
        this.counters.full++
        return { reply: { type: 'refused', reason: 'full' }, changed: false }
      }
      s = { promised: ZERO_BALLOT, accepted: ZERO_BALLOT, proposal: EMPTY_PROPOSAL, touched: now }
    }
    const seen = maxBallot(s.promised, s.accepted)
    if (req.type === 'prepare') {
      if (compareBallots(req.ballot, s.promised) < 0 || compareBallots(req.ballot, s.accepted) <= 0) {
        return { reply: { type: 'refused', reason: 'conflict', ballot: seen }, changed: false }
      }
      const changed = compareBallots(req.ballot, s.promised) !== 0
      this.slots.set(req.key, { ...s, promised: req.ballot, touched: now })
      // the proposer knows the proposal accepted at `have` (a ballot names one proposal): not sent again
      if (req.have !== undefined && sameBallot(req.have, s.accepted) && compareBallots(s.accepted, ZERO_BALLOT) > 0) {
        return { reply: { type: 'promised', accepted: s.accepted }, changed }
      }
      return { reply: { type: 'promised', accepted: s.accepted, proposal: s.proposal }, changed }
    }
    if (compareBallots(req.ballot, s.promised) < 0 || compareBallots(req.ballot, s.accepted) < 0) {
      return { reply: { type: 'refused', reason: 'conflict', ballot: seen }, changed: false }
    }
    const promised = req.next !== undefined && compareBallots(req.next, req.ballot) > 0 ? req.next : req.ballot
    this.slots.set(req.key, { promised, accepted: req.ballot, proposal: req.proposal, touched: now })
    return { reply: { type: 'accepted' }, changed: true }
  }

  /** Whether a new register fits: at once below the cap; when full, after forgetting idle empty ones (one sweep a second at most). */
  private room (now: number): boolean {
    if (this.slots.size < this.maxRegisters) return true
    if (now - this.lastSweep < SWEEP_INTERVAL_MS) return false
    this.sweep(now)
    return this.slots.size < this.maxRegisters
  }

  /** Forgets registers empty or expired at `now` and idle for `forgetAfterMs`. */
  private sweep (now: number): void {
    this.lastSweep = now
    for (const [key, s] of this.slots) {
      if (s.touched + this.forgetAfterMs <= now && liveState(s.proposal.state, now) === undefined) {
        this.slots.delete(key)
        this.counters.forgotten++
        this.persist?.(key, undefined).catch(() => {}) // a removal lost at a crash only keeps an expired register
      }
    }
  }
}
