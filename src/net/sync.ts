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
 * length-prefixed protobuf with a version field, decode limits and a deadline for the round.
 */
import { lpStream, type LengthPrefixedStream } from '@libp2p/utils'
import type { Libp2p, PeerId, Stream } from '@libp2p/interface'
import type { Uint8ArrayList } from 'uint8arraylist'
import type { Entry } from '../core/entry.js'
import { InvalidMessageError } from '../core/errors.js'
import type { Store } from '../core/store.js'
import { lookup, plan, summarize } from '../core/sync.js'
import { fromWire, toWire, WIRE_VERSION, type DecodeLimits } from './codec.js'
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
}

/** What one round moved. */
export interface SyncResult {
  /** Differing digest buckets. */
  diff: number
  sent: number
  received: number
}

type Frames = LengthPrefixedStream<Stream>

export class SyncService {
  readonly protocol: string
  private readonly libp2p: Libp2p
  private readonly store: Store
  private readonly counters: NetCounters
  private readonly limits: DecodeLimits
  private readonly timeoutMs: number
  private readonly maxFrameBytes: number
  /** Rounds served per peer in the current window. */
  private served = new Map<string, number>()
  private windowStart = Date.now()
  /** Called after every round that completed (either side). */
  onRound: (() => void) | undefined
  /** Peers with a round under way that this node started, and whether another was asked for meanwhile. */
  private readonly active = new Map<string, { again: boolean }>()

  constructor (init: SyncInit) {
    this.protocol = syncProtocolFor(init.mesh)
    this.libp2p = init.libp2p
    this.store = init.store
    this.counters = init.counters
    this.limits = { ...init.limits, maxEntries: MAX_FRAME_ENTRIES }
    this.timeoutMs = init.timeoutMs ?? DEFAULT_SYNC_TIMEOUT_MS
    this.maxFrameBytes = FRAME_BUDGET_BYTES + init.limits.maxValueBytes + init.limits.maxKeyBytes * 4 + 64 * 1024
  }

  async start (): Promise<void> {
    await this.libp2p.handle(this.protocol, (stream, connection) => this.handle(stream, connection.remotePeer.toString()), { maxInboundStreams: 8 })
  }

  async stop (): Promise<void> {
    await this.libp2p.unhandle(this.protocol)
  }

  /**
   * Runs one round with `peer` as initiator. When one is already under way it resolves undefined
   * at once and that round is followed by one more (state may have changed since it began).
   */
  async syncWith (peer: PeerId, options: { signal?: AbortSignal } = {}): Promise<SyncResult | undefined> {
    const id = peer.toString()
    const running = this.active.get(id)
    if (running !== undefined) {
      running.again = true
      return undefined
    }
    const state = { again: false }
    this.active.set(id, state)
    try {
      let result = await this.round(peer, options.signal)
      while (state.again && options.signal?.aborted !== true) {
        state.again = false
        result = await this.round(peer, options.signal)
      }
      return result
    } finally {
      this.active.delete(id)
    }
  }

  private async round (peer: PeerId, outer?: AbortSignal): Promise<SyncResult> {
    const signal = this.deadline(outer)
    let stream: Stream | undefined
    try {
      stream = await this.libp2p.dialProtocol(peer, this.protocol, { signal })
      const frames = this.frames(stream)
      this.counters.syncs.initiated++
      await frames.write(SyncFrame.encode({ ...blank(), kind: SyncFrame.Kind.DIGEST, bucketCount: this.store.digest.bucketCount, buckets: toBytes(this.store.digest.snapshot()) }), { signal })
      const summary = await this.readPhase(frames, SyncFrame.Kind.SUMMARY, signal)
      if (summary.diff.length === 0) {
        this.counters.syncs.inSync++
        await stream.close({ signal })
        this.onRound?.()
        return { diff: 0, sent: 0, received: 0 }
      }
      const { push, want } = plan(this.store, summary.diff, summary.entries)
      await this.writePhase(frames, push, want, signal)
      const reply = await this.readPhase(frames, SyncFrame.Kind.PUSH, signal)
      this.merge(reply.entries)
      await stream.close({ signal })
      this.counters.syncs.entriesSent += push.length
      this.counters.syncs.entriesReceived += reply.entries.length
      this.onRound?.()
      return { diff: summary.diff.length, sent: push.length, received: reply.entries.length }
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
      if (first.bucketCount !== this.store.digest.bucketCount || first.buckets.byteLength !== first.bucketCount * 8) {
        throw new InvalidMessageError('invalid-entry', `digest must have ${this.store.digest.bucketCount} buckets of 8 bytes, got ${first.bucketCount} in ${first.buckets.byteLength} bytes`)
      }
      this.counters.syncs.served++
      const { diff, versions } = summarize(this.store, fromBytes(first.buckets))
      await this.writeFrames(frames, SyncFrame.Kind.SUMMARY, versions, [], false, signal, diff)
      if (diff.length === 0) {
        this.counters.syncs.inSync++
        await stream.close({ signal })
        this.onRound?.()
        return
      }
      const pushed = await this.readPhase(frames, SyncFrame.Kind.PUSH, signal)
      this.merge(pushed.entries)
      const reply = lookup(this.store, pushed.want)
      await this.writePhase(frames, reply, [], signal)
      await stream.close({ signal })
      this.counters.syncs.entriesSent += reply.length
      this.counters.syncs.entriesReceived += pushed.entries.length
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

  private merge (entries: Entry[]): void {
    if (entries.length === 0 || this.store.isClosed) return
    const outcomes = this.store.merge(entries)
    for (const o of outcomes) if (o === 'drift' || o === 'forged-claim') this.counters.rejected[o]++
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

  /** Reads frames of one kind until the one marked `last`; decodes and checks their entries. */
  private async readPhase (frames: Frames, kind: SyncFrame.Kind, signal: AbortSignal): Promise<{ diff: number[], entries: Entry[], want: string[] }> {
    const entries: Entry[] = []
    const want: string[] = []
    let diff: number[] = []
    for (let n = 0; ; n++) {
      const f = parseSyncFrame(await this.readFrame(frames, signal), kind, this.limits, this.store.digest.bucketCount)
      if (n === 0) diff = f.diff
      for (const e of f.entries) entries.push(e)
      for (const k of f.want) want.push(k)
      if (entries.length + want.length > MAX_ROUND_ENTRIES) throw new InvalidMessageError('oversized', `a sync phase may carry at most ${MAX_ROUND_ENTRIES} entries and keys`)
      if (f.last) return { diff, entries, want }
    }
  }

  private async writePhase (frames: Frames, entries: Entry[], want: string[], signal: AbortSignal): Promise<void> {
    await this.writeFrames(frames, SyncFrame.Kind.PUSH, entries, want, true, signal)
  }

  /** Writes entries (and wanted keys) as frames of bounded size; the final one is marked `last`. */
  private async writeFrames (frames: Frames, kind: SyncFrame.Kind, entries: Entry[], want: string[], withValues: boolean, signal: AbortSignal, diff: number[] = []): Promise<void> {
    const out: SyncFrame[] = []
    let start = 0
    let bytes = 0
    const cut = (end: number): void => {
      const { origins, entries: wire } = toWire(entries.slice(start, end), withValues)
      out.push({ ...blank(), kind, origins, entries: wire, diff: out.length === 0 ? diff : [] })
      start = end
      bytes = 0
    }
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]
      const size = e.key.length * 3 + (withValues ? e.value.byteLength : 0) + 32
      if (i > start && (bytes + size > FRAME_BUDGET_BYTES || i - start >= MAX_FRAME_ENTRIES)) cut(i)
      bytes += size
    }
    if (start < entries.length || out.length === 0) cut(entries.length)
    for (let i = 0; i < want.length; i += MAX_FRAME_ENTRIES) {
      out.push({ ...blank(), kind, want: want.slice(i, i + MAX_FRAME_ENTRIES) })
    }
    out[out.length - 1].last = true
    for (const f of out) await frames.write(SyncFrame.encode(f), { signal })
  }
}

/** Decodes one frame under limits; anything that does not decode is an InvalidMessageError. */
function decodeFrame (data: Uint8Array | Uint8ArrayList, bucketCount: number): SyncFrame {
  try {
    return SyncFrame.decode(data, { limits: { diff: bucketCount, origins: MAX_FRAME_ENTRIES, entries: MAX_FRAME_ENTRIES, want: MAX_FRAME_ENTRIES } })
  } catch (err) {
    throw new InvalidMessageError('malformed', `sync frame does not decode: ${(err as Error).message}`)
  }
}

/**
 * Decodes and checks one frame of an expected kind: version, kind, bucket ids, every entry, every
 * wanted key. Untrusted input: anything wrong is an InvalidMessageError with a reason.
 */
export function parseSyncFrame (data: Uint8Array | Uint8ArrayList, kind: SyncFrame.Kind, limits: DecodeLimits, bucketCount: number): { diff: number[], entries: Entry[], want: string[], last: boolean } {
  const f = decodeFrame(data, bucketCount)
  checkFrame(f, kind)
  for (const k of f.want) {
    if (k.length === 0 || k.length > limits.maxKeyBytes) throw new InvalidMessageError('oversized', `wanted keys must be 1 to ${limits.maxKeyBytes} characters, got ${k.length}`)
  }
  return { diff: checkDiff(f.diff, bucketCount), entries: fromWire(f.origins, f.entries, { ...limits, maxEntries: MAX_FRAME_ENTRIES }), want: f.want, last: f.last }
}

function blank (): SyncFrame {
  return { version: WIRE_VERSION, kind: SyncFrame.Kind.DIGEST, bucketCount: 0, buckets: new Uint8Array(0), diff: [], origins: [], entries: [], want: [], last: false }
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
