/**
 * The neighbourhood: this node's connected mesh peers, and whether they form a clique with it
 * (every one of them connected to exactly the same mesh peers), in which case a write pushed
 * directly to each of them has reached every node gossip could reach, and gossip is skipped.
 *
 * Each node sums up its closed neighbourhood (itself and its connected mesh peers) as a view: 8
 * bytes of SHA-256 over the sorted peer ids. Views travel on every push frame and ack; a node
 * whose neighbourhood changes sends its new view to its peers at once (an empty push frame). The
 * mesh around a node is a clique when every connected peer's last reported view equals its own:
 * equal closed neighbourhoods mean no peer has a mesh peer this node lacks. Until a peer has
 * reported the current view (a new connection, an older node that sends none), it is not.
 *
 * Direct delivery is for small meshes only (at most `DIRECT_MAX_PEERS` connected mesh peers):
 * each write costs a frame and an ack per peer, where gossipsub's mesh bounds a publisher's sends
 * in a large mesh (its degree) and relays the rest.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import type { PeerId } from '@libp2p/interface'

/** Most connected mesh peers for which writes are pushed directly to each. */
export const DIRECT_MAX_PEERS = 8

const VIEW_BYTES = 8
const encoder = new TextEncoder()

/** The view of a closed neighbourhood: 8 bytes of SHA-256 over its sorted peer ids. */
export function viewOf (ids: string[]): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(sha256(encoder.encode([...ids].sort().join('\n'))).subarray(0, VIEW_BYTES))
}

function equalBytes (a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false
  return true
}

export class Neighbourhood {
  private readonly self: string
  private readonly connected: () => PeerId[]
  /** The sorted ids this node's view was computed from (joined), and that view. */
  private key = ''
  private current: Uint8Array<ArrayBuffer> = new Uint8Array(0)
  /** The peers the current view was computed from. */
  private lastPeers: PeerId[] | undefined
  /** The key of the last view `changed` reported. */
  private announced = ''
  /** The last view each peer reported. */
  private readonly reports = new Map<string, Uint8Array>()
  private readonly onCliqueLost: () => void
  /** Whether the mesh around this node was a clique when last looked at (a report or a change of peers). */
  private wasClique = false

  /** `onCliqueLost`: called when a report or a change of peers shows the clique this node was in has changed. */
  constructor (self: PeerId, connected: () => PeerId[], onCliqueLost: () => void = () => {}) {
    this.self = self.toString()
    this.connected = connected
    this.onCliqueLost = onCliqueLost
  }

  /** This node's view now (the same object while it is unchanged). */
  view (): Uint8Array<ArrayBuffer> {
    return this.viewOf(this.connected())
  }

  private viewOf (peers: PeerId[]): Uint8Array<ArrayBuffer> {
    // the same peers as last time (gossipsub hands out the same PeerId objects, in the same order): the same view
    const last = this.lastPeers
    if (last !== undefined && last.length === peers.length && last.every((p, i) => p === peers[i])) return this.current
    this.lastPeers = [...peers]
    const ids = peers.map(p => p.toString())
    ids.push(this.self)
    ids.sort()
    const key = ids.join('\n')
    if (key !== this.key) {
      this.key = key
      this.current = viewOf(ids)
    }
    return this.current
  }

  /** The connected mesh peers a write is pushed to directly: all of them in a small mesh, else none. */
  directPeers (): PeerId[] {
    const peers = this.connected()
    return peers.length <= DIRECT_MAX_PEERS ? peers : []
  }

  /** Records the view a peer reported (undefined: it sends none, an older node). */
  reported (peer: string, view: Uint8Array | undefined): void {
    if (view === undefined || view.byteLength !== VIEW_BYTES) {
      if (this.reports.delete(peer)) this.recheck()
      return
    }
    const before = this.reports.get(peer)
    if (before !== undefined && equalBytes(before, view)) return
    // a copy: the view is a slice of the frame it came in, which must not be kept alive
    this.reports.set(peer, view.slice())
    this.recheck()
  }

  /** A peer disconnected: its view is unknown until it reports again. */
  forget (peer: string): void {
    this.reports.delete(peer)
    this.recheck()
  }

  /**
   * This node's connected mesh peers and its view, when they form a small clique with it (every
   * peer having reported the same view as this node's: then direct pushes reach every node gossip
   * would); undefined otherwise. One look at the peers: it is asked on every local write.
   */
  inClique (): { peers: PeerId[], view: Uint8Array<ArrayBuffer> } | undefined {
    const peers = this.connected()
    if (peers.length === 0 || peers.length > DIRECT_MAX_PEERS) return undefined
    const view = this.viewOf(peers)
    for (const p of peers) {
      const theirs = this.reports.get(p.toString())
      if (theirs === undefined || !equalBytes(theirs, view)) return undefined
    }
    return { peers, view }
  }

  /** Whether this node is in a small clique (see inClique). */
  clique (): boolean {
    return this.inClique() !== undefined
  }

  /** Whether writes pushed to every peer under `view` still reach every node gossip would: the clique is the same. */
  covers (view: Uint8Array): boolean {
    return this.inClique()?.view === view
  }

  /**
   * Call when the mesh peers may have changed: true when this node's view changed (its peers
   * should hear the new one).
   */
  changed (): boolean {
    this.recheck()
    if (this.key === this.announced) return false
    this.announced = this.key
    return true
  }

  /** Looks again whether this node is in a clique (call when the peers may have changed). */
  recheck (): void {
    const now = this.clique()
    if (this.wasClique && !now) this.onCliqueLost()
    this.wasClique = now
  }
}
