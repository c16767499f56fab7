/**
 * How far this node's physical clock is from the mesh's, estimated from the times peers put on
 * their messages (every exchange carries the sender's physical clock reading).
 *
 * - A request and its reply give a round-trip sample: `peerTime − (sent + received) / 2`, off by
 *   at most half the round trip. A one-way message gives `peerTime − received`, short by its delay.
 * - Per peer, the estimate is the median of its latest samples: a delayed message is outvoted, a
 *   step of the peer's clock wins after three samples.
 * - The mesh's time is the median of this node's clock and its peers'. This node's offset is its
 *   clock minus that median (signed); with an even count the median is the mean of the middle two.
 * - The node runs on mesh time (its clock less the offset, the correction bounded by ±maxDriftMs)
 *   once it knows two peers' clocks: with a single peer nobody can tell which of two clocks is
 *   wrong (and an honest node that first hears of a faulty one would be dragged halfway to it).
 * - A node is `skewed` (it refuses local writes) only when a strict majority of the mesh, this
 *   node included, puts it more than `maxDriftMs` away; never with fewer than two peers.
 * - The mesh's time is taken over the connected peers; whether this node is skewed, over every
 *   peer heard within the sample TTL, connected or not: a skewed node cut off with a single peer
 *   still knows what the others said, while a peer that left no longer moves its clock.
 *
 * Samples are held against a monotonic clock, so a step of this node's own physical clock (an NTP
 * fix) moves its offset at once, without waiting for fresh samples. Pure: no timers, no I/O.
 */
import { DEFAULT_MAX_DRIFT_MS, type PhysicalClock } from './hlc.js'
import { InvalidOptionError } from './errors.js'

/** Samples older than this no longer count (the peer left, or went quiet). @default 300_000 */
export const DEFAULT_SAMPLE_TTL_MS = 5 * 60_000
/** Most peers tracked; the least recently heard of is forgotten first. @default 1_024 */
export const DEFAULT_MAX_CLOCK_PEERS = 1_024
/** Samples kept per peer (their median is the peer's estimate). */
const SAMPLES_PER_PEER = 5
/** Peers whose clocks must be known before the node corrects its own. */
const MIN_PEERS_TO_CORRECT = 2

/** How this node's clock stands against the mesh's. */
export type ClockLevel = 'ok' | 'warn' | 'skewed'

export interface ClockOffsetOptions {
  /** This node's physical clock, epoch ms. @default Date.now */
  clock?: PhysicalClock
  /** A clock that never steps (performance.now). Without it, steps of `clock` are not told apart from the peers' (samples then move the offset). @default clock */
  monotonic?: () => number
  /** Beyond this a node is skewed and refuses local writes; the correction is bounded by it. @default 60_000 */
  maxDriftMs?: number
  /** |offsetMs| above this is reported as level `warn`. @default maxDriftMs / 2 */
  warnMs?: number
  /** @default 300_000 */
  sampleTtlMs?: number
  /** @default 1_024 */
  maxPeers?: number
}

/** What `stats().clock` reports. */
export interface ClockStatus {
  /** This clock minus the mesh's median clock, ms, signed (positive: this clock is ahead). 0 without peers. */
  offsetMs: number
  /** Peers whose clock is known (sampled within the sample TTL). */
  peers: number
  /** What this node subtracts from its physical clock to run on mesh time: `offsetMs` bounded by ±`maxDriftMs`, or 0 while fewer than two peers are known. */
  correctionMs: number
  /** `skewed`: a majority of the mesh puts this clock beyond `maxDriftMs` (local writes refused); `warn`: |offsetMs| > the warning threshold. */
  level: ClockLevel
}

interface Peer {
  /** Latest samples (a ring of SAMPLES_PER_PEER): peer's clock minus this node's monotonic clock, ms. */
  values: number[]
  /** Where the next sample goes in `values`. */
  next: number
  /** Monotonic time of the latest sample. */
  last: number
  /** Median of `values`. */
  estimate: number
  /** Connected now (its samples set the mesh's time; a disconnected peer's only vote on `skew`). */
  connected: boolean
}

export class ClockOffsets {
  readonly maxDriftMs: number
  readonly warnMs: number
  readonly sampleTtlMs: number
  private readonly clock: PhysicalClock
  private readonly monotonic: () => number
  private readonly maxPeers: number
  private readonly peers = new Map<string, Peer>()
  /** Per-peer estimates of the connected peers, sorted. */
  private sorted: number[] = []
  /** Per-peer estimates of every peer heard within the sample TTL, sorted. */
  private sortedAll: number[] = []
  /** Monotonic time at which the least recently heard peer's samples expire (or earlier). */
  private staleAt = Infinity
  /** Scratch space for a peer's median. */
  private readonly scratch: number[] = []
  private level: ClockLevel = 'ok'
  /** Called when the level changes (after a sample or an expiry), with the new status. */
  onLevel: ((status: ClockStatus) => void) | undefined

  constructor (options: ClockOffsetOptions = {}) {
    this.clock = options.clock ?? Date.now
    this.monotonic = options.monotonic ?? this.clock
    this.maxDriftMs = options.maxDriftMs ?? DEFAULT_MAX_DRIFT_MS
    this.warnMs = options.warnMs ?? this.maxDriftMs / 2
    this.sampleTtlMs = options.sampleTtlMs ?? DEFAULT_SAMPLE_TTL_MS
    this.maxPeers = options.maxPeers ?? DEFAULT_MAX_CLOCK_PEERS
    for (const [name, v] of [['warnMs', this.warnMs], ['sampleTtlMs', this.sampleTtlMs], ['maxPeers', this.maxPeers]] as const) {
      if (!(v >= 0)) throw new InvalidOptionError(`\`${name}\` must be a non-negative number, got ${v}`)
    }
  }

  /** The physical clock's reading, for an outgoing message. */
  physical (): number {
    return this.clock()
  }

  /** A monotonic instant to hand back to {@link roundTrip} when the reply comes. */
  mark (): number {
    return this.monotonic()
  }

  /** The reply to a request sent at `sentMark` ({@link mark}) carried `peerTime`. */
  roundTrip (peer: string, sentMark: number, peerTime: number): void {
    const received = this.monotonic()
    if (!(received >= sentMark) || !Number.isFinite(peerTime)) return
    this.add(peer, peerTime - (sentMark + received) / 2, received)
  }

  /** A message from `peer` carried `peerTime` (its delay unknown, so this underestimates by it). */
  oneWay (peer: string, peerTime: number): void {
    if (!Number.isFinite(peerTime)) return
    const received = this.monotonic()
    this.add(peer, peerTime - received, received)
  }

  /**
   * A peer disconnected: its clock no longer sets the mesh's time, but still counts (until the
   * sample TTL) towards whether this node is skewed.
   */
  forget (peer: string): void {
    const p = this.peers.get(peer)
    if (p === undefined || !p.connected) return
    p.connected = false
    this.recompute(this.monotonic())
  }

  /** This clock minus the mesh's median (this node and its connected peers), ms; 0 without peers. */
  offsetMs (): number {
    const mono = this.monotonic()
    const base = this.clock() - mono
    return base - this.meshBase(base, mono, false, false)
  }

  /** The mesh's time now: this physical clock less its offset, bounded by ±maxDriftMs (once two peers are known). */
  now (): number {
    const raw = this.clock()
    if (this.sorted.length < MIN_PEERS_TO_CORRECT && this.staleAt === Infinity) return raw
    return raw - this.correction(raw, this.monotonic())
  }

  private correction (raw: number, mono: number): number {
    const base = raw - mono
    const mesh = this.meshBase(base, mono, false, false) // may drop expired peers
    return this.sorted.length < MIN_PEERS_TO_CORRECT ? 0 : clamp(base - mesh, this.maxDriftMs)
  }

  /**
   * When a strict majority of the mesh (this node and every peer heard within the sample TTL)
   * puts this clock more than `maxDriftMs` away, by how much (signed); otherwise undefined.
   */
  skew (): number | undefined {
    const mono = this.monotonic()
    const base = this.clock() - mono
    const off = base - this.meshBase(base, mono, true, true)
    return Math.abs(off) > this.maxDriftMs ? off : undefined
  }

  /** Connected peers whose clock is known now (sampled within the sample TTL). */
  peerCount (): number {
    const mono = this.monotonic()
    if (mono >= this.staleAt) this.recompute(mono)
    return this.sorted.length
  }

  status (): ClockStatus {
    const offsetMs = this.offsetMs()
    const correctionMs = this.sorted.length < MIN_PEERS_TO_CORRECT ? 0 : clamp(offsetMs, this.maxDriftMs)
    return { offsetMs, peers: this.sorted.length, correctionMs, level: this.levelNow(offsetMs) }
  }

  private levelNow (offsetMs: number): ClockLevel {
    if (this.skew() !== undefined) return 'skewed'
    return Math.abs(offsetMs) > this.warnMs ? 'warn' : 'ok'
  }

  private add (peer: string, value: number, mono: number): void {
    const p = this.peers.get(peer)
    if (p === undefined) {
      this.peers.set(peer, { values: [value], next: 1 % SAMPLES_PER_PEER, last: mono, estimate: value, connected: true })
      if (this.peers.size > this.maxPeers) this.evictOldest()
      this.recompute(mono)
      return
    }
    p.values[p.next] = value
    p.next = (p.next + 1) % SAMPLES_PER_PEER
    p.last = mono
    const before = p.estimate
    p.estimate = this.medianOf(p.values)
    if (!p.connected) {
      p.connected = true
      this.recompute(mono)
    } else if (p.estimate !== before) {
      // move the one estimate in both sorted lists: no re-sort, no allocation
      replace(this.sorted, before, p.estimate)
      replace(this.sortedAll, before, p.estimate)
      this.report()
    }
  }

  /** The median of a peer's samples (at most SAMPLES_PER_PEER), sorted in scratch space. */
  private medianOf (values: number[]): number {
    const s = this.scratch
    s.length = 0
    for (const v of values) {
      let i = s.length
      s.push(v)
      while (i > 0 && s[i - 1] > v) { s[i] = s[i - 1]; i-- }
      s[i] = v
    }
    return median(s)
  }

  /** Forgets the peer heard of least recently (beyond maxPeers). */
  private evictOldest (): void {
    let oldest: string | undefined
    let at = Infinity
    for (const [id, p] of this.peers) if (p.last < at) { at = p.last; oldest = id }
    if (oldest !== undefined) this.peers.delete(oldest)
  }

  /** Drops expired peers, re-sorts the estimates, and reports a level change. */
  private recompute (mono: number): void {
    let staleAt = Infinity
    for (const [id, p] of this.peers) {
      if (p.last + this.sampleTtlMs <= mono) this.peers.delete(id)
      else if (p.last + this.sampleTtlMs < staleAt) staleAt = p.last + this.sampleTtlMs
    }
    const sorted: number[] = []
    const all: number[] = []
    for (const p of this.peers.values()) {
      all.push(p.estimate)
      if (p.connected) sorted.push(p.estimate)
    }
    this.sorted = sorted.sort(byValue)
    this.sortedAll = all.sort(byValue)
    this.staleAt = staleAt
    this.report()
  }

  /** Calls onLevel when the level changed. */
  private report (): void {
    if (this.onLevel === undefined) return
    const status = this.status()
    if (status.level !== this.level) {
      this.level = status.level
      this.onLevel(status)
    }
  }

  /**
   * The mesh's median clock minus the monotonic clock: the median of the peers' estimates (the
   * connected ones, or `all`) and this node's own (`base`). `towardSelf`: with an even count take
   * the middle value nearer this node's (a tie never says this node is off) instead of the mean.
   */
  private meshBase (base: number, mono: number, towardSelf: boolean, all: boolean): number {
    if (mono >= this.staleAt) this.recompute(mono)
    const s = all ? this.sortedAll : this.sorted
    const n = s.length
    if (n === 0) return base
    // the combined list is s with `base` inserted at index i
    let lo = 0
    let hi = n
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (s[mid] < base) lo = mid + 1
      else hi = mid
    }
    const total = n + 1
    if (total % 2 === 1) return combined(s, lo, base, total >> 1)
    const a = combined(s, lo, base, total / 2 - 1)
    const b = combined(s, lo, base, total / 2)
    if (!towardSelf) return (a + b) / 2
    return Math.abs(a - base) <= Math.abs(b - base) ? a : b
  }
}

/** The k-th value of `sorted` with `x` inserted at index `at`. */
function combined (sorted: number[], at: number, x: number, k: number): number {
  return k < at ? sorted[k] : k === at ? x : sorted[k - 1]
}

/** Replaces one occurrence of `from` in a sorted list by `to`, keeping it sorted. */
function replace (sorted: number[], from: number, to: number): void {
  let i = sorted.indexOf(from)
  if (i < 0) return
  if (to > from) {
    while (i + 1 < sorted.length && sorted[i + 1] < to) { sorted[i] = sorted[i + 1]; i++ }
  } else {
    while (i > 0 && sorted[i - 1] > to) { sorted[i] = sorted[i - 1]; i-- }
  }
  sorted[i] = to
}

function byValue (a: number, b: number): number {
  return a - b
}

function median (sorted: number[]): number {
  const n = sorted.length
  return n % 2 === 1 ? sorted[n >> 1] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2
}

function clamp (x: number, bound: number): number {
  return x > bound ? bound : x < -bound ? -bound : x
}
