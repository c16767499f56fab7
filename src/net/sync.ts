/**
 * Anti-entropy over a libp2p stream protocol bound to the mesh, `/meshkv/<mesh id>/sync/1.0.0`
 * (see protocols.ts). One round, started by the
 * initiator I with responder R:
 *
 *   I → R  DIGEST   I's bucket hashes
 *   R → I  SUMMARY  the differing buckets and R's versions there, without values (1+ frames)
 *   I → R  PUSH     I's full versions R lacks or has older, and the keys I wants (1+ frames)
 *   R → I  PUSH     R's full versions of the wanted keys (1+ frames)
 *
 * Both sides merge what they receive, so one round repairs both directions. Every frame is
 * length-prefixed protobuf with a version field, decode limits and a deadline for the round. Every
 * frame carries its sender's clock: each reply to a frame is a round-trip clock-offset sample.
 *
 * Bounds: every phase carries at most `maxPhaseBytes` (what does not fit waits for the next
 * round, which the initiator runs at once: `more`), and a reader refuses a phase past it. A side at
 * its store's limits says so (`full`): it is offered only newer versions of keys it holds, and the
 * pair backs off exponentially (1 s doubling to 60 s) instead of repeating rounds that can only be
 * refused.
 */
import { lpStream, type LengthPrefixedStream } from '@libp2p/utils'
import type { Libp2p, PeerId, Stream } from '@libp2p/interface'
import { raceSignal } from 'race-signal'
import type { Uint8ArrayList } from 'uint8arraylist'
import type { Entry } from '../core/entry.js'
import { InvalidMessageError } from '../core/errors.js'
import type { Store } from '../core/store.js'
import { bucketOf } from '../core/digest.js'
import { lookup, plan, summarize, wantSize, within, wireSize } from '../core/sync.js'
import { checkTime, fromWire, wireTime, WIRE_VERSION, type DecodeLimits } from './codec.js'
import { encodeFrameWithEntries } from './entry-writer.js'
import { decodeSyncFrame } from './frame-reader.js'
import type { NetCounters } from './metrics.js'
import { protocolFor } from './protocols.js'
import { SyncFrame } from './proto/meshkv.js'

/** The anti-entropy protocol id of a mesh. */
export function syncProtocolFor (mesh: string): string {
  return protocolFor(mesh, 'sync', '1.0.0')
}
/** A sync round that takes longer than this is aborted. @default 30_000 */
export const DEFAULT_SYNC_TIMEOUT_MS = 30_000
/** Target size of one frame's entries. */
const FRAME_BUDGET_BYTES = 1024 * 1024
/** Most entries (or wanted keys) in one frame. */
const MAX_FRAME_ENTRIES = 32_768
/** Most entries one phase of a round may carry (a bound on what a peer can make us buffer). */
const MAX_ROUND_ENTRIES = 2_000_000
/** Most bytes one phase of a round carries (measured by `wireSize`); the rest waits for the next round. @default 33_554_432 (32 MiB) */
export const DEFAULT_MAX_PHASE_BYTES = 32 * 1024 * 1024
/** Rounds one `syncWith` call runs back to back while phases leave versions for the next (`more`). */
const MAX_ROUNDS_PER_CALL = 16
/** First back-off after a round that a full side blocked; it doubles with each such round. */
export const FULL_BACKOFF_MS = 1_000
/** Longest back-off: a full peer is offered a round at least this often. */
export const MAX_FULL_BACKOFF_MS = 60_000
/** Peers whose back-off is remembered (the oldest is forgotten first). */
const MAX_BACKOFF_PEERS = 1024
/** Rounds one peer may ask of us per window; more are refused and counted. */
const MAX_ROUNDS_PER_PEER = 30
const ROUND_WINDOW_MS = 10_000

export interface SyncInit {
  /** The mesh name: the protocol is bound to it. */
  mesh: string
  libp2p: Libp2p
  store: Store
  counters: NetCounters
  limits: DecodeLimits
  timeoutMs?: number
  /** Most bytes a phase carries, on both sides of a round. @default DEFAULT_MAX_PHASE_BYTES */
  maxPhaseBytes?: number
}

/** What one round moved. */
export interface SyncResult {
  /** Differing digest buckets. */
  diff: number
  sent: number
  received: number
  /** This node or the peer was at capacity with their states differing: the pair backs off. */
  full: boolean
}

type Frames = LengthPrefixedStream<Stream>

/** A call of `syncWith` under way with one peer: whether to run one more round, and its outcome. */
interface Running { again: boolean, done: Promise<SyncResult> }

export class SyncService {
  readonly protocol: string
  private readonly libp2p: Libp2p
  private readonly store: Store
  private readonly counters: NetCounters
  private readonly limits: DecodeLimits
  private readonly timeoutMs: number
  private readonly maxFrameBytes: number
  private readonly maxPhaseBytes: number
  /** Peers in back-off after rounds a full side blocked: how many in a row, and until when (store clock). */
  private readonly backoff = new Map<string, { level: number, until: number }>()
  /** Rounds served per peer in the current window. */
  private served = new Map<string, number>()
  private windowStart = Date.now()
  /** Called after every round that completed (either side). */
  onRound: (() => void) | undefined
  /** Peers with a round under way that this node started, and whether another was asked for meanwhile. */
  private readonly active = new Map<string, Running>()

  constructor (init: SyncInit) {
    this.protocol = syncProtocolFor(init.mesh)
    this.libp2p = init.libp2p
    this.store = init.store
    this.counters = init.counters
    this.limits = { ...init.limits, maxEntries: MAX_FRAME_ENTRIES }
    this.timeoutMs = init.timeoutMs ?? DEFAULT_SYNC_TIMEOUT_MS
    this.maxFrameBytes = FRAME_BUDGET_BYTES + init.limits.maxValueBytes + init.limits.maxKeyBytes * 4 + 64 * 1024
    this.maxPhaseBytes = init.maxPhaseBytes ?? DEFAULT_MAX_PHASE_BYTES
  }

  async start (): Promise<void> {
    await this.libp2p.handle(this.protocol, (stream, connection) => this.handle(stream, connection.remotePeer.toString()), { maxInboundStreams: 8 })
  }

  async stop (): Promise<void> {
    await this.libp2p.unhandle(this.protocol)
  }

  /**
   * Runs one round with `peer` as initiator, and more at once while phases left versions for the
   * next (a bounded number). Resolves undefined without a round when the pair is backing off (one
   * side is full; counted in `syncs.backedOff`). When a round with `peer` is already under way, it
   * is followed by one more (state may have changed since it began) and this call resolves with
   * that one's outcome (`signal` then stops this call's wait, not the rounds).
   */
  async syncWith (peer: PeerId, options: { signal?: AbortSignal } = {}): Promise<SyncResult | undefined> {
    const id = peer.toString()
    const running = this.active.get(id)
    if (running !== undefined) {
      running.again = true
      return raceSignal(running.done, options.signal)
    }
    if (this.backingOff(id)) {
      this.counters.syncs.backedOff++
      return undefined
    }
    const state: { again: boolean, done?: Promise<SyncResult> } = { again: false }
    state.done = this.rounds(peer, id, state, options.signal)
    this.active.set(id, state as Running)
    return state.done
  }

  private async rounds (peer: PeerId, id: string, state: { again: boolean }, signal: AbortSignal | undefined): Promise<SyncResult> {
    try {
      let { result, more } = await this.round(peer, signal)
      for (let n = 1; (state.again || more) && n < MAX_ROUNDS_PER_CALL && signal?.aborted !== true && !this.backingOff(id); n++) {
        state.again = false
        ;({ result, more } = await this.round(peer, signal))
      }
      return result
    } finally {
      this.active.delete(id)
    }
  }

  /** Whether rounds with `peer` wait because a full side blocked the last ones. */
  private backingOff (peer: string): boolean {
    const b = this.backoff.get(peer)
    return b !== undefined && this.store.now() < b.until
  }

  /**
   * Ends a round with `peer`: a round that found a side full while their states differ starts or
   * doubles the pair's back-off (bounded), any other round ends it.
   */
  private settle (peer: string, blocked: boolean): void {
    const held = this.backoff.get(peer)
    if (!blocked) {
      this.backoff.delete(peer)
      return
    }
    this.counters.syncs.full++
    const level = Math.min((held?.level ?? 0) + 1, 32)
    this.backoff.delete(peer)
    this.backoff.set(peer, { level, until: this.store.now() + Math.min(FULL_BACKOFF_MS * 2 ** (level - 1), MAX_FULL_BACKOFF_MS) })
    if (this.backoff.size > MAX_BACKOFF_PEERS) this.backoff.delete(this.backoff.keys().next().value as string)
  }

  private async round (peer: PeerId, outer?: AbortSignal): Promise<{ result: SyncResult, more: boolean }> {
    const signal = this.deadline(outer)
    const id = peer.toString()
    let stream: Stream | undefined
    try {
      stream = await this.libp2p.dialProtocol(peer, this.protocol, { signal })
      const frames = this.frames(stream)
      this.counters.syncs.initiated++
      let sent = this.store.offsets.mark()
      await frames.write(SyncFrame.encode({ ...blank(), kind: SyncFrame.Kind.DIGEST, bucketCount: this.store.digest.bucketCount, buckets: toBytes(this.store.digest.snapshot()), full: this.store.atCapacity, time: this.time() }), { signal })
      const summary = await this.readPhase(frames, SyncFrame.Kind.SUMMARY, signal)
      this.sample(id, sent, summary.time)
      if (summary.diff.length === 0) {
        this.counters.syncs.inSync++
        await stream.close({ signal })
        this.settle(id, false)
        this.onRound?.()
        return { result: { diff: 0, sent: 0, received: 0, full: false }, more: false }
      }
      // whole versions of buckets this node holds nothing in: merged now, not asked for. One in a
      // bucket that is not empty here (a peer that does not follow the rule) is planned like any summary.
      const n = this.store.digest.bucketCount
      const merged = new Set<number>()
      const whole: Entry[] = []
      for (const e of summary.whole) {
        const b = bucketOf(e.key, n)
        if (merged.has(b) || this.store.digest.count(b) === 0) { merged.add(b); whole.push(e) } else summary.entries.push(e)
      }
      const refusedWhole = this.merge(whole)
      const selfFull = this.store.atCapacity
      const { push, want } = plan(this.store, summary.diff.filter(b => !merged.has(b)), summary.entries, { peerFull: summary.full, selfFull })
      const wanted = want.reduce((sum, k) => sum + wantSize(k), 0)
      const out = within(push, Math.max(0, this.maxPhaseBytes - wanted), e => wireSize(e))
      sent = this.store.offsets.mark()
      await this.writePhase(frames, out.taken, want, signal, { full: selfFull, more: out.more })
      const reply = await this.readPhase(frames, SyncFrame.Kind.PUSH, signal)
      this.sample(id, sent, reply.time)
      const refused = this.merge(reply.entries)
      await stream.close({ signal })
      this.counters.syncs.entriesSent += out.taken.length
      this.counters.syncs.entriesReceived += reply.entries.length + whole.length
      const full = summary.full || selfFull || reply.full || refused > 0 || refusedWhole > 0
      this.settle(id, full)
      this.onRound?.()
      const more = summary.more || out.more || reply.more
      if (more) this.counters.syncs.partial++
      return { result: { diff: summary.diff.length, sent: out.taken.length, received: reply.entries.length + whole.length, full }, more }
    } catch (err) {
      this.fail(stream, err)
      throw err
    }
  }

  /** The responder side, the protocol's stream handler. Untrusted input: errors are counted and end the stream, never the node. */
  async handle (stream: Stream, peer = 'unknown'): Promise<void> {
    const signal = this.deadline()
    try {
      this.admit(peer)
      const frames = this.frames(stream)
      const first = decodeFrame(await this.readFrame(frames, signal), this.store.digest.bucketCount)
      checkFrame(first, SyncFrame.Kind.DIGEST)
      this.sample(peer, undefined, checkTime(first.time, 'sync frame'))
      if (first.bucketCount !== this.store.digest.bucketCount || first.buckets.byteLength !== first.bucketCount * 8) {
        throw new InvalidMessageError('invalid-entry', `digest must have ${this.store.digest.bucketCount} buckets of 8 bytes, got ${first.bucketCount} in ${first.buckets.byteLength} bytes`)
      }
      this.counters.syncs.served++
      // a peer at capacity is offered only newer versions of keys it holds: none in its empty buckets
      const { diff, versions, whole, more } = summarize(this.store, fromBytes(first.buckets), this.maxPhaseBytes, { whole: !first.full })
      const selfFull = this.store.atCapacity
      const sent = this.store.offsets.mark()
      await this.writeFrames(frames, SyncFrame.Kind.SUMMARY, versions, [], false, signal, { diff, full: selfFull, more, whole })
      this.counters.syncs.entriesSent += whole.length
      if (diff.length === 0) {
        this.counters.syncs.inSync++
        await stream.close({ signal })
        this.settle(peer, false)
        this.onRound?.()
        return
      }
      const pushed = await this.readPhase(frames, SyncFrame.Kind.PUSH, signal)
      this.sample(peer, sent, pushed.time)
      const refused = this.merge(pushed.entries)
      const reply = lookup(this.store, pushed.want, this.maxPhaseBytes)
      await this.writePhase(frames, reply.entries, [], signal, { full: selfFull || refused > 0, more: reply.more })
      await stream.close({ signal })
      this.counters.syncs.entriesSent += reply.entries.length
      this.counters.syncs.entriesReceived += pushed.entries.length
      // this node's own rounds with that peer would meet the same full side: back off too
      this.settle(peer, first.full || selfFull || pushed.full || refused > 0)
      if (more || reply.more || pushed.more) this.counters.syncs.partial++
      this.onRound?.()
    } catch (err) {
      this.fail(stream, err)
    }
  }

  /** A per-peer budget of rounds per window: a peer that asks for more is refused and counted. */
  private admit (peer: string): void {
    const now = Date.now()
    if (now - this.windowStart >= ROUND_WINDOW_MS) {
      this.served.clear()
      this.windowStart = now
    }
    const n = (this.served.get(peer) ?? 0) + 1
    this.served.set(peer, n)
    if (n > MAX_ROUNDS_PER_PEER) throw new InvalidMessageError('rate-limited', `peer ${peer} asked for more than ${MAX_ROUNDS_PER_PEER} sync rounds in ${ROUND_WINDOW_MS / 1000} s`)
  }

  /** Merges what a peer sent; returns how many versions the store refused for lack of room. */
  /** The physical time to put on a frame. */
  private time (): number {
    return wireTime(() => this.store.offsets.physical())
  }

  /** A clock sample from a frame: a round trip when it answers one sent at `sent`, else one-way. */
  private sample (peer: string, sent: number | undefined, time: number | undefined): void {
    if (time === undefined || this.store.isClosed) return
    if (sent === undefined) this.store.offsets.oneWay(peer, time)
    else this.store.offsets.roundTrip(peer, sent, time)
  }

  private merge (entries: Entry[]): number {
    if (entries.length === 0 || this.store.isClosed) return 0
    let full = 0
    for (const o of this.store.merge(entries)) {
      if (o === 'drift' || o === 'forged-claim') this.counters.rejected[o]++
      else if (o === 'full') full++
    }
    return full
  }

  private fail (stream: Stream | undefined, err: unknown): void {
    this.counters.syncs.failed++
    if (err instanceof InvalidMessageError) this.counters.rejected[err.reason]++
    stream?.abort(err instanceof Error ? err : new Error(String(err)))
  }

  private frames (stream: Stream): Frames {
    return lpStream(stream, { maxDataLength: this.maxFrameBytes })
  }

  private deadline (signal?: AbortSignal): AbortSignal {
    const timeout = AbortSignal.timeout(this.timeoutMs)
    return signal === undefined ? timeout : AbortSignal.any([signal, timeout])
  }

  /** Reads one frame; an over-long one becomes an InvalidMessageError. */
  private async readFrame (frames: Frames, signal: AbortSignal): Promise<Uint8Array | Uint8ArrayList> {
    try {
      return await frames.read({ signal })
    } catch (err) {
      const name = (err as Error).name
      if (name === 'InvalidDataLengthError' || name === 'InvalidDataLengthLengthError') {
        throw new InvalidMessageError('oversized', `sync frame exceeds ${this.maxFrameBytes} bytes`)
      }
      throw err
    }
  }

  /**
   * Reads frames of one kind until the one marked `last`; decodes and checks their entries. A
   * phase past MAX_ROUND_ENTRIES entries and keys, or past maxPhaseBytes (plus one frame: the
   * writer may exceed its budget by one version), is refused.
   */
  private async readPhase (frames: Frames, kind: SyncFrame.Kind, signal: AbortSignal): Promise<{ diff: number[], entries: Entry[], whole: Entry[], want: string[], full: boolean, more: boolean, time: number | undefined }> {
    const entries: Entry[] = []
    const whole: Entry[] = []
    const want: string[] = []
    let diff: number[] = []
    let bytes = 0
    let full = false
    let time: number | undefined
    const limit = this.maxPhaseBytes + this.maxFrameBytes
    for (let n = 0; ; n++) {
      const f = parseSyncFrame(await this.readFrame(frames, signal), kind, this.limits, this.store.digest.bucketCount)
      if (n === 0) {
        diff = f.diff
        time = f.time // the first frame answers ours at once; later ones were held up by it
      }
      for (const e of f.entries) { (f.whole ? whole : entries).push(e); bytes += wireSize(e) }
      for (const k of f.want) { want.push(k); bytes += wantSize(k) }
      full ||= f.full
      if (entries.length + whole.length + want.length > MAX_ROUND_ENTRIES) throw new InvalidMessageError('oversized', `a sync phase may carry at most ${MAX_ROUND_ENTRIES} entries and keys`)
      if (bytes > limit) throw new InvalidMessageError('oversized', `a sync phase may carry at most ${limit} bytes, got ${bytes} before its end`)
      if (f.last) return { diff, entries, whole, want, full, more: f.more, time }
    }
  }

  private async writePhase (frames: Frames, entries: Entry[], want: string[], signal: AbortSignal, flags: { full: boolean, more: boolean }): Promise<void> {
    await this.writeFrames(frames, SyncFrame.Kind.PUSH, entries, want, true, signal, flags)
  }

  /**
   * Writes entries (and wanted keys) as frames of bounded size; the first carries `diff`, every
   * one `full`, the final one is marked `last` and carries `more`.
   */
  private async writeFrames (frames: Frames, kind: SyncFrame.Kind, entries: Entry[], want: string[], withValues: boolean, signal: AbortSignal, flags: { diff?: number[], full: boolean, more: boolean, whole?: Entry[] }): Promise<void> {
    const diff = flags.diff ?? []
    // each frame with the entries written after its other fields (entry-writer.ts)
    const out: Array<{ frame: SyncFrame, entries: Entry[], values: boolean }> = []
    // entries (with values or not), then whole versions (with values, in frames marked `whole`)
    const group = (list: Entry[], values: boolean, whole: boolean): void => {
      let start = 0
      let bytes = 0
      const cut = (end: number): void => {
        out.push({ frame: { ...blank(), kind, diff: out.length === 0 ? diff : [], full: flags.full, whole, time: this.time() }, entries: list.slice(start, end), values })
        start = end
        bytes = 0
      }
      for (let i = 0; i < list.length; i++) {
        const size = wireSize(list[i], values)
        if (i > start && (bytes + size > FRAME_BUDGET_BYTES || i - start >= MAX_FRAME_ENTRIES)) cut(i)
        bytes += size
      }
      if (start < list.length) cut(list.length)
    }
    group(entries, withValues, false)
    if (flags.whole !== undefined) group(flags.whole, true, true)
    if (out.length === 0) out.push({ frame: { ...blank(), kind, diff, full: flags.full, time: this.time() }, entries: [], values: false })
    for (let i = 0; i < want.length; i += MAX_FRAME_ENTRIES) {
      out.push({ frame: { ...blank(), kind, want: want.slice(i, i + MAX_FRAME_ENTRIES), full: flags.full, time: this.time() }, entries: [], values: false })
    }
    out[out.length - 1].frame.last = true
    out[out.length - 1].frame.more = flags.more
    for (const { frame, entries, values } of out) {
      const head = SyncFrame.encode(frame)
      await frames.write(entries.length === 0 ? head : encodeFrameWithEntries(head, entries, values), { signal })
    }
  }
}

/**
 * Decodes one frame under limits; anything that does not decode is an InvalidMessageError. The
 * frame is copied once (`slice`), so the entries' values may be views of it (see fromWire's `owned`).
 */
function decodeFrame (data: Uint8Array | Uint8ArrayList, bucketCount: number): SyncFrame {
  try {
    return decodeSyncFrame(data.slice(), { diff: bucketCount, origins: MAX_FRAME_ENTRIES, entries: MAX_FRAME_ENTRIES, want: MAX_FRAME_ENTRIES })
  } catch (err) {
    throw new InvalidMessageError('malformed', `sync frame does not decode: ${(err as Error).message}`)
  }
}

/**
 * Decodes and checks one frame of an expected kind: version, kind, bucket ids, every entry, every
 * wanted key. Untrusted input: anything wrong is an InvalidMessageError with a reason.
 */
export function parseSyncFrame (data: Uint8Array | Uint8ArrayList, kind: SyncFrame.Kind, limits: DecodeLimits, bucketCount: number): { diff: number[], entries: Entry[], want: string[], last: boolean, full: boolean, more: boolean, whole: boolean, time: number | undefined } {
  const f = decodeFrame(data, bucketCount)
  checkFrame(f, kind)
  for (const k of f.want) {
    if (k.length === 0 || k.length > limits.maxKeyBytes) throw new InvalidMessageError('oversized', `wanted keys must be 1 to ${limits.maxKeyBytes} characters, got ${k.length}`)
  }
  return { diff: checkDiff(f.diff, bucketCount), entries: fromWire(f.origins, f.entries, { ...limits, maxEntries: MAX_FRAME_ENTRIES }, { owned: true }), want: f.want, last: f.last, full: f.full, more: f.more, whole: f.whole && kind === SyncFrame.Kind.SUMMARY, time: checkTime(f.time, 'sync frame') }
}

function blank (): SyncFrame {
  return { version: WIRE_VERSION, kind: SyncFrame.Kind.DIGEST, bucketCount: 0, buckets: new Uint8Array(0), diff: [], origins: [], entries: [], want: [], last: false, full: false, more: false, whole: false }
}

function checkFrame (f: SyncFrame, kind: SyncFrame.Kind): void {
  if (f.version !== WIRE_VERSION) throw new InvalidMessageError('version', `sync frame version must be ${WIRE_VERSION}, got ${f.version}`)
  if (f.kind !== kind) throw new InvalidMessageError('malformed', `expected a ${kind} sync frame, got ${String(f.kind)}`)
}

function checkDiff (diff: number[], buckets: number): number[] {
  for (const b of diff) {
    if (b >= buckets) throw new InvalidMessageError('invalid-entry', `bucket ${b} is outside 0..${buckets - 1}`)
  }
  return diff
}

function toBytes (lanes: Uint32Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(lanes.length * 4)
  const view = new DataView(out.buffer)
  for (let i = 0; i < lanes.length; i++) view.setUint32(i * 4, lanes[i], true)
  return out
}

function fromBytes (bytes: Uint8Array): Uint32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const out = new Uint32Array(bytes.byteLength / 4)
  for (let i = 0; i < out.length; i++) out[i] = view.getUint32(i * 4, true)
  return out
}
