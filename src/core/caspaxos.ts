/**
 * CASPaxos (Rystsov 2018, "CASPaxos: Replicated State Machines without logs"): one register per
 * key, changed by a pure function, agreed on by a majority of acceptors, no log. This file holds
 * what the acceptor (cas-acceptor.ts), the proposer (cas-proposer.ts), the wire and the simulator
 * share: register states, ballots, the messages, and the byte form of an acceptor's slot.
 *
 * A register's accepted value carries, beside its state, the `history` of the ballots that
 * proposed the last few states of its chain (each proposer appends its ballot). A proposer whose
 * accept was left in doubt (no majority answered) finds out on its retry whether that accept
 * was committed (its ballot is in the history of what it reads): it then returns the result it
 * computed instead of applying its change a second time. See docs/semantics.md, "Quorum mode".
 */

/** A register's content. `expiresAt`: absolute mesh time (ms); the register reads as empty from then on. */
export interface RegisterState {
  value: Uint8Array
  expiresAt?: number
}

/** Returned as `next` by a change that only reads: the register keeps its state. */
export const UNCHANGED: unique symbol = Symbol('meshkv.unchanged')

/**
 * A change of one register: pure and deterministic (it may run more than once, when a round is
 * retried). `current` is undefined when the register is empty or expired at `now` (mesh time).
 * `next: undefined` empties the register; `UNCHANGED` keeps it as it is (a linearizable read).
 */
export type Change<R> = (current: RegisterState | undefined, now: number) => { next: RegisterState | undefined | typeof UNCHANGED, result: R }

/**
 * A ballot: `n`, then the proposer's `id` (unique per proposer instance: two proposers never
 * share a ballot, and one proposer never uses one ballot for two values).
 */
export interface Ballot {
  n: number
  id: string
}

/** Below every ballot a proposer issues. */
export const ZERO_BALLOT: Ballot = Object.freeze({ n: 0, id: '' })

/** Negative, zero or positive as `a` is below, equal to or above `b`. */
export function compareBallots (a: Ballot, b: Ballot): number {
  if (a.n !== b.n) return a.n < b.n ? -1 : 1
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0
}

export function maxBallot (a: Ballot, b: Ballot): Ballot {
  return compareBallots(a, b) >= 0 ? a : b
}

export function sameBallot (a: Ballot, b: Ballot): boolean {
  return a.n === b.n && a.id === b.id
}

/** What an acceptor accepts: a register state (undefined: empty) and the ballots that made its chain's last states, oldest first. */
export interface Proposal {
  state: RegisterState | undefined
  history: Ballot[]
}

/** How many ballots a register's history keeps: a proposer whose change is in doubt can tell whether it was committed while fewer rounds than this committed since (32 was overtaken by 5 daemons x 20 concurrent incs). @default 128 */
export const HISTORY_LENGTH = 128

export const EMPTY_PROPOSAL: Proposal = Object.freeze({ state: undefined, history: [] }) as Proposal

/** `state` unless it expired at `now`. */
export function liveState (state: RegisterState | undefined, now: number): RegisterState | undefined {
  return state !== undefined && (state.expiresAt === undefined || state.expiresAt > now) ? state : undefined
}

export type CasRequest =
  /**
   * Phase 1: promise `ballot` and tell what you accepted. `have`: the proposer already knows the
   * proposal accepted at this ballot (its own node's acceptor holds it): an acceptor whose
   * accepted ballot is `have` leaves its proposal out of the promise (a ballot names one proposal).
   */
  | { type: 'prepare', key: string, ballot: Ballot, have?: Ballot }
  /**
   * Phase 2: accept `proposal` at `ballot`. With `next` (above `ballot`): also promise `next` in the
   * same step (the one-round-trip optimisation: the proposer's next change of this key skips phase 1).
   */
  | { type: 'accept', key: string, ballot: Ballot, proposal: Proposal, next?: Ballot }

/**
 * Why an acceptor refused: `conflict` (it promised or accepted a higher ballot, given in the
 * reply), `full` (it keeps no more registers), `amnesic` (it restarted without its state and
 * answers nothing), `storage` (its state could not be written).
 */
export type CasRefusal = 'conflict' | 'full' | 'amnesic' | 'storage'
export const CAS_REFUSALS: readonly CasRefusal[] = ['conflict', 'full', 'amnesic', 'storage']

export type CasReply =
  /**
   * The promise of a prepare: the highest ballot it accepted and what (ZERO_BALLOT and
   * EMPTY_PROPOSAL when none). `proposal` is left out only when `accepted` is the prepare's `have`.
   */
  | { type: 'promised', accepted: Ballot, proposal?: Proposal }
  | { type: 'accepted' }
  | { type: 'refused', reason: CasRefusal, ballot?: Ballot }

/**
 * What a node's own acceptor knows of a register, given to its proposer as a hint: the highest
 * ballot it promised or accepted (`seen`), and the ballot and proposal it accepted.
 */
export interface CasHint {
  seen: Ballot
  accepted: Ballot
  proposal: Proposal
}

/** Whether a value is a well-formed ballot (for untrusted input). */
export function isBallot (b: unknown): b is Ballot {
  const x = b as Ballot
  return typeof x === 'object' && x !== null && Number.isSafeInteger(x.n) && x.n >= 0 && typeof x.id === 'string' && x.id.length <= MAX_BALLOT_ID
}

/** The longest proposer id in a ballot, in UTF-16 units. */
export const MAX_BALLOT_ID = 64

/** An acceptor's state of one register. */
export interface Slot {
  promised: Ballot
  accepted: Ballot
  proposal: Proposal
  /** The acceptor's clock at its last change (promise or accept): a slot idle long enough may be forgotten. */
  touched: number
}

const SLOT_FORMAT = 1
const enc = new TextEncoder()
const dec = new TextDecoder('utf-8', { fatal: true })

/** A slot as bytes (its stored form). */
export function encodeSlot (slot: Slot): Uint8Array {
  const ids = [slot.promised, slot.accepted, ...slot.proposal.history].map(b => enc.encode(b.id))
  const value = slot.proposal.state?.value
  const size = 1 + 8 + 1 + 4 + ids.reduce((s, id) => s + 8 + 2 + id.byteLength, 0) + 8 + 4 + (value?.byteLength ?? 0)
  const out = new Uint8Array(size)
  const v = new DataView(out.buffer)
  let o = 0
  v.setUint8(o, SLOT_FORMAT); o += 1
  v.setFloat64(o, slot.touched); o += 8
  v.setUint8(o, slot.proposal.state === undefined ? 0 : 1); o += 1
  v.setUint32(o, slot.proposal.history.length); o += 4
  const ballots = [slot.promised, slot.accepted, ...slot.proposal.history]
  for (let i = 0; i < ballots.length; i++) {
    v.setFloat64(o, ballots[i].n); o += 8
    v.setUint16(o, ids[i].byteLength); o += 2
    out.set(ids[i], o); o += ids[i].byteLength
  }
  v.setFloat64(o, slot.proposal.state?.expiresAt ?? NaN); o += 8
  v.setUint32(o, value?.byteLength ?? 0); o += 4
  if (value !== undefined) out.set(value, o)
  return out
}

/** The slot `encodeSlot` wrote; undefined when the bytes are not one. */
export function decodeSlot (bytes: Uint8Array): Slot | undefined {
  try {
    const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    let o = 0
    if (v.getUint8(o) !== SLOT_FORMAT) return undefined
    o += 1
    const touched = v.getFloat64(o); o += 8
    const present = v.getUint8(o) === 1; o += 1
    const n = v.getUint32(o); o += 4
    if (n > HISTORY_LENGTH) return undefined
    const ballots: Ballot[] = []
    for (let i = 0; i < n + 2; i++) {
      const bn = v.getFloat64(o); o += 8
      const len = v.getUint16(o); o += 2
      if (o + len > bytes.byteLength) return undefined
      ballots.push({ n: bn, id: dec.decode(bytes.subarray(o, o + len)) }); o += len
    }
    const expiresAt = v.getFloat64(o); o += 8
    const len = v.getUint32(o); o += 4
    if (o + len !== bytes.byteLength || !ballots.every(isBallot)) return undefined
    const state: RegisterState | undefined = present ? (Number.isNaN(expiresAt) ? { value: bytes.slice(o) } : { value: bytes.slice(o), expiresAt }) : undefined
    return { touched, promised: ballots[0], accepted: ballots[1], proposal: { state, history: ballots.slice(2) } }
  } catch {
    return undefined
  }
}
