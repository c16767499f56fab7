/**
 * Whether a node has completed an anti-entropy round since it started (so it holds the mesh's
 * state), and the callers waiting for that, each for at most a limit. A waiter that gives up is
 * removed at once: callers that time out leave nothing behind.
 */
export class CatchUp {
  private reached = false
  private readonly waiters = new Set<() => void>()

  get caughtUp (): boolean {
    return this.reached
  }

  /** Callers waiting now. */
  get waiting (): number {
    return this.waiters.size
  }

  /** A round completed: releases every waiter. */
  done (): void {
    if (this.reached) return
    this.reached = true
    for (const release of this.waiters) release()
    this.waiters.clear()
  }

  /** Calls `fn` once, when caught up (not at all if it already is); returns an unsubscribe. */
  subscribe (fn: () => void): () => void {
    if (this.reached) return () => {}
    this.waiters.add(fn)
    return () => { this.waiters.delete(fn) }
  }

  /** Resolves once caught up, or after `limitMs` regardless. */
  async wait (limitMs: number): Promise<void> {
    if (this.reached) return
    await new Promise<void>(resolve => {
      const release = (): void => {
        clearTimeout(timer)
        this.waiters.delete(release)
        resolve()
      }
      const timer = setTimeout(release, limitMs)
      this.waiters.add(release)
    })
  }
}
