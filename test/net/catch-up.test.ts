import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { CatchUp } from '../../src/net/catch-up.js'

beforeEach(() => { vi.useFakeTimers() })
afterEach(() => { vi.useRealTimers() })

describe('CatchUp', () => {
  it('waiters that time out are removed, not kept until the first round', async () => {
    const c = new CatchUp()
    const waits = Array.from({ length: 1_000 }, async () => c.wait(5_000))
    expect(c.waiting).toBe(1_000)
    await vi.advanceTimersByTimeAsync(5_000)
    await Promise.all(waits)
    expect(c.waiting).toBe(0)
    expect(c.caughtUp).toBe(false)
  })

  it('a completed round releases every waiter at once, and later waits resolve at once', async () => {
    const c = new CatchUp()
    let released = 0
    const waits = Array.from({ length: 10 }, async () => c.wait(60_000).then(() => { released++ }))
    c.done()
    await Promise.all(waits)
    expect(released).toBe(10)
    expect(c.waiting).toBe(0)
    expect(vi.getTimerCount()).toBe(0)
    await c.wait(60_000)
    expect(vi.getTimerCount()).toBe(0)
  })
})
