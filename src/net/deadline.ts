/** Time limits for stream operations whose timers are cleared when the operation ends. */

/**
 * A signal that aborts after `ms` (with a TimeoutError, as AbortSignal.timeout's) or when `parent`
 * does; `clear` drops its timer. AbortSignal.timeout's timer cannot be cleared: each request left
 * one to fire (and dispatch an abort nobody heard) seconds later, a few percent of a quorum
 * round's CPU.
 */
export function deadline (ms: number, parent?: AbortSignal): { signal: AbortSignal, clear: () => void } {
  const controller = new AbortController()
  const timer = setTimeout(() => { controller.abort(new DOMException('The operation timed out.', 'TimeoutError')) }, ms)
  timer.unref() // as AbortSignal.timeout's: it keeps no process alive
  if (parent === undefined) return { signal: controller.signal, clear: () => { clearTimeout(timer) } }
  const onAbort = (): void => { controller.abort(parent.reason) }
  if (parent.aborted) onAbort()
  else parent.addEventListener('abort', onAbort, { once: true })
  return { signal: controller.signal, clear: () => { clearTimeout(timer); parent.removeEventListener('abort', onAbort) } }
}
