/**
 * How far this node's physical clock is from the mesh's, estimated from the times peers put on
 * their messages (every exchange carries the sender's physical clock reading).
 *
 * - Each sample bounds the peer's offset (its clock minus this one): a request and its reply put it
 *   between `peerTime − received` and `peerTime − sent` (the midpoint errs by at most half the
 *   round trip); a one-way message only bounds it from below, by `peerTime − received`.
 * - Per peer, the estimate is the median of its latest samples' points (a round trip's midpoint, a
 *   one-way sample's bound; the lower middle of an even count), kept within the intersection of
 *   their bounds: a delayed message is outvoted and cannot pull the estimate where another sample
 *   rules it out. When that intersection is bounded on both sides and holds this node's own reading,
 *   the peer is taken to read the same as this node (clocks that agree stay exactly in step). When the bounds disagree (the peer's clock stepped), the latest sample stands. A
 *   peer that disconnects is forgotten.
 * - The mesh's time is the median of this node's clock and its connected peers' clocks, once it
 *   knows two of them: with a single peer nobody can tell which of two clocks is wrong (and an
 *   honest node that first hears of a faulty one would be dragged halfway to it). This node's
 *   offset is its clock minus that median (signed; with an even count, the mean of the middle two).
 * - The node runs on mesh time: its clock less the offset, the correction bounded by ±maxDriftMs.
 * - It is `skewed` (it refuses local writes) when a strict majority (this node included) puts it
 *   more than `maxDriftMs` away: with an even count, the middle value nearer its own clock decides.
 * - When fewer than two peers are connected, the last estimate made with two or more stands for
 *   the sample TTL: a skewed node cut off with one peer still knows it is skewed, an honest node
 *   left alone with a faulty one still knows it is not, and a lagging writer stays corrected.
 *
 * Samples and estimates are held against a monotonic clock, so a step of this node's own physical
 * clock (an NTP fix) moves its offset at once, without waiting for fresh samples. Pure: no timers,
 * no I/O.
 */
import { DEFAULT_MAX_DRIFT_MS, type PhysicalClock } from './hlc.js'
import { InvalidOptionError } from './errors.js'

/** Samples (and an estimate made without fresh ones) older than this no longer count. @default 300_000 */
export const DEFAULT_SAMPLE_TTL_MS = 5 * 60_000
/** Most peers tracked; the least recently heard of is forgotten first. @default 1_024 */
export const DEFAULT_MAX_CLOCK_PEERS = 1_024
/** Samples kept per peer (their median is the peer's estimate). */
const SAMPLES_PER_PEER = 5
/** Connected peers whose clocks must be known for an estimate of the mesh's time. */
const MIN_PEERS = 2

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
  /** This clock minus the mesh's median clock, ms, signed (positive: this clock is ahead). 0 without peers; with one peer, half the difference. */
  offsetMs: number
  /** Connected peers whose clock is known (sampled within the sample TTL). */
  peers: number
  /** What this node subtracts from its physical clock to run on mesh time: `offsetMs` bounded by ±`maxDriftMs`; 0 without an estimate (fewer than two peers known, recently). */
  correctionMs: number
  /** `skewed`: a majority of the mesh puts this clock beyond `maxDriftMs` (local writes refused); `warn`: |offsetMs| > the warning threshold. */
  level: ClockLevel
}

interface Peer {
  /** Latest samples' bounds (rings of SAMPLES_PER_PEER): peer's clock minus this node's monotonic clock, ms. */
  lo: number[]
  hi: number[]
  /** Where the next sample goes in the rings. */
  next: number
  /** Monotonic time of the latest sample. */
  last: number
  /** The peer's offset from the samples (see estimateOf). */
  estimate: number
}

/** The mesh's median clock minus the monotonic clock: the mean of the middle two, and the one nearer this node. */
interface Mesh {
  mean: number
  towardSelf: number
  /** Monotonic time it was made. */
  at: number
}

export class ClockOffsets {
  readonly maxDriftMs: number
  readonly warnMs: number
  readonly sampleTtlMs: number
  private readonly clock: PhysicalClock
  private readonly monotonic: () => number
  private readonly maxPeers: number
  private readonly peers = new Map<string, Peer>()
  /** Per-peer estimates, sorted. */
  private sorted: number[] = []
  /** Monotonic time at which the least recently heard peer's samples expire (or earlier). */
  private staleAt = Infinity
  /** The last estimate made with MIN_PEERS or more peers: it stands for the sample TTL. */
  private remembered: Mesh | undefined
  /** Scratch space for a peer's estimate. */
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
    this.add(peer, peerTime - received, peerTime - sentMark, received)
  }

  /** A message from `peer` carried `peerTime` (its delay unknown, so this underestimates by it). */
  oneWay (peer: string, peerTime: number): void {
    if (!Number.isFinite(peerTime)) return
    const received = this.monotonic()
    this.add(peer, peerTime - received, Infinity, received)
  }

  /** A peer disconnected: its clock no longer counts (the estimate made with it stands a while). */
  forget (peer: string): void {
    if (!this.peers.delete(peer)) return
    this.recompute(this.monotonic())
  }

  /** This clock minus the mesh's median, ms: 0 without peers, half the difference with one. */
  offsetMs (): number {
    const mono = this.monotonic()
    const base = this.clock() - mono
    const mesh = this.mesh(base, mono)
    if (mesh !== undefined) return base - mesh.mean
    return this.sorted.length === 1 ? (base - this.sorted[0]) / 2 : 0
  }

  /** The mesh's time now: this physical clock less its offset, bounded by ±maxDriftMs (the raw clock without an estimate). */
  now (): number {
    const raw = this.clock()
    if (this.remembered === undefined && this.sorted.length < MIN_PEERS) return raw
    return raw - this.correction(raw, this.monotonic())
  }

  private correction (raw: number, mono: number): number {
    const base = raw - mono
    const mesh = this.mesh(base, mono)
    return mesh === undefined ? 0 : clamp(base - mesh.mean, this.maxDriftMs)
  }

  /**
   * When a strict majority of the mesh (this node and its connected peers, or the last such
   * estimate) puts this clock more than `maxDriftMs` away, by how much (signed); otherwise undefined.
   */
  skew (): number | undefined {
    const mono = this.monotonic()
    const base = this.clock() - mono
    const mesh = this.mesh(base, mono)
    if (mesh === undefined) return undefined
    const off = base - mesh.towardSelf
    return Math.abs(off) > this.maxDriftMs ? off : undefined
  }

  /** Connected peers whose clock is known now (sampled within the sample TTL). */
  peerCount (): number {
    const mono = this.monotonic()
    if (mono >= this.staleAt) this.recompute(mono)
    return this.sorted.length
  }

  status (): ClockStatus {
    const mono = this.monotonic()
    const base = this.clock() - mono
    const mesh = this.mesh(base, mono)
    const offsetMs = mesh !== undefined ? base - mesh.mean : this.sorted.length === 1 ? (base - this.sorted[0]) / 2 : 0
    const skewed = mesh !== undefined && Math.abs(base - mesh.towardSelf) > this.maxDriftMs
    return {
      offsetMs,
      peers: this.sorted.length,
      correctionMs: mesh === undefined ? 0 : clamp(offsetMs, this.maxDriftMs),
      level: skewed ? 'skewed' : Math.abs(offsetMs) > this.warnMs ? 'warn' : 'ok'
    }
  }

  /** A sample: the peer's offset (in monotonic terms) lies in [lo, hi]. */
  private add (peer: string, lo: number, hi: number, mono: number): void {
    const p = this.peers.get(peer)
    if (p === undefined) {
      this.peers.set(peer, { lo: [lo], hi: [hi], next: 1 % SAMPLES_PER_PEER, last: mono, estimate: agreeing(lo, hi, this.clock() - mono) ?? point(lo, hi) })
      if (this.peers.size > this.maxPeers) this.evictOldest()
      this.recompute(mono)
      return
    }
    const latest = p.next
    p.lo[latest] = lo
    p.hi[latest] = hi
    p.next = (p.next + 1) % SAMPLES_PER_PEER
    p.last = mono
    const before = p.estimate
    p.estimate = estimateOf(p, latest, this.scratch, this.clock() - mono)
    if (p.estimate !== before) {
      // move the one estimate in the sorted list: no re-sort, no allocation
      replace(this.sorted, before, p.estimate)
      this.report()
    }
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
    for (const p of this.peers.values()) sorted.push(p.estimate)
    this.sorted = sorted.sort(byValue)
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
   * The mesh's median clock (minus the monotonic clock) over this node's (`base`) and its
   * connected peers' clocks, remembered; with fewer than MIN_PEERS peers, the remembered one while
   * it is younger than the sample TTL; otherwise undefined.
   */
  private mesh (base: number, mono: number): Mesh | undefined {
    if (mono >= this.staleAt) this.recompute(mono)
    const s = this.sorted
    const n = s.length
    if (n < MIN_PEERS) {
      const r = this.remembered
      if (r !== undefined && mono - r.at >= this.sampleTtlMs) this.remembered = undefined
      return this.remembered
    }
    // the combined list is s with `base` inserted at index lo
    let lo = 0
    let hi = n
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (s[mid] < base) lo = mid + 1
      else hi = mid
    }
    const total = n + 1
    let mean: number
    let towardSelf: number
    if (total % 2 === 1) {
      mean = towardSelf = combined(s, lo, base, total >> 1)
    } else {
      const a = combined(s, lo, base, total / 2 - 1)
      const b = combined(s, lo, base, total / 2)
      mean = (a + b) / 2
      towardSelf = Math.abs(a - base) <= Math.abs(b - base) ? a : b
    }
    const r = this.remembered
    if (r === undefined) this.remembered = { mean, towardSelf, at: mono }
    else { r.mean = mean; r.towardSelf = towardSelf; r.at = mono }
    return this.remembered
  }
}

/** A sample's best point: the midpoint of a round trip's bounds, a one-way sample's lower bound. */
function point (lo: number, hi: number): number {
  return hi === Infinity ? lo : (lo + hi) / 2
}

/**
 * A peer's offset from its samples: the median of their points (the lower middle of an even
 * count), kept within the intersection of their bounds; when the bounds do not intersect (the
 * peer's clock stepped), the latest sample's point.
 */
/**
 * This node's own reading when the samples allow it: a peer whose clock may read the same as this
 * one (bounded on both sides by round trips) is taken to read the same. Clocks that agree then
 * stay exactly in step, instead of each node's correction carrying half its round trips' noise
 * (two nodes on one NTP-disciplined clock would order writes against real time by tens of ms on a
 * loaded machine). The estimate's error bound is unchanged: it stays within the samples' bounds.
 */
function agreeing (lo: number, hi: number, self: number): number | undefined {
  return hi !== Infinity && lo <= self && self <= hi ? self : undefined
}

function estimateOf (p: Peer, latest: number, scratch: number[], self: number): number {
  let lo = -Infinity
  let hi = Infinity
  scratch.length = 0
  for (let i = 0; i < p.lo.length; i++) {
    if (p.lo[i] > lo) lo = p.lo[i]
    if (p.hi[i] < hi) hi = p.hi[i]
    const v = point(p.lo[i], p.hi[i])
    let k = scratch.length
    scratch.push(v)
    while (k > 0 && scratch[k - 1] > v) { scratch[k] = scratch[k - 1]; k-- }
    scratch[k] = v
  }
  if (lo > hi) return point(p.lo[latest], p.hi[latest])
  const same = agreeing(lo, hi, self)
  if (same !== undefined) return same
  const m = scratch[(scratch.length - 1) >> 1]
  return m < lo ? lo : m > hi ? hi : m
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

function clamp (x: number, bound: number): number {
  return x > bound ? bound : x < -bound ? -bound : x
}
