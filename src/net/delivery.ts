/**
 * Delivery: which of this node's writes some peer is known to hold, and getting them there.
 *
 * Every local write enters the ledger (the latest write per key: an overwritten write needs no
 * delivery) and is gossiped as before. A moment later the ledger is offered to a peer over the
 * push protocol, versions only; what the peer holds leaves the ledger, what it lacks is sent with
 * its value (or offered again later while gossip to that peer is still queued: no duplicate of a
 * large value that is on its way). A write with `replicas: k` is pushed with its value to k peers at once, and its
 * caller waits for their acks. `handOff` (flush, close) first runs an anti-entropy round with a
 * peer: when their state digests agree, that peer holds every version this node holds, and the
 * whole ledger written before the round is confirmed at the cost of one 8 KiB digest (the usual
 * case: gossip got everything there). Otherwise it offers and pushes until the ledger is empty,
 * no peer is left, or its time runs out. Per peer, one frame is in flight at a time and
 * the entries queued meanwhile go together in the next: batching under load, no delay when idle.
 */
import type { PeerId } from '@libp2p/interface'
import type { Entry } from '../core/entry.js'
import { AbortError, MeshClosedError, NotEnoughPeersError, ReplicationTimeoutError } from '../core/errors.js'
import { compareVersionIds } from '../core/merge.js'
import type { Store } from '../core/store.js'
import { frameCost, MAX_PUSH_ENTRIES, PUSH_FRAME_BUDGET_BYTES, type PushProtocol } from './push.js'

/** How long a write with `replicas` waits for its acks. @default 5_000 */
export const DEFAULT_REPLICA_TIMEOUT_MS = 5_000
/** How long `close()` (and `flush()`) spend handing undelivered writes to peers. @default 5_000 */
export const DEFAULT_CLOSE_TIMEOUT_MS = 5_000
/** A write is offered this long after it was made: gossip has usually delivered it by then. */
const OFFER_DELAY_MS = 250
/** After a failed delivery the next attempt waits this long (during a hand-off, the shorter one). */
const RETRY_MS = 1_000
const URGENT_RETRY_MS = 50

/** A caller waiting for `wanted` peers to hold `entry`. */
interface Wait {
  entry: Entry
  wanted: number
  confirmed: Set<string>
  /** Peers with a push of it under way. */
  sending: Set<string>
  /** Peers that failed it since the last retry. */
  failed: Set<string>
  retry: NodeJS.Timeout | undefined
  settle: (err?: Error) => void
}

/** What is queued for one peer. */
interface Outbound {
  peer: PeerId
  writes: Entry[]
  offers: Entry[]
  busy: boolean
}

/** A ledger record: a local write no peer has confirmed yet, and how many sends of it are under way. */
interface Undelivered {
  entry: Entry
  sending: number
  /** Peers it is being pushed to directly (a small mesh's every write: see `record`), until each answers. */
  direct: PeerId[] | undefined
  /** Order of recording (the ledger Map keeps records in this order). */
  seq: number
}

export interface DeliveryCounters {
  /** Ledger writes a peer confirmed. */
  confirmed: number
  /** Ledger writes dropped undelivered because a newer remote write replaced them or they were purged. */
  superseded: number
  /** `replicas` waits that timed out, and that failed at once for lack of peers. */
  timeouts: number
  notEnoughPeers: number
  /** Writes left undelivered by the last `close()` (0 when everything got out). */
  undeliveredAtClose: number
}

export interface DeliveryInit {
  push: PushProtocol
  store: Store
  /** Connected peers of this mesh. */
  peers: () => PeerId[]
  /** Bytes of gossip queued to a peer and not yet written to its connection. */
  backlog: (peer: PeerId) => number
  /** One anti-entropy round (or more) with a peer; `diff` 0 when the last found the states equal. */
  sync?: (peer: PeerId, signal: AbortSignal) => Promise<{ diff: number } | undefined>
}

export class Delivery {
  readonly counters: DeliveryCounters = { confirmed: 0, superseded: 0, timeouts: 0, notEnoughPeers: 0, undeliveredAtClose: 0 }
  private readonly push: PushProtocol
  private readonly store: Store
  private readonly peers: () => PeerId[]
  private readonly backlog: (peer: PeerId) => number
  private readonly sync: DeliveryInit['sync']
  private seq = 0
  private readonly ledger = new Map<string, Undelivered>()
  private readonly waits = new Map<Entry, Wait>()
  private readonly out = new Map<string, Outbound>()
  private readonly listeners = new Set<() => void>()
  private timer: NodeJS.Timeout | undefined
  private timerAt = Infinity
  private turnSoon = false
  private turnLater: NodeJS.Immediate | undefined
  private urgent = 0
  private rotation = 0
  private stopped = false

  constructor (init: DeliveryInit) {
    this.push = init.push
    this.store = init.store
    this.peers = init.peers
    this.backlog = init.backlog
    this.sync = init.sync
  }

  /**
   * Whether a write pushed now would leave at once to each of `peers`: no frame of the ledger's in
   * flight to it, and a push stream kept open and free (under load, and before the streams are
   * open, writes go by gossip, one batch for every peer, instead of waiting for a frame or a stream).
   */
  idle (peers: PeerId[]): boolean {
    for (const p of peers) if (this.out.get(p.toString())?.busy === true || !this.push.ready(p)) return false
    return true
  }

  /** Local writes no peer has confirmed yet (the latest per key). */
  get undelivered (): number {
    return this.ledger.size
  }

  /**
   * Records a local write and pushes it with its value to each of `direct` (a small mesh's peers:
   * see Neighbourhood; the array is kept); what no peer confirms is offered to a peer shortly.
   */
  record (entry: Entry, direct: PeerId[] = []): void {
    if (this.stopped) return
    this.ledger.delete(entry.key)
    const rec: Undelivered = { entry, sending: 0, seq: ++this.seq, direct: direct.length > 0 ? direct : undefined }
    this.ledger.set(entry.key, rec)
    if (direct.length > 0) {
      for (const p of direct) this.enqueue(p, entry, 'write')
      this.scheduleTurn()
    }
    this.arm(this.urgent > 0 ? 0 : OFFER_DELAY_MS)
  }

  /** A peer joined the mesh: writes made while none was connected can go now. */
  peerJoined (): void {
    if (this.ledger.size > 0) this.arm(OFFER_DELAY_MS)
  }

  /**
   * Pushes a recorded write to `wanted` connected peers and resolves once that many hold it.
   * Throws NotEnoughPeersError at once when fewer are connected, ReplicationTimeoutError after
   * `timeoutMs`; either way the write stays applied here and keeps replicating.
   */
  async replicate (entry: Entry, wanted: number, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    const peers = this.peers()
    if (peers.length < wanted) {
      this.counters.notEnoughPeers++
      throw new NotEnoughPeersError(`${JSON.stringify(entry.key)} asked for ${wanted} replicas but ${peers.length} mesh peers are connected; it is applied here and will replicate when peers connect`, { connected: peers.length, wanted, entry })
    }
    if (signal?.aborted === true) throw new AbortError(`waiting for replicas of ${JSON.stringify(entry.key)} was aborted; the write is applied here`)
    await new Promise<void>((resolve, reject) => {
      const onAbort = (): void => { w.settle(new AbortError(`waiting for replicas of ${JSON.stringify(entry.key)} was aborted; the write is applied here`)) }
      const timer = setTimeout(() => {
        this.counters.timeouts++
        w.settle(new ReplicationTimeoutError(`${w.confirmed.size} of ${wanted} peers confirmed ${JSON.stringify(entry.key)} (${entry.hlc}) within ${timeoutMs} ms; it is applied here and keeps replicating`, { confirmed: w.confirmed.size, wanted, entry }))
      }, timeoutMs)
      const w: Wait = {
        entry,
        wanted,
        confirmed: new Set(),
        sending: new Set(),
        failed: new Set(),
        retry: undefined,
        settle: (err) => {
          clearTimeout(timer)
          clearTimeout(w.retry)
          signal?.removeEventListener('abort', onAbort)
          this.waits.delete(entry)
          if (err === undefined) resolve()
          else reject(err)
        }
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      this.waits.set(entry, w)
      this.route(w, peers)
    })
  }

  /**
   * Offers and pushes undelivered writes until some peer holds each, no peer is connected, or
   * `timeoutMs` passes. Resolves with how many remain undelivered.
   */
  async handOff (timeoutMs: number): Promise<number> {
    this.urgent++
    try {
      const end = Date.now() + timeoutMs
      await this.confirmBySync(end)
      this.drain()
      // every undelivered write is now in flight or has a (re)try armed; wait for the outcomes
      while (this.ledger.size > 0 && this.peers().length > 0 && Date.now() < end) {
        await this.changed(Math.min(end - Date.now(), 250))
      }
      return this.ledger.size
    } finally {
      this.urgent--
    }
  }

  /**
   * Confirms the ledger in bulk when a sync round with a peer finds their states equal (two
   * rounds at most: the first repairs what differs). Any failure leaves it to offers.
   */
  private async confirmBySync (end: number): Promise<void> {
    const peers = this.peers()
    if (this.sync === undefined || peers.length === 0 || this.ledger.size === 0) return
    const peer = peers[this.rotation++ % peers.length]
    for (let attempt = 0; attempt < 2 && this.ledger.size > 0 && Date.now() < end; attempt++) {
      const upTo = this.seq
      let result: { diff: number } | undefined
      try {
        result = await this.sync(peer, AbortSignal.timeout(Math.max(end - Date.now(), 1)))
      } catch {
        return
      }
      if (result === undefined) return
      if (result.diff === 0) {
        this.confirmUpTo(upTo)
        return
      }
    }
  }

  /** Every ledger write recorded up to `seq` is held by a peer whose state equals this node's. */
  private confirmUpTo (seq: number): void {
    for (const [key, rec] of this.ledger) {
      if (rec.seq > seq) break
      this.ledger.delete(key)
      if (this.holds(rec.entry)) this.counters.confirmed++
      else this.counters.superseded++
    }
    this.notify()
  }

  /** Stops: no more sends; waits reject with MeshClosedError. */
  stop (undeliveredAtClose = this.ledger.size): void {
    this.counters.undeliveredAtClose = undeliveredAtClose
    this.stopped = true
    clearTimeout(this.timer)
    clearImmediate(this.turnLater)
    for (const w of [...this.waits.values()]) w.settle(new MeshClosedError(`the mesh closed with ${w.confirmed.size} of ${w.wanted} peers confirming ${JSON.stringify(w.entry.key)}`))
    this.out.clear()
    for (const fn of this.listeners) fn()
  }

  // ---- internals -----------------------------------------------------------------------------

  /** Sends a waited-for write to as many more peers as it still needs (fewest queued first). */
  private route (w: Wait, peers = this.peers()): void {
    // a write already on its way to peers directly waits for those pushes
    const rec = this.ledger.get(w.entry.key)
    if (rec?.entry === w.entry && rec.direct !== undefined) {
      for (const p of rec.direct) w.sending.add(p.toString())
      rec.direct = undefined
    }
    const need = w.wanted - w.confirmed.size - w.sending.size
    if (need <= 0 || this.stopped) return
    const candidates = peers.filter(p => {
      const id = p.toString()
      return !w.confirmed.has(id) && !w.sending.has(id) && !w.failed.has(id)
    })
    candidates.sort((a, b) => this.queued(a) - this.queued(b))
    for (const p of candidates.slice(0, need)) {
      w.sending.add(p.toString())
      this.enqueue(p, w.entry, 'write')
    }
    if (candidates.length < need && w.sending.size === 0 && w.retry === undefined) {
      // every candidate failed it: try them all again shortly (until the wait times out)
      w.retry = setTimeout(() => {
        w.retry = undefined
        w.failed.clear()
        this.route(w)
      }, this.urgent > 0 ? URGENT_RETRY_MS : RETRY_MS / 4)
    }
    this.scheduleTurn()
  }

  /** Offers every idle ledger write to one peer (rotating); drops those replaced or purged since. */
  private drain (): void {
    clearTimeout(this.timer)
    this.timer = undefined
    this.timerAt = Infinity
    if (this.stopped) return
    const peers = this.peers()
    if (peers.length === 0) return
    const target = peers[this.rotation++ % peers.length]
    for (const [key, rec] of this.ledger) {
      if (rec.sending > 0) continue
      if (!this.holds(rec.entry)) {
        this.ledger.delete(key)
        this.counters.superseded++
        continue
      }
      this.enqueue(target, rec.entry, 'offer')
    }
    this.scheduleTurn()
  }

  /** Whether this node still holds `entry` as the version of its key (not overwritten, not purged). */
  private holds (entry: Entry): boolean {
    const held = this.store.version(entry.key)
    return held !== undefined && (held === entry || compareVersionIds(held, entry) === 0)
  }

  private enqueue (peer: PeerId, entry: Entry, kind: 'write' | 'offer'): void {
    const id = peer.toString()
    let q = this.out.get(id)
    if (q === undefined) {
      q = { peer, writes: [], offers: [], busy: false }
      this.out.set(id, q)
    }
    if (kind === 'write') q.writes.push(entry)
    else q.offers.push(entry)
    const rec = this.ledger.get(entry.key)
    if (rec?.entry === entry) rec.sending++
  }

  private queued (peer: PeerId): number {
    const q = this.out.get(peer.toString())
    return q === undefined ? 0 : q.writes.length + q.offers.length + (q.busy ? 1 : 0)
  }

  /**
   * Runs a turn once the current synchronous work is done (a microtask: every write of this
   * burst is queued by then, and the frames leave before the burst's gossip batch, which waits
   * for setImmediate, so a pushed peer applies the write before it decodes the gossip copy).
   * After an ack, `later`: at the end of the event loop turn, so the writers it woke have queued
   * their next writes and they go together.
   */
  private scheduleTurn (later = false): void {
    if (this.stopped) return
    if (later) {
      this.turnLater ??= setImmediate(() => {
        this.turnLater = undefined
        if (!this.stopped) this.turn()
      })
      return
    }
    if (this.turnSoon) return
    this.turnSoon = true
    queueMicrotask(() => {
      this.turnSoon = false
      if (!this.stopped) this.turn()
    })
  }

  /** Starts a frame to every peer with something queued and nothing in flight. */
  private turn (): void {
    const connected = new Set(this.peers().map(p => p.toString()))
    for (const [id, q] of this.out) {
      if (q.busy) continue
      if (q.writes.length === 0 && q.offers.length === 0) {
        this.out.delete(id)
      } else if (!connected.has(id)) {
        this.out.delete(id)
        for (const e of q.writes) this.outcome(e, q.peer, 'write', false, true)
        for (const e of q.offers) this.outcome(e, q.peer, 'offer', false, true)
      } else {
        void this.send(q)
      }
    }
  }

  /** One frame to one peer: writes first, then offers, within the frame budget. */
  private async send (q: Outbound): Promise<void> {
    q.busy = true
    let bytes = 0
    const take = (list: Entry[], withValues: boolean, room: number): Entry[] => {
      let n = 0
      while (n < list.length && n < room) {
        const cost = frameCost(list[n], withValues)
        if (bytes > 0 && bytes + cost > PUSH_FRAME_BUDGET_BYTES) break
        bytes += cost
        n++
      }
      return list.splice(0, n)
    }
    const writes = take(q.writes, true, MAX_PUSH_ENTRIES)
    const offers = take(q.offers, false, MAX_PUSH_ENTRIES - writes.length)
    let held: boolean[] | undefined
    try {
      held = await this.push.exchange(q.peer, writes, offers)
    } catch {
      held = undefined
    }
    q.busy = false
    for (let i = 0; i < writes.length; i++) this.outcome(writes[i], q.peer, 'write', held?.[i] === true, held === undefined)
    for (let i = 0; i < offers.length; i++) this.outcome(offers[i], q.peer, 'offer', held?.[writes.length + i] === true, held === undefined)
    if (q.writes.length > 0 || q.offers.length > 0) this.scheduleTurn(true)
    this.notify()
  }

  /** What one peer answered about one entry (or that the exchange failed). */
  private outcome (entry: Entry, peerId: PeerId, kind: 'write' | 'offer', held: boolean, failed: boolean): void {
    const peer = peerId.toString()
    const rec = this.ledger.get(entry.key)
    const mine = rec?.entry === entry ? rec : undefined
    if (mine !== undefined) {
      mine.sending--
      const i = mine.direct?.findIndex(p => p.toString() === peer) ?? -1
      if (i >= 0) mine.direct?.splice(i, 1)
    }
    const w = this.waits.get(entry)
    if (held) {
      if (mine !== undefined) {
        this.ledger.delete(entry.key)
        this.counters.confirmed++
      }
      if (w !== undefined) {
        w.sending.delete(peer)
        w.confirmed.add(peer)
        if (w.confirmed.size >= w.wanted) w.settle()
      }
      return
    }
    if (kind === 'offer' && !failed) {
      // the peer lacks this write: offer it again while gossip to it is still queued, else push it
      if (mine === undefined || this.stopped) return
      if (this.backlog(peerId) > 0) {
        this.arm(this.urgent > 0 ? URGENT_RETRY_MS : OFFER_DELAY_MS)
      } else {
        this.enqueue(peerId, entry, 'write')
        this.scheduleTurn()
      }
      return
    }
    if (w !== undefined) {
      w.sending.delete(peer)
      w.failed.add(peer)
      this.route(w)
    }
    if (mine !== undefined && mine.sending === 0) this.arm(this.urgent > 0 ? URGENT_RETRY_MS : RETRY_MS)
  }

  /** Arms the drain timer for `delay` from now, unless it is armed earlier. */
  private arm (delay: number): void {
    if (this.stopped) return
    const at = Date.now() + delay
    if (at >= this.timerAt) return
    clearTimeout(this.timer)
    this.timerAt = at
    this.timer = setTimeout(() => { this.drain() }, delay)
    this.timer.unref()
  }

  /** Resolves at the next outcome, or after `ms`. */
  private async changed (ms: number): Promise<void> {
    await new Promise<void>(resolve => {
      const done = (): void => {
        clearTimeout(timer)
        this.listeners.delete(done)
        resolve()
      }
      const timer = setTimeout(done, Math.max(ms, 0))
      this.listeners.add(done)
    })
  }

  private notify (): void {
    for (const fn of [...this.listeners]) fn()
  }
}
