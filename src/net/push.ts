/**
 * The push protocol, bound to the mesh (`/meshkv/<mesh id>/push/1.0.0`): direct delivery with
 * acknowledgement, beside gossip. An exchange:
 *
 *   S → R  PushFrame  S's own writes to apply (with values), then `offers` versions (without
 *                     values) S asks whether R holds
 *   R → S  PushAck    the indices of the frame's entries R now holds (that version or newer)
 *
 * Both carry their sender's clock: each ack is a round-trip clock-offset sample, each frame a one-way one.
 *
 * S keeps one stream per peer open and runs its exchanges on it one after another (a second,
 * short-lived stream when one is under way), so an exchange costs one round trip; R closes a
 * stream idle for a minute.
 *
 * R admits the writes by the same rule as gossip (origin is the sender, within the drift bound,
 * owned keys signed) and merges them before it answers, so an index in the ack means "applied in
 * R's replica". Everything received is untrusted: checked, counted when wrong, never thrown out of
 * the handler.
 */
import { lpStream, type LengthPrefixedStream } from '@libp2p/utils'
import type { Libp2p, PeerId, Stream } from '@libp2p/interface'
import type { Uint8ArrayList } from 'uint8arraylist'
import { admitBatch } from '../core/admit.js'
import type { Entry } from '../core/entry.js'
import { InvalidMessageError } from '../core/errors.js'
import { compareVersionIds } from '../core/merge.js'
import type { Store } from '../core/store.js'
import { checkTime, fromWire, toWire, wireTime, WIRE_VERSION, type DecodeLimits } from './codec.js'
import type { ArrivalDelay } from './arrival.js'
import { deadline } from './deadline.js'
import type { NetCounters } from './metrics.js'
import type { Neighbourhood } from './neighbourhood.js'
import { PushAck, PushFrame } from './proto/meshkv.js'
import { protocolFor } from './protocols.js'

/** The push protocol id of a mesh. */
export function pushProtocolFor (mesh: string): string {
  return protocolFor(mesh, 'push', '1.0.0')
}
/** An exchange (open, frame, ack) that takes longer than this fails. @default 10_000 */
export const DEFAULT_PUSH_TIMEOUT_MS = 10_000
/** Target size of one frame's entries; a single larger value travels alone. */
export const PUSH_FRAME_BUDGET_BYTES = 1024 * 1024
/** Most entries (writes and offers) in one frame. */
export const MAX_PUSH_ENTRIES = 4_096
/** Concurrent inbound push streams per connection. */
const MAX_INBOUND_STREAMS = 16
/** A receiver closes a push stream that carried no frame for this long. */
const IDLE_MS = 60_000
/** The largest ack: a varint index per entry of the largest frame. */
const MAX_ACK_BYTES = 16 + MAX_PUSH_ENTRIES * 6

/** A stream kept open to one peer, and whether an exchange is using it. */
interface Channel {
  stream: Stream
  lp: LengthPrefixedStream<Stream>
  busy: boolean
}

/** What the push protocol moved, both directions. */
export interface PushCounters {
  /** Frames sent, and frames that failed (stream error, timeout, refusal). */
  framesOut: number
  framesFailed: number
  /** Writes sent with their values, and versions offered without them. */
  pushed: number
  offered: number
  /** Entries a peer answered it holds. */
  held: number
  /** Frames received and answered; writes received and applied (or already held) here. */
  framesIn: number
  entriesIn: number
}

export function createPushCounters (): PushCounters {
  return { framesOut: 0, framesFailed: 0, pushed: 0, offered: 0, held: 0, framesIn: 0, entriesIn: 0 }
}

/** The approximate wire size of an entry in a frame, with or without its value. */
export function frameCost (e: Entry, withValue: boolean): number {
  return e.key.length * 3 + (withValue ? e.value.byteLength : 0) + 48
}

export interface PushInit {
  /** The mesh name: the protocol is bound to it. */
  mesh: string
  libp2p: Libp2p
  store: Store
  counters: NetCounters
  push: PushCounters
  limits: DecodeLimits
  /** Whose view every frame and ack carries, and who records the views peers report. */
  neighbourhood: Neighbourhood
  /** Where the delay of every frame of writes received is recorded (as gossip records its batches). */
  arrivals: ArrivalDelay
  timeoutMs?: number
}

export class PushProtocol {
  private readonly libp2p: Libp2p
  private readonly store: Store
  private readonly counters: NetCounters
  private readonly stats: PushCounters
  private readonly limits: DecodeLimits
  private readonly timeoutMs: number
  private readonly maxFrameBytes: number
  private readonly channels = new Map<string, Channel>()
  private readonly protocol: string
  private readonly neighbourhood: Neighbourhood
  private readonly arrivals: ArrivalDelay
  /** The last frame of writes encoded in this tick: the same writes to the next peer reuse it (a small mesh's pushes). */
  private memo: { writes: Entry[], frame: Uint8Array } | undefined

  constructor (init: PushInit) {
    this.neighbourhood = init.neighbourhood
    this.arrivals = init.arrivals
    this.protocol = pushProtocolFor(init.mesh)
    this.libp2p = init.libp2p
    this.store = init.store
    this.counters = init.counters
    this.stats = init.push
    this.limits = { ...init.limits, maxEntries: MAX_PUSH_ENTRIES }
    this.timeoutMs = init.timeoutMs ?? DEFAULT_PUSH_TIMEOUT_MS
    this.maxFrameBytes = PUSH_FRAME_BUDGET_BYTES + init.limits.maxValueBytes + init.limits.maxKeyBytes * 4 + 64 * 1024
  }

  async start (): Promise<void> {
    await this.libp2p.handle(this.protocol, (stream, connection) => this.serve(stream, connection.remotePeer.toString()), { maxInboundStreams: MAX_INBOUND_STREAMS })
  }

  async stop (): Promise<void> {
    for (const ch of this.channels.values()) ch.stream.abort(new Error('the push protocol stopped'))
    this.channels.clear()
    await this.libp2p.unhandle(this.protocol)
  }

  /**
   * Sends `writes` (with values) and `offers` (versions only) to `peer`; resolves with, for each
   * of them in that order, whether the peer now holds it. Throws when the exchange fails.
   */
  async exchange (peer: PeerId, writes: Entry[], offers: Entry[], signal?: AbortSignal): Promise<boolean[]> {
    const limit = deadline(this.timeoutMs, signal)
    const s = limit.signal
    const n = writes.length + offers.length
    const frame = this.encode(writes, offers)
    this.stats.framesOut++
    this.stats.pushed += writes.length
    this.stats.offered += offers.length
    const id = peer.toString()
    let kept = this.channels.get(id)
    if (kept !== undefined && kept.stream.status !== 'open') {
      this.channels.delete(id)
      kept = undefined
    }
    try {
      let ack: number[]
      if (kept !== undefined && !kept.busy) {
        try {
          ack = await this.once(kept, frame, n, s, id)
        } catch (err) {
          // the peer may have closed the kept stream meanwhile: once more on a fresh one
          if (s.aborted) throw err
          ack = await this.once(await this.open(peer, s), frame, n, s, id)
        }
      } else {
        ack = await this.once(await this.open(peer, s), frame, n, s, id)
      }
      const held = new Array<boolean>(n).fill(false)
      for (const i of ack) held[i] = true
      this.stats.held += ack.length
      return held
    } catch (err) {
      this.stats.framesFailed++
      // what this frame carried may not have reached the peer, while another peer's ack takes it
      // out of the ledger: no longer count on the peer in a clique (its next frame or ack tells
      // again), so writes go by gossip and the recent direct-only batches are published
      this.neighbourhood.forget(id)
      throw err
    } finally {
      limit.clear()
    }
  }

  /**
   * Whether a frame to `peer` would leave at once: a stream to it is kept open and no exchange is
   * using it (else a frame waits for an exchange or for a new stream's negotiation).
   */
  ready (peer: PeerId): boolean {
    const ch = this.channels.get(peer.toString())
    return ch !== undefined && !ch.busy && ch.stream.status === 'open'
  }

  /** A frame's bytes; writes alone, the same as the last frame's of this tick, reuse its bytes. */
  private encode (writes: Entry[], offers: Entry[]): Uint8Array {
    const memo = this.memo
    if (offers.length === 0 && memo !== undefined && memo.writes.length === writes.length && memo.writes.every((e, i) => e === writes[i])) return memo.frame
    const frame = encodeFrame(writes, offers, wireTime(() => this.store.offsets.physical()), this.neighbourhood.view())
    if (offers.length === 0 && writes.length > 0) {
      if (this.memo === undefined) queueMicrotask(() => { this.memo = undefined })
      this.memo = { writes, frame }
    }
    return frame
  }

  /** Opens a stream to `peer`; keeps it for later exchanges unless one is kept already. */
  private async open (peer: PeerId, signal: AbortSignal): Promise<Channel> {
    const stream = await this.libp2p.dialProtocol(peer, this.protocol, { signal })
    const ch: Channel = { stream, lp: lpStream(stream, { maxDataLength: MAX_ACK_BYTES }), busy: false }
    const id = peer.toString()
    const kept = this.channels.get(id)
    if (kept === undefined || kept.stream.status !== 'open') {
      this.channels.set(id, ch)
      stream.addEventListener('close', () => { if (this.channels.get(id) === ch) this.channels.delete(id) }, { once: true })
    }
    return ch
  }

  /** One frame and its ack on a channel (a round-trip clock sample); a channel that is not kept is closed after. */
  private async once (ch: Channel, frame: Uint8Array, n: number, signal: AbortSignal, peer: string): Promise<number[]> {
    ch.busy = true
    try {
      const sent = this.store.offsets.mark()
      await ch.lp.write(frame, { signal })
      const ack = decodeAck(await ch.lp.read({ signal }), n)
      if (ack.time !== undefined && !this.store.isClosed) this.store.offsets.roundTrip(peer, sent, ack.time)
      this.neighbourhood.reported(peer, ack.view)
      ch.busy = false
      if (![...this.channels.values()].includes(ch)) await ch.stream.close({ signal }).catch(() => {})
      return ack.held
    } catch (err) {
      // a peer's answer is untrusted input too: one that does not decode is counted like a bad frame
      if (err instanceof InvalidMessageError) this.counters.rejected[err.reason]++
      ch.stream.abort(err instanceof Error ? err : new Error(String(err)))
      throw err
    }
  }

  /**
   * The receiving side: answers frames until the sender closes the stream or it idles. Untrusted
   * input: anything wrong is counted and aborts the stream, never the node.
   */
  private async serve (stream: Stream, author: string): Promise<void> {
    try {
      const lp = lpStream(stream, { maxDataLength: this.maxFrameBytes })
      for (;;) {
        const idle = deadline(IDLE_MS)
        let data: Uint8Array | Uint8ArrayList | undefined
        try {
          data = await this.read(lp, idle.signal)
        } finally {
          idle.clear()
        }
        if (data === undefined) break
        const held = this.apply(data, author)
        const limit = deadline(this.timeoutMs)
        try {
          await lp.write(PushAck.encode({ version: WIRE_VERSION, held, time: wireTime(() => this.store.offsets.physical()), view: this.neighbourhood.view() }), { signal: limit.signal })
        } finally {
          limit.clear()
        }
      }
      await stream.close({ signal: AbortSignal.timeout(this.timeoutMs) })
    } catch (err) {
      if (err instanceof InvalidMessageError) this.counters.rejected[err.reason]++
      stream.abort(err instanceof Error ? err : new Error(String(err)))
    }
  }

  /** Admits and merges a frame's writes, checks its offers; the indices of the entries held here. */
  private apply (data: Uint8Array | Uint8ArrayList, author: string): number[] {
    const { writes, offers, time, view } = parseFrame(data, this.limits)
    if (this.store.isClosed) throw new Error('the mesh is closing')
    if (time !== undefined) this.store.offsets.oneWay(author, time)
    this.neighbourhood.reported(author, view)
    admitBatch(writes, author, this.store.hlc, this.store.verifier)
    const held: number[] = []
    const outcomes = writes.length > 0 ? this.store.merge(writes) : []
    if (writes.length > 0) this.arrivals.observe(writes, this.store.now())
    for (let i = 0; i < outcomes.length; i++) {
      const o = outcomes[i]
      if (o === 'applied' || o === 'stale' || o === 'obsolete') held.push(i)
      else if (o === 'drift') this.counters.rejected.drift++
    }
    for (let i = 0; i < offers.length; i++) {
      const mine = this.store.version(offers[i].key)
      if (mine !== undefined && compareVersionIds(mine, offers[i]) >= 0) held.push(writes.length + i)
    }
    this.stats.framesIn++
    this.stats.entriesIn += writes.length
    return held
  }

  /** The next frame, or undefined when the sender closed the stream. */
  private async read (lp: LengthPrefixedStream<Stream>, signal: AbortSignal): Promise<Uint8Array | Uint8ArrayList | undefined> {
    try {
      return await lp.read({ signal })
    } catch (err) {
      const name = (err as Error).name
      if (name === 'UnexpectedEOFError') return undefined
      if (name === 'InvalidDataLengthError' || name === 'InvalidDataLengthLengthError') {
        throw new InvalidMessageError('oversized', `push frame exceeds ${this.maxFrameBytes} bytes`)
      }
      throw err
    }
  }
}

/** Writes first (with values), then offers (values, signatures left out); `time`: the sender's clock, `view`: its neighbourhood. */
export function encodeFrame (writes: Entry[], offers: Entry[], time?: number, view?: Uint8Array<ArrayBuffer>): Uint8Array {
  const { origins, entries } = toWire([...writes, ...offers])
  for (let i = writes.length; i < entries.length; i++) {
    const w = entries[i]
    entries[i] = { ...w, value: EMPTY, stripped: false, signature: undefined, valueHash: undefined }
  }
  return PushFrame.encode({ version: WIRE_VERSION, origins, entries, offers: offers.length, time, view })
}

const EMPTY = new Uint8Array(0)

/** Decodes and checks a push frame: version, every entry, the offer count, the sender's clock. */
export function parseFrame (data: Uint8Array | Uint8ArrayList, limits: DecodeLimits): { writes: Entry[], offers: Entry[], time: number | undefined, view: Uint8Array | undefined } {
  let f: PushFrame
  try {
    f = PushFrame.decode(data, { limits: { origins: MAX_PUSH_ENTRIES, entries: MAX_PUSH_ENTRIES } })
  } catch (err) {
    throw new InvalidMessageError('malformed', `push frame does not decode: ${(err as Error).message}`)
  }
  if (f.version !== WIRE_VERSION) throw new InvalidMessageError('version', `push frame version must be ${WIRE_VERSION}, got ${f.version}`)
  if (f.offers > f.entries.length) throw new InvalidMessageError('malformed', `a push frame of ${f.entries.length} entries cannot end in ${f.offers} offers`)
  const entries = fromWire(f.origins, f.entries, { ...limits, maxEntries: MAX_PUSH_ENTRIES })
  const cut = entries.length - f.offers
  return { writes: entries.slice(0, cut), offers: entries.slice(cut), time: checkTime(f.time, 'push frame'), view: f.view }
}

/** Decodes an ack to a frame of `n` entries (and its sender's clock); anything else is an InvalidMessageError. */
export function decodeAck (data: Uint8Array | Uint8ArrayList, n: number): { held: number[], time: number | undefined, view: Uint8Array | undefined } {
  let ack: PushAck
  try {
    ack = PushAck.decode(data, { limits: { held: n } })
  } catch (err) {
    throw new InvalidMessageError('malformed', `push ack does not decode: ${(err as Error).message}`)
  }
  if (ack.version !== WIRE_VERSION) throw new InvalidMessageError('version', `push ack version must be ${WIRE_VERSION}, got ${ack.version}`)
  for (const i of ack.held) {
    if (i >= n) throw new InvalidMessageError('invalid-entry', `push ack names entry ${i} of a frame of ${n}`)
  }
  return { held: ack.held, time: checkTime(ack.time, 'push ack'), view: ack.view }
}
