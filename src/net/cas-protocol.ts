/**
 * `/meshkv/<mesh id>/cas/1.0.0` (bound to the mesh, see protocols.ts): the quorum registers'
 * CASPaxos messages (core/caspaxos.ts), a request and its reply at a time on a stream kept per peer (request-reply.ts). The serving side is
 * the node's CasAcceptor; every field of a request is checked (key length, value size against
 * the mesh's `maxValueBytes`, ballots, history length) and anything malformed is counted and the
 * stream aborted. Both directions carry the sender's clock: each reply is a round-trip
 * clock-offset sample, each request a one-way one.
 */
import type { Libp2p, PeerId, Stream } from '@libp2p/interface'
import type { CasAcceptor } from '../core/cas-acceptor.js'
import { CAS_REFUSALS, HISTORY_LENGTH, isBallot, type Ballot, type CasReply, type CasRequest, type Proposal } from '../core/caspaxos.js'
import type { ClockOffsets } from '../core/clock-offset.js'
import { InvalidMessageError } from '../core/errors.js'
import { MAX_REGISTER_KEY_BYTES, registerKeyBytes } from '../core/quorum.js'
import { checkTime, wireTime, WIRE_VERSION } from './codec.js'
import type { NetCounters } from './metrics.js'
import { protocolFor } from './protocols.js'
import { CasReply as WireReply, CasRequest as WireRequest, type CasBallot, type CasProposal } from './proto/meshkv.js'
import { decodeFrame, exchange, serveOnce } from './request-reply.js'

/** The quorum register protocol id of a mesh. */
export function casProtocolFor (mesh: string): string {
  return protocolFor(mesh, 'cas', '1.0.0')
}
/** A register request that takes longer than this counts as failed. @default 2_000 */
export const DEFAULT_CAS_REQUEST_TIMEOUT_MS = 2_000
/** Room in a frame beside the value: key, ballots, history. */
const FRAME_OVERHEAD_BYTES = 64 * 1024

export interface CasProtocolInit {
  mesh: string
  libp2p: Libp2p
  acceptor: CasAcceptor
  counters: NetCounters
  offsets: ClockOffsets
  /** The acceptor's clock (mesh time): register expiry and idle slots are judged by it. */
  now: () => number
  /** Largest register value accepted (the mesh's `maxValueBytes`). */
  maxValueBytes: number
  timeoutMs?: number
}

export class CasProtocol {
  readonly protocol: string
  private readonly init: CasProtocolInit
  private readonly timeoutMs: number
  private readonly maxFrameBytes: number

  constructor (init: CasProtocolInit) {
    this.init = init
    this.protocol = casProtocolFor(init.mesh)
    this.timeoutMs = init.timeoutMs ?? DEFAULT_CAS_REQUEST_TIMEOUT_MS
    this.maxFrameBytes = init.maxValueBytes + FRAME_OVERHEAD_BYTES
  }

  async start (): Promise<void> {
    await this.init.libp2p.handle(this.protocol, (stream, connection) => this.serve(stream, connection.remotePeer.toString()), { maxInboundStreams: 256 })
  }

  async stop (): Promise<void> {
    await this.init.libp2p.unhandle(this.protocol)
  }

  /** Asks one acceptor; undefined when it failed, timed out or answered nonsense. Never throws. */
  async request (peer: PeerId, req: CasRequest, signal?: AbortSignal): Promise<CasReply | undefined> {
    const { offsets } = this.init
    try {
      let sent = 0
      const frame = await exchange(this.init.libp2p, peer, this.protocol, () => {
        sent = offsets.mark()
        return encodeRequest(req, wireTime(() => offsets.physical()))
      }, { maxFrameBytes: this.maxFrameBytes, timeoutMs: this.timeoutMs, signal })
      const reply = WireReply.decode(frame, { limits: { proposal: { history: HISTORY_LENGTH } } })
      if (reply.version !== WIRE_VERSION) return undefined
      const time = checkTime(reply.time, 'cas reply')
      if (time !== undefined) offsets.roundTrip(peer.toString(), sent, time)
      return this.fromWireReply(reply)
    } catch {
      return undefined
    }
  }

  private async serve (stream: Stream, peer: string): Promise<void> {
    await serveOnce(stream, { maxFrameBytes: this.maxFrameBytes, timeoutMs: this.timeoutMs, counters: this.init.counters, what: 'cas request' }, async (frame) => {
      const wire = decodeFrame(() => WireRequest.decode(frame, { limits: { proposal: { history: HISTORY_LENGTH } } }), 'cas request')
      if (wire.version !== WIRE_VERSION) throw new InvalidMessageError('version', `cas request version must be ${WIRE_VERSION}, got ${wire.version}`)
      const time = checkTime(wire.time, 'cas request')
      if (time !== undefined) this.init.offsets.oneWay(peer, time)
      const reply = await this.init.acceptor.answer(this.fromWireRequest(wire), this.init.now())
      return WireReply.encode(toWireReply(reply, wireTime(() => this.init.offsets.physical())))
    })
  }

  private fromWireRequest (w: WireRequest): CasRequest {
    if (registerKeyBytes(w.key) === undefined) {
      throw new InvalidMessageError('invalid-entry', `cas request key must be 1 to ${MAX_REGISTER_KEY_BYTES} UTF-8 bytes, got ${w.key.length} characters`)
    }
    const ballot = ballotOf(w.ballot, 'ballot')
    if (w.kind === WireRequest.Kind.PREPARE) return w.have === undefined ? { type: 'prepare', key: w.key, ballot } : { type: 'prepare', key: w.key, ballot, have: ballotOf(w.have, 'have') }
    if (w.kind !== WireRequest.Kind.ACCEPT || w.proposal === undefined) throw new InvalidMessageError('malformed', 'cas request: an accept needs a proposal')
    const next = w.next === undefined ? undefined : ballotOf(w.next, 'next')
    return { type: 'accept', key: w.key, ballot, proposal: this.proposalOf(w.proposal), next }
  }

  private fromWireReply (w: WireReply): CasReply | undefined {
    try {
      if (w.kind === WireReply.Kind.ACCEPTED) return { type: 'accepted' }
      // without its proposal: the one accepted at the prepare's `have` (the proposer checks that it named this ballot)
      if (w.kind === WireReply.Kind.PROMISED) return w.proposal === undefined ? { type: 'promised', accepted: ballotOf(w.ballot, 'ballot') } : { type: 'promised', accepted: ballotOf(w.ballot, 'ballot'), proposal: this.proposalOf(w.proposal) }
      const reason = CAS_REFUSALS.find(r => r === w.reason)
      if (w.kind !== WireReply.Kind.REFUSED || reason === undefined) return undefined
      return { type: 'refused', reason, ballot: w.ballot === undefined ? undefined : ballotOf(w.ballot, 'ballot') }
    } catch {
      return undefined
    }
  }

  private proposalOf (p: CasProposal): Proposal {
    if (p.history.length > HISTORY_LENGTH) throw new InvalidMessageError('oversized', `cas proposal history must hold at most ${HISTORY_LENGTH} ballots, got ${p.history.length}`)
    if (p.value.byteLength > this.init.maxValueBytes) throw new InvalidMessageError('oversized', `cas register value must be at most ${this.init.maxValueBytes} bytes, got ${p.value.byteLength}`)
    if (!Number.isSafeInteger(p.expiresAt) || p.expiresAt < 0) throw new InvalidMessageError('malformed', `cas register expiry must be a non-negative integer, got ${p.expiresAt}`)
    if (!p.present && (p.value.byteLength > 0 || p.expiresAt !== 0)) throw new InvalidMessageError('malformed', 'cas register: an empty register has no value and no expiry')
    const history = p.history.map(b => ballotOf(b, 'history'))
    const value = p.value.slice() // not a view of the frame
    return { state: p.present ? (p.expiresAt === 0 ? { value } : { value, expiresAt: p.expiresAt }) : undefined, history }
  }
}

function ballotOf (b: CasBallot | undefined, what: string): Ballot {
  const ballot = b === undefined ? undefined : { n: b.n, id: b.id }
  if (!isBallot(ballot)) throw new InvalidMessageError('malformed', `cas ${what}: a ballot is a safe integer n and an id of at most 64 characters`)
  return ballot
}

function toWireProposal (p: Proposal): CasProposal {
  return { present: p.state !== undefined, value: (p.state?.value ?? new Uint8Array(0)) as Uint8Array<ArrayBuffer>, expiresAt: p.state?.expiresAt ?? 0, history: p.history }
}

/** Each request's bytes but its `time`: a step sends one request object to every member, encoded once. */
const encoded = new WeakMap<CasRequest, Uint8Array>()

/**
 * `req` with `time` as the wire carries it: the bytes the generated encoder writes, the request
 * encoded once per request object (an accept's proposal carries up to 128 ballots of history) and
 * `time` appended (the last field, which the encoder writes last: the same bytes).
 */
export function encodeRequest (req: CasRequest, time: number): Uint8Array {
  let head = encoded.get(req)
  if (head === undefined) encoded.set(req, head = WireRequest.encode(toWireRequest(req)))
  const tail = WireRequest.encode({ version: 0, kind: WireRequest.Kind.PREPARE, key: '', time }) // defaults are not written: only `time`
  const out = new Uint8Array(head.byteLength + tail.byteLength)
  out.set(head)
  out.set(tail, head.byteLength)
  return out
}

function toWireRequest (req: CasRequest, time?: number): WireRequest {
  if (req.type === 'prepare') return { version: WIRE_VERSION, kind: WireRequest.Kind.PREPARE, key: req.key, ballot: req.ballot, have: req.have, time }
  return { version: WIRE_VERSION, kind: WireRequest.Kind.ACCEPT, key: req.key, ballot: req.ballot, proposal: toWireProposal(req.proposal), next: req.next, time }
}

function toWireReply (reply: CasReply, time: number): WireReply {
  switch (reply.type) {
    case 'promised': return { version: WIRE_VERSION, kind: WireReply.Kind.PROMISED, ballot: reply.accepted, proposal: reply.proposal === undefined ? undefined : toWireProposal(reply.proposal), reason: '', time }
    case 'accepted': return { version: WIRE_VERSION, kind: WireReply.Kind.ACCEPTED, reason: '', time }
    case 'refused': return { version: WIRE_VERSION, kind: WireReply.Kind.REFUSED, ballot: reply.ballot, reason: reply.reason, time }
  }
}
