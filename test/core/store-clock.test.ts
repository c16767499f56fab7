import { describe, expect, it } from 'vitest'
import { admitBatch, penalises } from '../../src/core/admit.js'
import { ClockSkewError, InvalidMessageError } from '../../src/core/errors.js'
import { Store } from '../../src/core/store.js'

/**
 * Stores whose physical clocks are offset from a shared true time `t` (their monotonic clock),
 * with a helper that feeds one store round-trip clock samples from the others, as the network does.
 */
function mesh (skews: number[]) {
  const w = { t: 1_000_000 }
  const nodes = skews.map((skew, i) => {
    const n = { skew, store: undefined as unknown as Store }
    n.store = new Store(`n${i}`, { clock: () => w.t + n.skew, monotonic: () => w.t, maxDriftMs: 60_000 })
    return n
  })
  /** Every node samples every other once (1 ms each way). */
  const exchange = (): void => {
    for (const a of nodes) {
      for (const b of nodes) {
        if (a === b) continue
        const mark = a.store.offsets.mark()
        a.store.offsets.roundTrip(b.store.node, mark, w.t + b.skew)
      }
    }
  }
  return { w, nodes, exchange }
}

describe('Store: a clock far from the mesh\'s', () => {
  it('a node 5 minutes behind a majority refuses local writes and deletes with ClockSkewError; remote merges go on', () => {
    const { nodes, exchange } = mesh([0, 0, -300_000])
    const lagging = nodes[2].store
    lagging.set('early', 'before it knew') // no samples yet: nobody to compare with
    exchange()
    expect(lagging.offsets.status()).toMatchObject({ peers: 2, level: 'skewed' })
    expect(() => lagging.set('k', 'v')).toThrow(ClockSkewError)
    expect(() => lagging.delete('early')).toThrow(ClockSkewError)
    try {
      lagging.set('k', 'v')
    } catch (err) {
      expect(err).toMatchObject({ name: 'ClockSkewError' })
      expect((err as ClockSkewError).offsetMs).toBeCloseTo(-300_000, -1)
    }
    // honest nodes write on: they are the majority
    const honest = nodes[0].store.set('k', 'honest', 10_000)
    expect(nodes[0].store.offsets.status().level).toBe('ok')
    expect(lagging.merge([nodes[0].store.version('k')!])).toEqual(['drift']) // beyond its horizon even corrected by 60 s
    expect(nodes[1].store.merge([honest])).toEqual(['applied'])
  })

  it('a node 5 minutes ahead refuses writes once the mesh tells it, and after its clock is fixed until the mesh catches up with what it stamped', () => {
    const { w, nodes, exchange } = mesh([0, 0, 300_000])
    const ahead = nodes[2].store
    const early = ahead.set('k', 'from the future') // before any exchange: stamped 300 s ahead
    expect(early.wall).toBe(w.t + 300_000)
    exchange()
    expect(() => ahead.set('k', 'v')).toThrow(ClockSkewError)
    nodes[2].skew = 0 // the clock is fixed (NTP)
    expect(ahead.offsets.status().level).toBe('ok') // its offset follows at once
    // but its HLC has issued timestamps 300 s ahead: l' = max(l, pt) would stamp there again
    expect(() => ahead.set('k', 'v')).toThrow(ClockSkewError)
    try {
      ahead.set('k', 'v')
    } catch (err) {
      expect((err as ClockSkewError).aheadMs).toBeCloseTo(300_000, -1)
      expect((err as Error).message).toMatch(/writes resume in 2460\d\d ms/)
    }
    w.t += 246_000 // the mesh's time catches up to within 90 % of maxDriftMs of the high-water mark
    const later = ahead.set('k', 'v')
    expect(later.wall - w.t).toBeLessThanOrEqual(54_000)
    expect(nodes[0].store.merge([later])).toEqual(['applied']) // accepted again
  })

  it('with one peer neither of two clocks 5 minutes apart can tell which is wrong: both warn, neither refuses', () => {
    const { nodes, exchange } = mesh([0, -300_000])
    exchange()
    for (const n of nodes) {
      expect(n.store.offsets.status().level).toBe('warn')
      expect(() => n.store.set('k', 'v')).not.toThrow()
    }
  })

  it('a writer 3 s behind (within maxDriftMs) stamps mesh time: its 2 s TTL lives 2 s on the others', () => {
    const { w, nodes, exchange } = mesh([0, 0, -3_000])
    exchange()
    const e = nodes[2].store.set('short', 'v', 2_000)
    expect(e.expiresAt).toBeCloseTo(w.t + 2_000, -1)
    expect(nodes[0].store.merge([e])).toEqual(['applied'])
    w.t += 1_900
    expect(nodes[0].store.get('short')?.text()).toBe('v')
    expect(nodes[2].store.get('short')?.text()).toBe('v')
    w.t += 200
    nodes[0].store.tick()
    expect(nodes[0].store.get('short')).toBeUndefined()
    expect(nodes[2].store.get('short')).toBeUndefined()
  })

  it('admission: a drift refusal does not penalise the sender, and never excuses a forged batch', () => {
    const { w, nodes } = mesh([0, 0])
    const [a, b] = nodes.map(n => n.store)
    const future = new Store('future', { clock: () => w.t + 120_000 }).set('f', 'v')
    expect(() => admitBatch([future], 'future', a.hlc)).toThrow(expect.objectContaining({ reason: 'drift' }))
    const misattributed = b.set('x', 'y')
    try {
      admitBatch([future, misattributed], 'future', a.hlc) // drift first, origin-mismatch second
      expect.unreachable()
    } catch (err) {
      expect((err as InvalidMessageError).reason).toBe('origin-mismatch')
    }
    expect(penalises('drift')).toBe(false)
    expect(penalises('origin-mismatch')).toBe(true)
    expect(penalises('forged')).toBe(true)
  })
})
