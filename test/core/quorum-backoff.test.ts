import { describe, expect, it } from 'vitest'
import { quorumBackoffMs } from '../../src/core/quorum.js'

describe('quorumBackoffMs (the network host and the simulator both wait this long)', () => {
  it('a stale cached ballot (attempt 0) retries at once', () => {
    expect(quorumBackoffMs(0, 50, 10_000, 0.9)).toBe(0)
  })

  it('the cap doubles the lost round\'s duration per attempt, up to 4 s (a 1 s cap kept five slow proposers colliding)', () => {
    expect(quorumBackoffMs(1, 100, 60_000, 0.5)).toBe(100) // 0.5 × 200
    expect(quorumBackoffMs(3, 100, 60_000, 0.5)).toBe(400) // 0.5 × 800
    expect(quorumBackoffMs(8, 100, 60_000, 0.999)).toBeCloseTo(3_996)
    expect(quorumBackoffMs(1, 1, 60_000, 0.5)).toBe(5) // rounds count as 5 ms at least
  })

  it('fits one more round into the operation\'s time left, and gives up (undefined) when none fits', () => {
    expect(quorumBackoffMs(8, 100, 1_000, 0.999)).toBe(900)
    expect(quorumBackoffMs(8, 100, 99, 0.5)).toBeUndefined()
  })
})
