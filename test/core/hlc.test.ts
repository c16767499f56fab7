import { describe, expect, it } from 'vitest'
import { ClockDriftError, InvalidOptionError } from '../../src/core/errors.js'
import { compareTimestamps, formatTimestamp, Hlc, MAX_COUNTER, MAX_WALL, parseTimestamp } from '../../src/core/hlc.js'

function manual (start = 1_000) {
  let t = start
  return { clock: () => t, set: (v: number) => { t = v }, advance: (d: number) => { t += d } }
}

describe('Hlc', () => {
  it('local events take the physical time and reset the counter when it advances', () => {
    const c = manual()
    const h = new Hlc('a', { clock: c.clock })
    expect(h.now()).toEqual({ wall: 1_000, counter: 0, node: 'a' })
    expect(h.now()).toEqual({ wall: 1_000, counter: 1, node: 'a' })
    c.advance(5)
    expect(h.now()).toEqual({ wall: 1_005, counter: 0, node: 'a' })
  })

  it('never goes backwards when the physical clock does', () => {
    const c = manual(10_000)
    const h = new Hlc('a', { clock: c.clock })
    const first = h.now()
    c.set(5_000)
    const second = h.now()
    expect(compareTimestamps(second, first)).toBe(1)
    expect(second).toEqual({ wall: 10_000, counter: 1, node: 'a' })
  })

  it('receive: remote ahead of local and physical takes the remote wall and counter + 1', () => {
    const c = manual(1_000)
    const h = new Hlc('a', { clock: c.clock })
    h.receive({ wall: 2_000, counter: 7 })
    expect(h.peek()).toEqual({ wall: 2_000, counter: 8, node: 'a' })
    // the next local event stays ahead of what was received
    expect(compareTimestamps(h.now(), { wall: 2_000, counter: 7, node: 'zzz' })).toBe(1)
  })

  it('receive: equal local and remote walls take max(counter) + 1', () => {
    const c = manual(1_000)
    const h = new Hlc('a', { clock: c.clock })
    h.now(); h.now(); h.now() // 1000:2
    h.receive({ wall: 1_000, counter: 9 })
    expect(h.peek()).toEqual({ wall: 1_000, counter: 10, node: 'a' })
    h.receive({ wall: 1_000, counter: 3 })
    expect(h.peek()).toEqual({ wall: 1_000, counter: 11, node: 'a' })
  })

  it('receive: local ahead of remote bumps the local counter', () => {
    const c = manual(1_000)
    const h = new Hlc('a', { clock: c.clock })
    h.receive({ wall: 3_000, counter: 0 }) // 3000:1
    h.receive({ wall: 2_000, counter: 50 })
    expect(h.peek()).toEqual({ wall: 3_000, counter: 2, node: 'a' })
  })

  it('receive: physical ahead of both: the wall stays at the remote one; the next local event takes the physical time', () => {
    const c = manual(1_000)
    const h = new Hlc('a', { clock: c.clock })
    h.receive({ wall: 900, counter: 4 })
    expect(h.peek()).toEqual({ wall: 900, counter: 5, node: 'a' })
    expect(h.now()).toEqual({ wall: 1_000, counter: 0, node: 'a' })
  })

  it('receive never carries the physical clock into the high-water mark (a clock running ahead does not stamp ahead by receiving)', () => {
    const c = manual(301_000) // 5 minutes ahead of the sender's 1_000
    const h = new Hlc('a', { clock: c.clock })
    h.receive({ wall: 1_000, counter: 0 })
    c.set(1_000) // the clock is set right
    expect(h.now()).toEqual({ wall: 1_000, counter: 2, node: 'a' })
  })

  it('rejects remote timestamps beyond maxDriftMs and keeps its state', () => {
    const c = manual(1_000)
    const h = new Hlc('a', { clock: c.clock, maxDriftMs: 100 })
    expect(() => h.receive({ wall: 1_101, counter: 0 })).toThrow(ClockDriftError)
    expect(h.peek().wall).toBe(0)
    expect(h.withinDrift(1_100)).toBe(true)
    expect(h.withinDrift(1_101)).toBe(false)
    h.receive({ wall: 1_100, counter: 0 })
    expect(h.peek().wall).toBe(1_100)
  })

  it('counter overflow advances the wall by one millisecond', () => {
    const c = manual(1_000)
    const h = new Hlc('a', { clock: c.clock })
    h.receive({ wall: 1_000, counter: MAX_COUNTER - 1 }) // counter = MAX
    expect(h.peek().counter).toBe(MAX_COUNTER)
    const t = h.now()
    expect(t).toEqual({ wall: 1_001, counter: 0, node: 'a' })
  })

  it('orders by wall, counter, then node id, and the string form sorts the same way', () => {
    const ts = [
      { wall: 5, counter: 0, node: 'b' },
      { wall: 5, counter: 0, node: 'a' },
      { wall: 4, counter: 9, node: 'z' },
      { wall: 5, counter: 1, node: 'a' },
      { wall: 2 ** 47, counter: 0, node: 'a' }
    ]
    const byCompare = [...ts].sort(compareTimestamps).map(formatTimestamp)
    const byString = ts.map(formatTimestamp).sort()
    expect(byString).toEqual(byCompare)
    expect(parseTimestamp(formatTimestamp(ts[3]))).toEqual(ts[3])
    expect(parseTimestamp('nope')).toBeUndefined()
  })

  it('formats every timestamp as wall (12 hex digits), counter (4), "-", node: the edges, random ones, and values no clock makes', () => {
    const reference = (t: { wall: number, counter: number, node: string }): string => t.wall.toString(16).padStart(12, '0') + t.counter.toString(16).padStart(4, '0') + '-' + t.node
    const ts = [
      { wall: 0, counter: 0, node: 'a' },
      { wall: MAX_WALL, counter: MAX_COUNTER, node: 'b' },
      { wall: 0xffffff, counter: 0x10, node: 'c' },
      { wall: 0x1000000, counter: 0xf00, node: 'd' },
      { wall: Date.UTC(2026, 10, 22), counter: 1, node: '12D3KooWEjWanYcKvsHzGVtMCwgNjf9fvpDXS1guTD33aRSreufT' },
      // out of a clock's range: the general encoding, as before
      { wall: MAX_WALL + 1, counter: MAX_COUNTER + 1, node: 'e' },
      { wall: 1.5, counter: 0, node: 'f' }
    ]
    let seed = 42
    const random = (): number => { seed = (seed * 48_271) % 2_147_483_647; return seed / 2_147_483_647 }
    for (let i = 0; i < 2_000; i++) ts.push({ wall: Math.floor(random() * (MAX_WALL + 1)), counter: Math.floor(random() * (MAX_COUNTER + 1)), node: `n${i}` })
    for (const t of ts) expect(formatTimestamp(t)).toBe(reference(t))
    expect(formatTimestamp({ wall: 0x0123456789ab, counter: 0xcdef, node: 'x' })).toBe('0123456789abcdef-x')
  })

  it('refuses bad options with a named error', () => {
    expect(() => new Hlc('')).toThrow(InvalidOptionError)
    expect(() => new Hlc('a', { maxDriftMs: -1 })).toThrow(InvalidOptionError)
  })
})
