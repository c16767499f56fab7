import { describe, expect, it } from 'vitest'
import { ClockOffsets, type ClockStatus } from '../../src/core/clock-offset.js'
import { InvalidOptionError } from '../../src/core/errors.js'

/**
 * True time `t`; this node's physical clock reads t + skew, its monotonic clock t. A peer with
 * skew s answers a request at true time t with t + s.
 */
function world (skew = 0, options: ConstructorParameters<typeof ClockOffsets>[0] = {}) {
  const w = {
    t: 1_000_000,
    skew,
    offsets: undefined as unknown as ClockOffsets,
    /** A request to a peer with skew `s` and one-way delays `out` and `back`. */
    ask (peer: string, s: number, out = 1, back = 1) {
      const mark = w.offsets.mark()
      w.t += out
      const peerTime = w.t + s
      w.t += back
      w.offsets.roundTrip(peer, mark, peerTime)
    }
  }
  w.offsets = new ClockOffsets({ clock: () => w.t + w.skew, monotonic: () => w.t, maxDriftMs: 60_000, ...options })
  return w
}

describe('ClockOffsets', () => {
  it('without peers: offset 0 and mesh time is the physical clock', () => {
    const w = world(5_000)
    expect(w.offsets.offsetMs()).toBe(0)
    expect(w.offsets.now()).toBe(w.t + 5_000)
    expect(w.offsets.status()).toEqual({ offsetMs: 0, peers: 0, correctionMs: 0, level: 'ok' })
  })

  it('clocks that agree stay exactly in step whatever the round trips\' asymmetry (no correction from noise)', () => {
    const w = world(0)
    // two peers on the same clock, asked over lopsided round trips (a loaded machine): each
    // sample's midpoint is off by up to 20 ms, yet every sample allows "the same clock"
    for (let i = 0; i < 5; i++) {
      w.ask('p', 0, 41, 1)
      w.ask('q', 0, 1, 29)
      w.offsets.oneWay('p', w.t - 3)
    }
    expect(w.offsets.offsetMs()).toBe(0)
    expect(w.offsets.now()).toBe(w.t)
  })

  it('a round trip measures a peer\'s offset within half the round trip, whatever the asymmetry', () => {
    const w = world(0)
    w.ask('p', 3_000, 1, 1)
    w.ask('q', 3_000, 9, 1) // asymmetric: off by (9 - 1) / 2 = 4 ms
    // both peers 3 s ahead: this node (a minority of one) lags the mesh by ~3 s
    expect(w.offsets.offsetMs()).toBeCloseTo(-3_000, -1)
    expect(Math.abs(w.offsets.offsetMs() + 3_000)).toBeLessThanOrEqual(4)
  })

  it('a lagging node runs on corrected time within maxDriftMs: its TTLs live their length elsewhere', () => {
    const w = world(-3_000)
    w.ask('p', 0)
    w.ask('q', 0)
    expect(w.offsets.offsetMs()).toBeCloseTo(-3_000, 0)
    expect(w.offsets.now()).toBeCloseTo(w.t, 0) // the true time, not t - 3 s
    expect(w.offsets.skew()).toBeUndefined()
    expect(w.offsets.status().level).toBe('ok') // 3 s is under the warning threshold of 30 s
  })

  it('beyond maxDriftMs a majority makes the node skewed; the correction stops at maxDriftMs', () => {
    const w = world(-300_000)
    const levels: ClockStatus[] = []
    w.offsets.onLevel = s => levels.push(s)
    w.ask('p', 0)
    // one peer against one: nobody can tell which clock is wrong: half the difference, not skewed
    expect(w.offsets.offsetMs()).toBeCloseTo(-150_000, 0)
    expect(w.offsets.skew()).toBeUndefined()
    expect(w.offsets.status()).toMatchObject({ level: 'warn', correctionMs: 0 }) // and nor does it correct
    expect(w.offsets.now()).toBe(w.t - 300_000)
    w.ask('q', 0)
    expect(w.offsets.offsetMs()).toBeCloseTo(-300_000, 0)
    expect(w.offsets.skew()).toBeCloseTo(-300_000, 0)
    expect(w.offsets.status()).toMatchObject({ peers: 2, correctionMs: -60_000, level: 'skewed' })
    expect(w.offsets.now()).toBeCloseTo(w.t - 240_000, 0)
    expect(levels.map(l => l.level)).toEqual(['warn', 'skewed'])
  })

  it('an honest node is not moved by one faulty peer among several', () => {
    const w = world(0)
    w.ask('a', 10)
    w.ask('b', -20)
    w.ask('bad', 300_000)
    expect(Math.abs(w.offsets.offsetMs())).toBeLessThanOrEqual(20)
    expect(w.offsets.skew()).toBeUndefined()
    w.ask('bad2', -300_000) // and not by two, one on each side
    expect(Math.abs(w.offsets.offsetMs())).toBeLessThanOrEqual(20)
  })

  it('two against two: the mean of the middle two for the estimate, but never skewed by a tie', () => {
    const w = world(0)
    w.ask('a', 0)
    w.ask('b', 200_000)
    w.ask('c', 200_000)
    // clocks: self 0, a 0, b and c +200 s: median between 0 and 200 s
    expect(w.offsets.offsetMs()).toBeCloseTo(-100_000, 0)
    expect(w.offsets.skew()).toBeUndefined()
  })

  it('per peer, a delayed reply or message only loosens a bound; a step of the peer\'s clock wins at once', () => {
    const w = world(0)
    for (const p of ['a', 'b']) for (let i = 0; i < 3; i++) w.ask(p, 1_000)
    w.ask('a', 1_000, 1, 5_000) // a reply stuck 5 s in a queue: its bounds are [-4000, 1001]
    w.offsets.oneWay('b', w.t + 1_000 - 3_000) // a message 3 s late: a lower bound of -2000
    expect(w.offsets.offsetMs()).toBeCloseTo(-1_000, 0)
    for (const p of ['a', 'b']) w.ask(p, 0) // the peers' clocks step back by 1 s: the bounds contradict the old ones
    expect(w.offsets.offsetMs()).toBeCloseTo(0, 0)
    for (const p of ['a', 'b']) w.ask(p, 0)
    expect(w.offsets.offsetMs()).toBeCloseTo(0, 0)
  })

  it('a step of this node\'s own clock moves its offset at once (the monotonic clock holds the samples)', () => {
    const w = world(300_000)
    w.ask('a', 0)
    w.ask('b', 0)
    expect(w.offsets.offsetMs()).toBeCloseTo(300_000, 0)
    expect(w.offsets.skew()).toBeDefined()
    w.skew = 0 // NTP fixes the clock
    expect(w.offsets.offsetMs()).toBeCloseTo(0, 0)
    expect(w.offsets.skew()).toBeUndefined()
  })

  it('one-way samples are short by their delay', () => {
    const w = world(0)
    const peerTime = w.t + 2_000
    w.t += 5
    w.offsets.oneWay('a', peerTime)
    w.offsets.oneWay('b', peerTime)
    expect(w.offsets.offsetMs()).toBeCloseTo(-1_995, 0)
  })

  it('forgets disconnected peers, peers not heard of within the sample TTL, and the oldest beyond maxPeers', () => {
    const w = world(0, { sampleTtlMs: 10_000, maxPeers: 3 })
    w.ask('a', 100_000)
    w.ask('b', 100_000)
    expect(w.offsets.status().peers).toBe(2)
    w.offsets.forget('a')
    expect(w.offsets.status().peers).toBe(1)
    w.t += 20_002 // the samples expire, and then the estimate made with them
    expect(w.offsets.offsetMs()).toBe(0)
    expect(w.offsets.status().peers).toBe(0)
    for (const p of ['c', 'd', 'e', 'f']) w.ask(p, 0)
    expect(w.offsets.status().peers).toBe(3)
  })

  it('cut off from all but one peer, a node keeps its last estimate for the sample TTL: a skewed one still knows it', () => {
    const w = world(300_000, { sampleTtlMs: 10_000 })
    w.ask('a', 0)
    w.ask('b', 0)
    w.ask('c', 0)
    expect(w.offsets.skew()).toBeCloseTo(300_000, 0)
    w.offsets.forget('a')
    w.offsets.forget('b')
    expect(w.offsets.status()).toMatchObject({ peers: 1, correctionMs: 60_000, level: 'skewed' })
    w.t += 5_000
    expect(w.offsets.skew()).toBeCloseTo(300_000, 0)
    w.t += 5_001
    expect(w.offsets.skew()).toBeUndefined()
    expect(w.offsets.status()).toMatchObject({ peers: 0, correctionMs: 0, level: 'ok' })
  })

  it('an honest node left alone with a faulty peer keeps its last estimate: not skewed, not dragged towards it', () => {
    const w = world(0, { sampleTtlMs: 10_000 })
    w.ask('a', 10)
    w.ask('faulty', 300_000)
    expect(Math.abs(w.offsets.offsetMs())).toBeLessThanOrEqual(10)
    w.offsets.forget('a')
    expect(w.offsets.skew()).toBeUndefined()
    expect(Math.abs(w.offsets.status().correctionMs)).toBeLessThanOrEqual(10)
  })

  it('ignores non-finite readings and replies that arrive before their request', () => {
    const w = world(0)
    w.offsets.oneWay('a', NaN)
    w.offsets.roundTrip('a', w.t + 10, w.t)
    expect(w.offsets.status().peers).toBe(0)
  })

  it('refuses bad options with InvalidOptionError', () => {
    expect(() => new ClockOffsets({ warnMs: -1 })).toThrow(InvalidOptionError)
    expect(() => new ClockOffsets({ sampleTtlMs: NaN })).toThrow(InvalidOptionError)
  })
})
