/**
 * Gossip: local writes go out on the mesh topic in batches; remote batches are validated in the
 * topic validator (so a bad one is Rejected and gossipsub's peer scoring penalises its sender)
 * and merged into the store. Best-effort: anti-entropy repairs whatever gossip loses.
 */
import { TopicValidatorResult, type GossipSub, type Message } from '@libp2p/gossipsub'
import { admitBatch, penalises } from '../core/admit.js'
import type { Entry } from '../core/entry.js'
import { InvalidMessageError } from '../core/errors.js'
import type { Store } from '../core/store.js'
import { decodeBatch, encodeBatch, wireTime, type DecodeLimits } from './codec.js'
import type { ArrivalDelay } from './arrival.js'
import type { NetCounters } from './metrics.js'
import type { Libp2p, PeerId } from '@libp2p/interface'

/** A batch is flushed once its entries reach this many bytes (or at the end of the tick). @default 262_144 */
export const DEFAULT_MAX_BATCH_BYTES = 256 * 1024
/** Most entries in one gossip message. */
export const MAX_BATCH_ENTRIES = 16_384
/**
 * Batches left unpublished because direct pushes covered a clique are kept this long (at most a
 * batch's bytes of them, or one larger batch), and published after all if the clique turns out
 * to have changed meanwhile (a peer joined one of its members before this node heard): as
 * gossipsub keeps its recent messages for a few heartbeats. A batch that does not fit is
 * published at once instead, so none is dropped before its time.
 */
export const RECENT_DIRECT_MS = 3_000

/**
 * Bytes of gossip queued to `peer` and not yet written to its connection: gossipsub's publish
 * resolves once a message is queued, so this is what is still on its way.
 */
export function gossipBacklog (libp2p: Libp2p, peer: PeerId): number {
  let bytes = 0
  for (const c of libp2p.getConnections(peer)) {
    for (const s of c.streams) {
      if (s.direction === 'outbound' && (s.protocol?.startsWith('/meshsub/') === true || s.protocol === '/floodsub/1.0.0')) bytes += s.writeBufferLength
    }
  }
  return bytes
}

export interface GossipInit {
  pubsub: GossipSub
  topic: string
  store: Store
  counters: NetCounters
  limits: DecodeLimits
  maxBatchBytes?: number
  /** Where the delay of every batch received is recorded (push records its frames there too). */
  arrivals: ArrivalDelay
  /**
   * Whether writes pushed directly to every peer under this view (Neighbourhood.view) have
   * reached every node gossip could reach (Neighbourhood.clique): then their batch is not published.
   */
  coveredBy?: (view: Uint8Array) => boolean
}

export class Gossip {
  private readonly pubsub: GossipSub
  readonly topic: string
  private readonly store: Store
  private readonly counters: NetCounters
  private readonly limits: DecodeLimits
  private readonly maxBatchBytes: number
  private queue: Entry[] = []
  private queuedBytes = 0
  /** The view under which every queued entry was pushed directly to every peer; undefined when one was not. */
  private queueView: Uint8Array | undefined
  private readonly coveredBy: GossipInit['coveredBy']
  /** Recent batches left unpublished (see RECENT_DIRECT_MS), oldest first, and their entries' size. */
  private recentDirect: Array<{ at: number, entries: Entry[], bytes: number }> = []
  private recentBytes = 0
  private scheduled: NodeJS.Immediate | undefined
  private readonly pending = new Set<Promise<void>>()
  private readonly arrivals: ArrivalDelay

  constructor (init: GossipInit) {
    this.pubsub = init.pubsub
    this.topic = init.topic
    this.store = init.store
    this.counters = init.counters
    this.limits = init.limits
    this.maxBatchBytes = init.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES
    this.coveredBy = init.coveredBy
    this.arrivals = init.arrivals
  }

  start (): void {
    this.pubsub.topicValidators.set(this.topic, (peer, msg) => this.validate(peer, msg))
    this.pubsub.subscribe(this.topic)
  }

  /**
   * Queues a local write for the next batch; `directView`: the view under which it was pushed
   * directly to every peer (Neighbourhood), if it was.
   */
  enqueue (entry: Entry, directView?: Uint8Array): void {
    this.queueView = this.queue.length === 0 || this.queueView === directView ? directView : undefined
    this.queue.push(entry)
    this.queuedBytes += entry.key.length * 3 + entry.value.byteLength + 24
    if (this.queuedBytes >= this.maxBatchBytes || this.queue.length >= MAX_BATCH_ENTRIES) {
      this.flush()
    } else if (this.scheduled === undefined) {
      this.scheduled = setImmediate(() => this.flush())
    }
  }

  /** Publishes the queued entries now. */
  flush (): void {
    if (this.scheduled !== undefined) {
      clearImmediate(this.scheduled)
      this.scheduled = undefined
    }
    if (this.queue.length === 0) return
    const batch = this.queue
    const view = this.queueView
    const bytes = this.queuedBytes
    this.queue = []
    this.queueView = undefined
    this.queuedBytes = 0
    // With no peer on the topic a publish reaches nobody: skip its encoding and signature. A peer
    // that joins later gets these writes by anti-entropy (a round on joining) and delivery's hand-off.
    if (this.pubsub.getSubscribers(this.topic).length === 0) return
    // Pushed directly to every peer of a clique: every node gossip could reach has them coming.
    // Kept unpublished only if it can be published later: a batch that does not fit beside those
    // kept (a large value, a burst) is published now rather than dropping one of them.
    if (view !== undefined && this.coveredBy?.(view) === true && this.keepRecent(batch, bytes)) {
      this.counters.directOnly++
      return
    }
    this.publishBatch(batch)
  }

  /**
   * The mesh around this node stopped being a clique: publish the recent batches that were left
   * to direct pushes, for the nodes those may have missed (gossip's relays and IHAVEs reach them).
   */
  publishRecent (): void {
    const now = this.store.now()
    const recent = this.recentDirect.filter(b => now - b.at <= RECENT_DIRECT_MS)
    this.recentDirect = []
    this.recentBytes = 0
    for (const b of recent) this.publishBatch(b.entries)
  }

  /**
   * Keeps a batch left to pushes for RECENT_DIRECT_MS; false when it does not fit within one
   * batch's bytes beside the unexpired ones kept (a lone batch is kept whatever its size).
   */
  private keepRecent (batch: Entry[], bytes: number): boolean {
    const now = this.store.now()
    while (this.recentDirect.length > 0 && now - this.recentDirect[0].at > RECENT_DIRECT_MS) {
      this.recentBytes -= (this.recentDirect.shift() as { bytes: number }).bytes
    }
    if (this.recentDirect.length > 0 && this.recentBytes + bytes > this.maxBatchBytes) return false
    this.recentDirect.push({ at: now, entries: batch, bytes })
    this.recentBytes += bytes
    return true
  }

  private publishBatch (batch: Entry[]): void {
    const data = encodeBatch(batch, wireTime(() => this.store.offsets.physical()))
    this.counters.messagesOut++
    this.counters.entriesOut += batch.length
    const p: Promise<void> = this.pubsub.publish(this.topic, data).then(
      () => {},
      () => { this.counters.publishErrors++ }
    ).finally(() => this.pending.delete(p))
    this.pending.add(p)
  }

  /** Flushes and waits for the publishes under way. */
  async drain (): Promise<void> {
    this.flush()
    await Promise.all([...this.pending])
  }

  async stop (): Promise<void> {
    await this.drain()
    this.pubsub.topicValidators.delete(this.topic)
    try {
      this.pubsub.unsubscribe(this.topic)
    } catch {
      // already stopped
    }
  }

  /**
   * Untrusted input: never throws; anything wrong is counted and Rejected (gossipsub then lowers
   * the sender's score), except a drift refusal, which is Ignored (see `penalises`).
   */
  private validate (from: PeerId, msg: Message): TopicValidatorResult {
    this.counters.messagesIn++
    try {
      if (msg.type !== 'signed') return this.reject(new InvalidMessageError('malformed', 'unsigned gossip message'))
      const { entries, time } = decodeBatch(msg.data, this.limits)
      // the publisher's clock, from a batch it sent us itself (a relayed one is late by more hops)
      if (time !== undefined && from.equals(msg.from) && !this.store.isClosed) this.store.offsets.oneWay(from.toString(), time)
      admitBatch(entries, msg.from.toString(), this.store.hlc, this.store.verifier)
      this.counters.entriesIn += entries.length
      if (this.store.isClosed) return TopicValidatorResult.Ignore
      this.store.merge(entries)
      this.arrivals.observe(entries, this.store.now())
      return TopicValidatorResult.Accept
    } catch (err) {
      if (err instanceof InvalidMessageError) return this.reject(err)
      return this.reject(new InvalidMessageError('malformed', (err as Error).message))
    }
  }

  private reject (err: InvalidMessageError): TopicValidatorResult {
    this.counters.rejected[err.reason]++
    return penalises(err.reason) ? TopicValidatorResult.Reject : TopicValidatorResult.Ignore
  }
}
