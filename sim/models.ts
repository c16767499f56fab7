/**
 * Sequential specifications for the linearizability checker (sim/linearizability.ts): a register
 * with read, write and compare-and-set; a counter whose increments return the value after and
 * whose bounded decrements refuse to go below a floor; a queue whose pops take the head and whose
 * acks retire what was popped.
 */
import type { Model } from './linearizability.js'

// ---- register --------------------------------------------------------------------------------

export type RegisterInput =
  | { f: 'read' }
  | { f: 'write', value: string | undefined }
  /** Sets `to` when the register holds `from` (undefined: empty). */
  | { f: 'cas', from: string | undefined, to: string | undefined }

/** read: the value (undefined when empty); write: true; cas: whether it swapped. */
export type RegisterOutput = string | undefined | boolean

export const registerModel: Model<string | undefined, RegisterInput, RegisterOutput> = {
  name: 'register',
  init: () => undefined,
  step: (state, input) => {
    switch (input.f) {
      case 'read': return { state, output: state }
      case 'write': return { state: input.value, output: true }
      case 'cas': return state === input.from ? { state: input.to, output: true } : { state, output: false }
    }
  },
  hash: state => state === undefined ? '∅' : `=${state}`,
  describe: input => input.f === 'read' ? 'read' : input.f === 'write' ? `write ${String(JSON.stringify(input.value))}` : `cas ${String(JSON.stringify(input.from))}→${String(JSON.stringify(input.to))}`
}

// ---- counter ---------------------------------------------------------------------------------

export type CounterInput =
  | { f: 'read' }
  | { f: 'inc', by: number }
  /** Subtracts `by` unless the result would be below `min`. */
  | { f: 'dec', by: number, min?: number }

/** read, inc, dec: the value after; a refused dec: 'bound'. */
export type CounterOutput = number | 'bound'

export const counterModel: Model<number, CounterInput, CounterOutput> = {
  name: 'counter',
  init: () => 0,
  step: (state, input) => {
    switch (input.f) {
      case 'read': return { state, output: state }
      case 'inc': return { state: state + input.by, output: state + input.by }
      case 'dec': return input.min !== undefined && state - input.by < input.min ? { state, output: 'bound' } : { state: state - input.by, output: state - input.by }
    }
  },
  hash: state => String(state),
  describe: input => input.f === 'read' ? 'read' : input.f === 'inc' ? `inc ${input.by}` : `dec ${input.by}${input.min !== undefined ? ` min ${input.min}` : ''}`
}

// ---- queue -----------------------------------------------------------------------------------

/** The one item the search makes of every item no completed pop or ack tells about. */
export const ANONYMOUS = '(an item no completed pop returned)'

export type QueueInput =
  | { f: 'push', item: string }
  /** Takes the head: it stays held (invisible to other pops) until acked. */
  | { f: 'pop' }
  | { f: 'ack', item: string }

/** push: true; pop: the item or 'empty'; ack: whether the item was held. */
export type QueueOutput = string | boolean

export interface QueueState {
  ready: readonly string[]
  held: readonly string[]
}

export const queueModel: Model<QueueState, QueueInput, QueueOutput> = {
  name: 'queue',
  init: () => ({ ready: [], held: [] }),
  step: (state, input) => {
    switch (input.f) {
      case 'push': return { state: { ready: [...state.ready, input.item], held: state.held }, output: true }
      case 'pop': {
        if (state.ready.length === 0) return { state, output: 'empty' }
        const [first, ...rest] = state.ready
        return { state: { ready: rest, held: [...state.held, first].sort() }, output: first }
      }
      case 'ack': {
        const i = state.held.indexOf(input.item)
        if (i < 0) return { state, output: false }
        return { state: { ready: state.ready, held: state.held.filter((_, j) => j !== i) }, output: true }
      }
    }
  },
  hash: state => JSON.stringify([state.ready, state.held]),
  describe: input => input.f === 'pop' ? 'pop' : `${input.f} ${JSON.stringify(input.item)}`,
  simplify: ops => {
    // An item no completed pop returned and no completed ack named is never at the head when a
    // completed pop runs (that pop would have returned it, or not found the queue empty), and
    // `held` matters only to acks of the item itself: such items are alike to every completed
    // operation, so the search sees them as one (orders of them in the queue become one state).
    // A pending push of one may be left out (were it in, only pending pops can have taken it,
    // and they may be left out with it); so may a pending ack no completed ack of its item follows.
    const popped = new Set<string>()
    const acked = new Set<string>()
    for (const o of ops) {
      if (o.ret === undefined) continue
      if (o.input.f === 'pop' && typeof o.output === 'string' && o.output !== 'empty') popped.add(o.output)
      if (o.input.f === 'ack') acked.add(o.input.item)
    }
    return ops.flatMap(o => {
      if (o.input.f === 'pop') return [o]
      if (o.ret === undefined && o.input.f === 'ack') return acked.has(o.input.item) ? [o] : []
      if (popped.has(o.input.item) || acked.has(o.input.item)) return [o]
      if (o.ret === undefined) return []
      return [{ ...o, input: { ...o.input, item: ANONYMOUS } }]
    })
  }
}
