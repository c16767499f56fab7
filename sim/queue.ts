/**
 * Virtual time: a queue of callbacks ordered by (time, insertion order). Nothing here reads a real
 * clock, so a schedule runs in microseconds per event and replays exactly.
 */
import { DeadlineHeap } from '../src/core/heap.js'

export class EventQueue {
  now = 0
  private readonly heap = new DeadlineHeap<() => void>()
  private seq = 0

  /** Runs `fn` at virtual time `t` (not before now). */
  at (t: number, fn: () => void): void {
    // the sequence number is the tag: ties run in insertion order
    this.heap.push(Math.max(t, this.now), fn, this.seq++)
  }

  /** Runs every callback due up to and including `t`, then sets the clock to `t`. */
  runUntil (t: number): void {
    while ((this.heap.peek() ?? Infinity) <= t) {
      this.heap.pop((fn, _tag, at) => {
        this.now = at
        fn()
      })
    }
    this.now = Math.max(this.now, t)
  }
}
