/**
 * `/meshkv/<mesh id>/lease/1.0.0` (bound to the mesh, see protocols.ts): quorum-mode lease requests, a request and its reply at a time on a stream kept per peer (request-reply.ts). The
 * serving side is the node's Acceptor; anything malformed is counted and the stream aborted. Both
 * carry their sender's clock: each reply is a round-trip clock-offset sample, each request a
 * one-way one.
 */
import type { Libp2p, PeerId, Stream } from '@libp2p/interface'
import { REFUSAL_REASONS, type Acceptor, type GrantKind, type GrantReply, type GrantRequest } from '../core/acceptor.js'
import type { ClockOffsets } from '../core/clock-offset.js'
import { InvalidMessageError } from '../core/errors.js'
import { checkTime, wireTime, WIRE_VERSION } from './codec.js'
import type { NetCounters } from './metrics.js'
import { protocolFor } from './protocols.js'
import { LeaseReply, LeaseRequest } from './proto/meshkv.js'
import { decodeFrame, exchange, serveOnce } from './request-reply.js'

/** The quorum lease protocol id of a mesh. */
export function leaseProtocolFor (mesh: string): string {
  return protocolFor(mesh, 'lease', '1.0.0')
}
/** A quorum request that takes longer than this counts as refused. @default 2_000 */
export const DEFAULT_LEASE_REQUEST_TIMEOUT_MS = 2_000
const MAX_FRAME_BYTES = 4096
const MAX_FIELD = 1024

const KINDS: Record<LeaseRequest.Kind, GrantKind> = {
  [LeaseRequest.Kind.ACQUIRE]: 'acquire',
  [LeaseRequest.Kind.RENEW]: 'renew',
  [LeaseRequest.Kind.RELEASE]: 'release'
}
const WIRE_KINDS: Record<GrantKind, LeaseRequest.Kind> = {
  acquire: LeaseRequest.Kind.ACQUIRE,
  renew: LeaseRequest.Kind.RENEW,
  release: LeaseRequest.Kind.RELEASE
}

export class LeaseProtocol {
  readonly protocol: string

  constructor (
    mesh: string,
    private readonly libp2p: Libp2p,
    private readonly acceptor: Acceptor,
    private readonly counters: NetCounters,
    private readonly offsets: ClockOffsets,
    private readonly timeoutMs = DEFAULT_LEASE_REQUEST_TIMEOUT_MS
  ) {
    this.protocol = leaseProtocolFor(mesh)
  }

  async start (): Promise<void> {
    await this.libp2p.handle(this.protocol, (stream, connection) => this.serve(stream, connection.remotePeer.toString()), { maxInboundStreams: 64 })
  }

  async stop (): Promise<void> {
    await this.libp2p.unhandle(this.protocol)
  }

  /** Asks one acceptor. Network failures and timeouts are refusals, never throws. */
  async request (peer: PeerId, req: GrantRequest, signal?: AbortSignal): Promise<GrantReply> {
    try {
      let sent = 0
      const frame = await exchange(this.libp2p, peer, this.protocol, () => {
        sent = this.offsets.mark()
        return LeaseRequest.encode({ version: WIRE_VERSION, kind: WIRE_KINDS[req.kind], name: req.name, owner: req.owner, token: req.token, ttlMs: req.ttlMs, time: wireTime(() => this.offsets.physical()) })
      }, { maxFrameBytes: MAX_FRAME_BYTES, timeoutMs: this.timeoutMs, signal })
      const reply = LeaseReply.decode(frame)
      if (reply.version !== WIRE_VERSION) return { granted: false, reason: 'not-holder' }
      const time = checkTime(reply.time, 'lease reply')
      if (time !== undefined) this.offsets.roundTrip(peer.toString(), sent, time)
      if (reply.granted) return { granted: true }
      const reason = REFUSAL_REASONS.find(r => r === reply.reason) ?? 'not-holder'
      return { granted: false, reason, holder: reply.holderOwner !== '' ? { owner: reply.holderOwner, token: reply.holderToken } : undefined }
    } catch {
      return { granted: false, reason: 'not-holder' }
    }
  }

  private async serve (stream: Stream, peer: string): Promise<void> {
    await serveOnce(stream, { maxFrameBytes: MAX_FRAME_BYTES, timeoutMs: this.timeoutMs, counters: this.counters, what: 'lease request' }, async (frame) => {
      const req = decodeFrame(() => LeaseRequest.decode(frame), 'lease request')
      if (req.version !== WIRE_VERSION) throw new InvalidMessageError('version', `lease request version must be ${WIRE_VERSION}, got ${req.version}`)
      const time = checkTime(req.time, 'lease request')
      if (time !== undefined) this.offsets.oneWay(peer, time)
      if ([req.name, req.owner, req.token].some(f => f.length === 0 || f.length > MAX_FIELD)) {
        throw new InvalidMessageError('invalid-entry', 'lease request fields must be 1 to 1024 characters')
      }
      const reply = await this.acceptor.grant({ kind: KINDS[req.kind], name: req.name, owner: req.owner, token: req.token, ttlMs: req.ttlMs })
      return LeaseReply.encode({
        version: WIRE_VERSION,
        granted: reply.granted,
        reason: reply.granted ? '' : reply.reason,
        holderOwner: reply.granted ? '' : reply.holder?.owner ?? '',
        holderToken: reply.granted ? '' : reply.holder?.token ?? '',
        time: wireTime(() => this.offsets.physical())
      })
    })
  }
}
