/** Small helpers shared by the benchmarks. */
import { setTimeout as sleep } from 'node:timers/promises'

export function percentile (sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[i]
}

export function summary (samples: number[]): { p50: number, p99: number, mean: number, n: number } {
  const s = [...samples].sort((a, b) => a - b)
  return { p50: percentile(s, 50), p99: percentile(s, 99), mean: s.reduce((a, b) => a + b, 0) / s.length, n: s.length }
}

export async function until (cond: () => boolean, timeoutMs = 60_000, pollMs = 1): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!cond()) {
    if (Date.now() > end) throw new Error('benchmark timed out waiting for a condition')
    await sleep(pollMs)
  }
}
