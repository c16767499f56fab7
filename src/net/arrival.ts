/**
 * How long writes take to reach this node, from the newest entry of each batch that arrives by
 * gossip or by a direct push (clock skew included): a smoothed mean and mean deviation, as TCP
 * estimates its round trip. Gossip-mode locks wait this long (bounded) for competing claims.
 */
import type { Entry } from '../core/entry.js'

export class ArrivalDelay {
  private mean = 0
  private dev = 0
  private samples = 0

  /** Records the delay of a batch received at `now` (mesh time, ms). */
  observe (entries: Entry[], now: number): void {
    let newest = 0
    for (const e of entries) if (e.wall > newest) newest = e.wall
    if (newest === 0) return
    const sample = Math.min(Math.max(now - newest, 0), 5_000)
    if (this.samples === 0) {
      this.mean = sample
      this.dev = sample / 2
    } else {
      this.dev += (Math.abs(sample - this.mean) - this.dev) / 4
      this.mean += (sample - this.mean) / 8
    }
    this.samples++
  }

  /** mean + 4 × deviation, once 8 batches have been seen; undefined before. */
  boundMs (): number | undefined {
    return this.samples < 8 ? undefined : this.mean + 4 * this.dev
  }
}
