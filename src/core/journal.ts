/**
 * What a store with a Storage writes through: every version it keeps or drops, and the HLC
 * high-water mark, staged as they happen and written by `flush()` as one atomic write (the
 * owner flushes once per event-loop turn; the simulator at the end of a simulated turn).
 *
 * The HLC high-water mark is reserved ahead (CockroachDB's persisted upper bound): the stored
 * mark is always at least `reserveMs / 2` ahead of any timestamp issued, renewed as the clock
 * nears it, so a restart resumes above every timestamp it issued before, even if the physical
 * clock went back meanwhile, without a write to disk per timestamp.
 */
import type { Entry } from './entry.js'
import type { Hlc } from './hlc.js'
import type { Storage, StorageOp } from './storage.js'

/** How far ahead of the clock the high-water mark is reserved. @default 5_000 */
export const DEFAULT_HLC_RESERVE_MS = 5_000
/** The meta record of the HLC high-water mark: a float64 wall time. */
export const HLC_META = 'hlc'

export class Journal {
  readonly storage: Storage
  /** Called when the first change is staged after a flush: the owner schedules `flush()`. */
  onDirty: (() => void) | undefined
  /** Called with the versions a write put, once it is committed. */
  onCommitted: ((entries: Entry[]) => void) | undefined
  private readonly hlc: Hlc
  private readonly reserveMs: number
  private staged: StorageOp[] = []
  private last: Promise<void> = Promise.resolve()
  private reserved: number
  /** The high-water mark known to be on disk. */
  private committed: number
  private failure: Error | undefined
  private scheduled: Promise<void> | undefined

  constructor (storage: Storage, hlc: Hlc, reserveMs = DEFAULT_HLC_RESERVE_MS) {
    this.storage = storage
    this.hlc = hlc
    this.reserveMs = Math.max(1, reserveMs)
    this.reserved = Journal.reservedIn(storage)
    this.committed = this.reserved
  }

  /**
   * Whether a timestamp may be shown to other nodes now: it is below the high-water mark on
   * disk, so no restart can issue it again. A timestamp at or above it (the first write after
   * an idle spell, or a clock pushed ahead by a remote one) waits for the next flush.
   */
  exposable (t: { wall: number }): boolean {
    return t.wall < this.committed
  }

  /** The high-water mark a storage holds: no timestamp at or above it was issued. 0 when none. */
  static reservedIn (storage: Storage): number {
    const bytes = storage.getMeta(HLC_META)
    if (bytes === undefined || bytes.byteLength !== 8) return 0
    const wall = new DataView(bytes.buffer, bytes.byteOffset, 8).getFloat64(0)
    return Number.isFinite(wall) && wall > 0 ? wall : 0
  }

  /** The mark reserved so far. */
  get reservedWall (): number {
    return this.reserved
  }

  put (e: Entry): void {
    this.stage({ type: 'put', entry: e })
  }

  remove (key: string): void {
    this.stage({ type: 'remove', key })
  }

  meta (name: string, value: Uint8Array): void {
    this.stage({ type: 'meta', name, value })
  }

  /** Renews the reserved high-water mark when the clock has come within half of it. */
  reserve (): void {
    const wall = this.hlc.peek().wall
    if (wall + this.reserveMs / 2 < this.reserved) return
    // Reserved from the physical clock, and only just above the HLC's wall when that runs ahead
    // (a node restarted above its last reservation stamps at that wall until the clock catches
    // up): reserving from the wall pushed every quick restart another reserveMs ahead, so a crash
    // loop ran the clock away until peers refused it (ClockSkewError after 20 restarts in 35 s).
    const next = Math.max(this.hlc.physical() + this.reserveMs, wall + 1)
    if (next <= this.reserved) return
    this.reserved = next
    const bytes = new Uint8Array(8)
    new DataView(bytes.buffer).setFloat64(0, this.reserved)
    this.meta(HLC_META, bytes)
  }

  /**
   * Writes what is staged as one transaction; resolves when it (and every write before) is
   * committed. After a failed write every later flush rejects with that failure: what is in
   * memory is no longer what is on disk, and no write may be acknowledged as durable.
   */
  async flush (): Promise<void> {
    // every flush asked for in one run of synchronous code shares one write
    this.scheduled ??= Promise.resolve().then(async () => {
      this.scheduled = undefined
      await this.writeStaged()
    })
    return this.scheduled
  }

  private async writeStaged (): Promise<void> {
    if (this.staged.length > 0) {
      const ops = this.staged
      this.staged = []
      const reserve = this.reserved
      this.last = this.storage.write(ops).then(() => {
        this.committed = Math.max(this.committed, reserve)
        this.onCommitted?.(ops.flatMap(op => op.type === 'put' ? [op.entry] : []))
      }, (err: unknown) => { this.failure ??= err as Error })
    }
    await this.last
    if (this.failure !== undefined) throw this.failure
  }

  /**
   * Takes what is staged, for an owner that writes it itself to a synchronous storage (the
   * simulator: a MemoryStorage's `writeSync`, with no promise left pending between turns).
   */
  drain (): StorageOp[] {
    const ops = this.staged
    this.staged = []
    this.committed = this.reserved // the owner writes them before anything else happens
    return ops
  }

  /** True while changes wait for `flush()`. */
  get dirty (): boolean {
    return this.staged.length > 0
  }

  private stage (op: StorageOp): void {
    this.staged.push(op)
    if (this.staged.length === 1) this.onDirty?.()
  }
}
