/**
 * The libp2p adapter: one libp2p node (TCP, Noise, Yamux, identify, gossipsub, mDNS, bootstrap)
 * carrying one mesh's gossip topic and the anti-entropy protocol, bound to one store.
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { gossipsub, StrictSign, type GossipSub, type GossipsubOpts } from '@libp2p/gossipsub'
import { createTopicScoreParams } from '@libp2p/gossipsub/score'
import { identify } from '@libp2p/identify'
import { tcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p, type Libp2p } from 'libp2p'
import type { ConnectionGater, PeerId, PrivateKey } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import type { Acceptor, GrantReply, GrantRequest } from '../core/acceptor.js'
import type { CasAcceptor } from '../core/cas-acceptor.js'
import type { CasReply, CasRequest } from '../core/caspaxos.js'
import type { Entry } from '../core/entry.js'
import type { Store } from '../core/store.js'
import type { DecodeLimits } from './codec.js'
import { ArrivalDelay } from './arrival.js'
import { Delivery } from './delivery.js'
import { Neighbourhood } from './neighbourhood.js'
import { discovery, nodeDatastore, peerExchange, type DiscoveryOptions } from './discovery.js'
import { Gossip, gossipBacklog, MAX_BATCH_ENTRIES } from './gossip.js'
import { CasProtocol } from './cas-protocol.js'
import { LeaseProtocol } from './lease-protocol.js'
import { allowlistGater, protectorFor } from './trust.js'
import { CatchUp } from './catch-up.js'
import { createCounters, type NetCounters } from './metrics.js'
import { topicFor } from './protocols.js'
import { createPushCounters, PushProtocol, type PushCounters } from './push.js'
import { SyncService, type SyncResult } from './sync.js'

/** @default 5_000 */
export const DEFAULT_SYNC_INTERVAL_MS = 5_000
/** New inbound connections accepted from one host per second (libp2p's default: 5). */
const INBOUND_CONNECTIONS_PER_HOST_PER_SECOND = 100
/** A node tells its peers its new view this long after its peers changed (net/neighbourhood.ts). */
const ANNOUNCE_DELAY_MS = 200
/** Mesh peers remembered for redialling. */
const MAX_KNOWN_PEERS = 256

export interface NodeInit extends DiscoveryOptions {
  name: string
  listen: string[]
  store: Store
  /** This node's quorum-mode lease acceptor. */
  acceptor: Acceptor
  /** This node's quorum register acceptor (CASPaxos). */
  casAcceptor: CasAcceptor
  syncIntervalMs: number
  privateKey?: PrivateKey
  connectionGater?: ConnectionGater
  /** Swarm key of a private mesh. */
  psk?: string | Uint8Array
  /** Peer ids allowed to connect (all when absent). */
  allowPeers?: string[]
}

type Services = { pubsub: GossipSub, identify: unknown }

/**
 * Peer scoring: every message our validator Rejects lowers its sender's score by 2 × n² (n decays
 * by 10 % a second); below -10 a peer gets no gossip from us, below -80 (about seven bad
 * messages in a row) its messages are ignored altogether (graylisted). Quiet meshes are normal
 * here, so delivery-rate penalties are off, and many agents on one host are normal, so the
 * same-IP penalty is off.
 */
function scoring (topic: string): Pick<GossipsubOpts, 'scoreParams' | 'scoreThresholds'> {
  return {
    scoreParams: {
      IPColocationFactorWeight: 0,
      topics: {
        [topic]: createTopicScoreParams({
          topicWeight: 1,
          timeInMeshWeight: 0.01,
          firstMessageDeliveriesWeight: 0.1,
          meshMessageDeliveriesWeight: 0,
          meshFailurePenaltyWeight: 0,
          invalidMessageDeliveriesWeight: -2,
          invalidMessageDeliveriesDecay: 0.9
        })
      }
    },
    scoreThresholds: { gossipThreshold: -10, publishThreshold: -50, graylistThreshold: -80 }
  }
}

/**
 * Gossipsub's cheap duplicate check, run before a received message's signature is verified: its
 * signature bytes. Ed25519 signatures are deterministic, so every copy of one message (the
 * publisher's own and each relayed one) has the same; gossipsub caches this id only once the
 * first copy's signature verified, so a forged copy cannot shadow the genuine message. Without it
 * every relayed duplicate is verified again (in a 3-node mesh, 4 verifications a message instead of 2).
 */
export function fastMessageId (msg: { signature?: Uint8Array }): string {
  const s = msg.signature
  return s === undefined ? '' : Buffer.from(s.buffer, s.byteOffset, s.byteLength).toString('base64')
}

export class MeshNode {
  readonly libp2p: Libp2p<Services>
  readonly counters: NetCounters
  readonly topic: string
  private readonly store: Store
  private readonly gossip: Gossip
  private readonly sync: SyncService
  private readonly leases: LeaseProtocol
  private readonly cas: CasProtocol
  private readonly push: PushProtocol
  /** How long writes take to arrive here, by gossip or push. */
  private readonly arrivals = new ArrivalDelay()
  /** The connected mesh peers, and whether they and this node form a clique (writes then go direct only). */
  private readonly neighbourhood: Neighbourhood
  /** The push protocol's traffic. */
  readonly pushCounters: PushCounters = createPushCounters()
  /** Which local writes some peer holds; getting the rest there. */
  readonly delivery: Delivery
  /** This node's quorum-mode lease acceptor. */
  readonly acceptor: Acceptor
  /** This node's quorum register acceptor. */
  readonly casAcceptor: CasAcceptor
  private readonly syncIntervalMs: number
  private timer: NodeJS.Timeout | undefined
  private announceTimer: NodeJS.Timeout | undefined
  private stopped = false
  private readonly catchUp = new CatchUp()
  /** Mesh peers seen, so they are redialled after a disconnection (a healed partition). */
  private readonly known = new Map<string, PeerId>()
  private readonly bootstrap: string[]

  private constructor (libp2p: Libp2p<Services>, init: NodeInit, limits: DecodeLimits) {
    this.libp2p = libp2p
    this.store = init.store
    this.counters = createCounters()
    this.topic = topicFor(init.name)
    this.syncIntervalMs = init.syncIntervalMs
    this.bootstrap = init.bootstrap
    this.neighbourhood = new Neighbourhood(libp2p.peerId, () => this.meshPeers(), () => { this.gossip.publishRecent() })
    this.gossip = new Gossip({ pubsub: libp2p.services.pubsub, topic: this.topic, store: this.store, counters: this.counters, limits, arrivals: this.arrivals, coveredBy: view => this.neighbourhood.covers(view) })
    this.sync = new SyncService({ mesh: init.name, libp2p, store: this.store, counters: this.counters, limits })
    this.acceptor = init.acceptor
    this.leases = new LeaseProtocol(init.name, libp2p, init.acceptor, this.counters, this.store.offsets)
    this.casAcceptor = init.casAcceptor
    this.cas = new CasProtocol({ mesh: init.name, libp2p, acceptor: init.casAcceptor, counters: this.counters, offsets: this.store.offsets, now: () => this.store.now(), maxValueBytes: this.store.maxValueBytes })
    this.push = new PushProtocol({ mesh: init.name, libp2p, store: this.store, counters: this.counters, push: this.pushCounters, limits, neighbourhood: this.neighbourhood, arrivals: this.arrivals })
    this.delivery = new Delivery({ push: this.push, store: this.store, peers: () => this.meshPeers(), backlog: peer => gossipBacklog(libp2p, peer), sync: async (peer, signal) => this.sync.syncWith(peer, { signal }) })
    this.sync.onRound = () => { this.catchUp.done() }
  }

  /**
   * Resolves once this node has completed an anti-entropy round since it started (so it holds the
   * mesh's state), at once when it has no mesh peers, or after `limitMs` regardless.
   */
  /** Whether this node has completed an anti-entropy round since it started. */
  get caughtUp (): boolean {
    return this.catchUp.caughtUp
  }

  /** Calls `fn` once this node has caught up (never if it already has); returns an unsubscribe. */
  onCaughtUp (fn: () => void): () => void {
    return this.catchUp.subscribe(fn)
  }

  /** Whether this node has reason to expect mesh peers: bootstrap addresses, mesh peers met before or connected now. */
  expectsPeers (): boolean {
    return this.bootstrap.length > 0 || this.known.size > 0 || this.meshPeers().length > 0
  }

  /** Calls `fn` whenever the mesh peers may have changed (a peer joined the topic, or disconnected); returns an unsubscribe. */
  onPeersChange (fn: () => void): () => void {
    // gossipsub updates its subscribers before it tells, and drops a peer on its own disconnect
    // listener: look again once the current event is done
    const later = (): void => { queueMicrotask(fn) }
    this.libp2p.services.pubsub.addEventListener('subscription-change', later)
    this.libp2p.addEventListener('peer:disconnect', later)
    return () => {
      this.libp2p.services.pubsub.removeEventListener('subscription-change', later)
      this.libp2p.removeEventListener('peer:disconnect', later)
    }
  }

  async caughtUpWith (limitMs: number): Promise<void> {
    if (this.catchUp.caughtUp || this.meshPeers().length === 0) return
    await this.catchUp.wait(limitMs)
  }

  static async create (init: NodeInit): Promise<MeshNode> {
    const limits: DecodeLimits = { maxKeyBytes: init.store.maxKeyBytes, maxValueBytes: init.store.maxValueBytes, maxEntries: MAX_BATCH_ENTRIES }
    const libp2p = await createLibp2p({
      privateKey: init.privateKey,
      addresses: { listen: init.listen },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      // an agent fleet runs many nodes on one host, and mDNS introduces them to each other at once:
      // libp2p's default refuses a host's sixth new connection within a second
      connectionManager: { inboundConnectionThreshold: INBOUND_CONNECTIONS_PER_HOST_PER_SECOND },
      connectionGater: init.allowPeers !== undefined ? allowlistGater(init.allowPeers, init.connectionGater) : init.connectionGater,
      connectionProtector: init.psk !== undefined ? protectorFor(init.psk) : undefined,
      peerDiscovery: discovery(init.name, init),
      datastore: nodeDatastore(),
      services: {
        identify: identify(),
        ...peerExchange(init.name, init.syncIntervalMs),
        pubsub: gossipsub({
          globalSignaturePolicy: StrictSign,
          allowPublishToZeroTopicPeers: true,
          ignoreDuplicatePublishError: true,
          emitSelf: false,
          floodPublish: true,
          // a copy of a message already seen (relayed by another peer) is known by its signature
          // before the signature is verified again: see fastMessageId
          fastMsgIdFn: fastMessageId,
          // a batch carries at most one maximal value plus the batch bound
          maxInboundDataLength: limits.maxValueBytes + limits.maxKeyBytes * 4 + 1024 * 1024,
          allowedTopics: [topicFor(init.name)],
          ...scoring(topicFor(init.name))
        })
      },
      start: false
    })
    const node = new MeshNode(libp2p as unknown as Libp2p<Services>, init, limits)
    await node.start()
    return node
  }

  get peerId (): PeerId {
    return this.libp2p.peerId
  }

  private async start (): Promise<void> {
    const pubsub = this.libp2p.services.pubsub
    // a disconnected peer's clock no longer counts towards the mesh's (it is sampled again on reconnection)
    this.libp2p.addEventListener('peer:disconnect', (evt) => {
      this.store.offsets.forget(evt.detail.toString())
      this.neighbourhood.forget(evt.detail.toString())
    })
    // a change of peers ends this node's clique at once; its new view is told to the peers shortly
    // (one frame for a burst of changes, and none in the start-up rush of connections)
    this.onPeersChange(() => {
      if (this.stopped) return
      this.neighbourhood.recheck()
      this.announceSoon()
    })
    this.libp2p.addEventListener('peer:discovery', (evt) => {
      const id = evt.detail.id
      if (this.stopped || id.equals(this.libp2p.peerId) || this.libp2p.getConnections(id).length > 0) return
      this.libp2p.dial(id).catch(() => {})
    })
    // Sync with every peer that connects (as soon as identify shows it speaks the sync protocol)
    // and again once it joins this mesh's topic, so that writes gossiped before its subscription
    // was known are repaired too: a new connection, a late joiner, a healed partition. One side of
    // each pair starts the round (it repairs both directions).
    this.libp2p.addEventListener('peer:identify', (evt) => {
      const { peerId, protocols } = evt.detail
      if (protocols.includes(this.sync.protocol) && this.libp2p.peerId.toString() < peerId.toString()) this.syncSoon(peerId)
    })
    pubsub.addEventListener('subscription-change', (evt) => {
      const { peerId, subscriptions } = evt.detail
      if (!subscriptions.some(s => s.subscribe && s.topic === this.topic)) return
      this.remember(peerId)
      this.delivery.peerJoined()
      if (this.libp2p.peerId.toString() < peerId.toString()) this.syncSoon(peerId)
    })
    await this.libp2p.start()
    await this.sync.start()
    await this.leases.start()
    await this.cas.start()
    await this.push.start()
    this.gossip.start()
    this.scheduleSync()
  }

  /**
   * Queues a local write for gossip and records it as undelivered until a peer confirms it. In a
   * small clique (see Neighbourhood) with no push under way, it is pushed directly to every peer
   * instead, and gossip skips it: the shortest path when idle. Under load it goes by gossip: one
   * batch encoded and signed for every peer, where pushes would encode one frame per peer and
   * wait for the previous ack. Outside a clique it goes by gossip alone, which reaches the nodes
   * pushes would not (and sends a large value once per peer, not twice).
   */
  publish (entry: Entry): void {
    const clique = this.neighbourhood.inClique()
    const direct = clique !== undefined && this.delivery.idle(clique.peers) ? clique : undefined
    this.delivery.record(entry, direct?.peers)
    this.gossip.enqueue(entry, direct?.view)
  }

  /** Sends this node's view, if it changed, to each peer of a small mesh (an empty push frame), ANNOUNCE_DELAY_MS from now. */
  private announceSoon (): void {
    if (this.announceTimer !== undefined) return
    this.announceTimer = setTimeout(() => {
      this.announceTimer = undefined
      if (this.stopped || !this.neighbourhood.changed()) return
      for (const p of this.neighbourhood.directPeers()) void this.push.exchange(p, [], []).catch(() => {})
    }, ANNOUNCE_DELAY_MS)
    this.announceTimer.unref()
  }

  /** Resolves once `replicas` connected peers hold a published write (see Delivery.replicate). */
  async replicate (entry: Entry, replicas: number, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    await this.delivery.replicate(entry, replicas, timeoutMs, signal)
  }

  /** Peers connected to this node that have joined the mesh topic. */
  meshPeers (): PeerId[] {
    return this.libp2p.services.pubsub.getSubscribers(this.topic)
  }

  /** Dials a multiaddr (which must include /p2p/<peer id>) or a peer id. */
  async dial (addr: string, options: { signal?: AbortSignal } = {}): Promise<PeerId> {
    const conn = await this.libp2p.dial(multiaddr(addr), options)
    return conn.remotePeer
  }

  /** One anti-entropy round with `peer` now. */
  async syncWith (peer: PeerId, options: { signal?: AbortSignal } = {}): Promise<SyncResult | undefined> {
    return this.sync.syncWith(peer, options)
  }

  /** Asks one lease acceptor (this node's own without the network). Failures are refusals. */
  async leaseRequest (peer: string, req: GrantRequest, signal?: AbortSignal): Promise<GrantReply> {
    if (peer === this.libp2p.peerId.toString()) return this.acceptor.grant(req)
    return this.leases.request(peerIdFromString(peer), req, signal)
  }

  /** Asks one register acceptor (this node's own without the network); undefined when it failed or timed out. Never throws. */
  async casRequest (peer: string, req: CasRequest, signal?: AbortSignal): Promise<CasReply | undefined> {
    if (peer === this.libp2p.peerId.toString()) return this.casAcceptor.answer(req, this.store.now())
    return this.cas.request(peerIdFromString(peer), req, signal)
  }

  /** A bound on how long writes take to arrive here (gossip and pushes) observed so far; undefined before enough samples. */
  deliveryBoundMs (): number | undefined {
    return this.arrivals.boundMs()
  }

  /**
   * Publishes queued writes, then hands writes no peer holds yet to connected peers, for at most
   * `timeoutMs`. Resolves with how many remain undelivered.
   */
  async flush (timeoutMs: number): Promise<number> {
    await this.gossip.drain()
    return this.delivery.handOff(timeoutMs)
  }

  /** Hands off undelivered writes (see flush) and stops. Resolves with how many were left undelivered. */
  async stop (handOffMs = 0): Promise<number> {
    if (this.stopped) return this.delivery.undelivered
    const left = await this.flush(handOffMs)
    this.stopped = true
    clearTimeout(this.timer)
    clearTimeout(this.announceTimer)
    this.delivery.stop(left)
    await this.gossip.stop()
    await this.push.stop().catch(() => {})
    await this.sync.stop().catch(() => {})
    await this.leases.stop().catch(() => {})
    await this.cas.stop().catch(() => {})
    await this.libp2p.stop()
    return left
  }

  private syncSoon (peer: PeerId): void {
    if (this.stopped) return
    this.sync.syncWith(peer).catch(() => {})
  }

  private remember (peer: PeerId): void {
    const id = peer.toString()
    this.known.delete(id)
    this.known.set(id, peer)
    if (this.known.size > MAX_KNOWN_PEERS) this.known.delete(this.known.keys().next().value as string)
  }

  /**
   * Every `syncIntervalMs` ± 20 %: one anti-entropy round with a random mesh peer, and a redial of
   * bootstrap and known mesh peers that are not connected (after a partition heals, nothing else
   * would bring a bootstrap-only mesh back together).
   */
  private scheduleSync (): void {
    if (this.stopped || this.syncIntervalMs === Infinity) return
    const delay = this.syncIntervalMs * (0.8 + 0.4 * Math.random())
    this.timer = setTimeout(() => {
      const peers = this.meshPeers()
      if (peers.length > 0) this.syncSoon(peers[Math.floor(Math.random() * peers.length)])
      this.redial()
      this.scheduleSync()
    }, delay)
    this.timer.unref()
  }

  private redial (): void {
    for (const peer of this.known.values()) {
      if (this.libp2p.getConnections(peer).length === 0) this.libp2p.dial(peer).catch(() => {})
    }
    for (const addr of this.bootstrap) {
      const ma = multiaddr(addr)
      const id = ma.getComponents().find(c => c.name === 'p2p')?.value
      if (id !== undefined && this.known.has(id)) continue
      this.libp2p.dial(ma).catch(() => {})
    }
  }
}
