/**
 * A linearizability checker: Wing and Gong's search for a sequential order of a concurrent
 * history, with Lowe's memoisation of (set of operations linearized, model state) ("Testing for
 * linearizability", 2017), as Porcupine (anishathalye/porcupine) does it. A history is checked one
 * key at a time: linearizability is local (Herlihy and Wing), so a history is linearizable when
 * each key's sub-history is (P-compositionality), and the small searches are far cheaper than one
 * large one.
 *
 * An operation that never answered (its client crashed, gave up, or got an error that does not
 * say whether it took effect) is pending, Jepsen's `:info`: it may take effect at any instant
 * after its invocation, or never. The search may place it anywhere after its call, with whatever
 * output the model gives, or leave it out.
 *
 * The search is exponential in the worst case: it stops after a step budget and answers
 * `unknown`, which a caller must treat as a failure to look into, never as a pass.
 */

/** One operation of a history. */
export interface Operation<I, O> {
  /** Who issued it (for reports). */
  client: string
  /** The object it acts on; each key is checked on its own. */
  key: string
  input: I
  /** Invocation instant (true time). */
  call: number
  /** Response instant; undefined when it never answered: pending. */
  ret?: number
  /** What it returned (ignored when pending). */
  output?: O
}

/** A sequential specification: how one operation changes the state and what it returns. */
export interface Model<S, I, O> {
  name: string
  init: () => S
  /** The outcome of `input` applied to `state` (deterministic; must not change `state`). */
  step: (state: S, input: I) => { state: S, output: O }
  /** A string naming a state, for memoisation: equal states, equal strings. */
  hash: (state: S) => string
  /** Whether the model's output matches an observed one. @default structural equality */
  same?: (model: O, observed: O) => boolean
  /** An operation's input, for reports. @default JSON */
  describe?: (input: I) => string
  /**
   * An equivalent history that is cheaper to search: one key's operations with those no
   * completed operation could tell about left out (a pending push of an item nobody popped) or
   * made alike (items nobody popped are all one item to the search). It must keep every
   * linearizable history linearizable and every other one not. @default the history as it is
   */
  simplify?: (ops: ReadonlyArray<Operation<I, O>>) => ReadonlyArray<Operation<I, O>>
}

export interface KeyVerdict {
  key: string
  result: 'ok' | 'illegal' | 'unknown'
  /** Operations of the key (pending ones included). */
  ops: number
  pending: number
  /** Search steps spent. */
  steps: number
  /** For `illegal`: the longest linearizable prefix found and the operation that could not follow it. */
  explanation?: string
}

export interface Verdict {
  /** `illegal` when any key is; else `unknown` when any key's search ran out of budget; else `ok`. */
  result: 'ok' | 'illegal' | 'unknown'
  keys: KeyVerdict[]
}

export interface CheckOptions {
  /** Search steps allowed per key before the answer is `unknown`. @default 2_000_000 */
  budget?: number
}

export const DEFAULT_BUDGET = 2_000_000

/** Structural equality of outputs (JSON-shaped values, undefined included). */
export function sameValue (a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b)
}

/** Checks a whole history, key by key. */
export function checkLinearizable<S, I, O> (ops: ReadonlyArray<Operation<I, O>>, model: Model<S, I, O>, options: CheckOptions = {}): Verdict {
  const byKey = new Map<string, Array<Operation<I, O>>>()
  for (const op of ops) {
    let list = byKey.get(op.key)
    if (list === undefined) byKey.set(op.key, list = [])
    list.push(op)
  }
  const keys = [...byKey].map(([key, list]) => {
    const searched = model.simplify?.(list) ?? list
    return { ...checkKey(key, searched, model, options.budget ?? DEFAULT_BUDGET), ops: list.length, pending: list.filter(o => o.ret === undefined).length }
  })
  const result = keys.some(k => k.result === 'illegal') ? 'illegal' : keys.some(k => k.result === 'unknown') ? 'unknown' : 'ok'
  return { result, keys }
}

/** A call or return event in the doubly linked list the search lifts operations out of. */
interface Event {
  op: number
  call: boolean
  time: number
  prev: Event | undefined
  next: Event | undefined
  /** A call's return event. */
  match: Event | undefined
}

/** Wing and Gong's search over one key's operations. */
export function checkKey<S, I, O> (key: string, ops: ReadonlyArray<Operation<I, O>>, model: Model<S, I, O>, budget: number = DEFAULT_BUDGET): KeyVerdict {
  const same = model.same ?? sameValue
  const pending = ops.filter(o => o.ret === undefined).length
  const verdict = (result: KeyVerdict['result'], steps: number, explanation?: string): KeyVerdict =>
    ({ key, result, ops: ops.length, pending, steps, ...(explanation !== undefined ? { explanation } : {}) })
  if (ops.length === pending) return verdict('ok', 0)

  // events in time order; at equal instants calls come first (the operations overlap)
  const events: Event[] = []
  ops.forEach((o, i) => {
    if (o.ret !== undefined && o.ret < o.call) throw new RangeError(`operation ${describe(model, o)} returned at ${o.ret}, before its call at ${o.call}`)
    const ret: Event = { op: i, call: false, time: o.ret ?? Infinity, prev: undefined, next: undefined, match: undefined }
    events.push({ op: i, call: true, time: o.call, prev: undefined, next: undefined, match: ret }, ret)
  })
  events.sort((a, b) => a.time - b.time || (a.call === b.call ? 0 : a.call ? -1 : 1))
  const head: Event = { op: -1, call: false, time: -Infinity, prev: undefined, next: undefined, match: undefined }
  let last = head
  for (const e of events) { last.next = e; e.prev = last; last = e }

  const lift = (e: Event): void => {
    (e.prev as Event).next = e.next;
    (e.next as Event).prev = e.prev // a call is always followed by its return
    const m = e.match as Event;
    (m.prev as Event).next = m.next
    if (m.next !== undefined) m.next.prev = m.prev
  }
  const unlift = (e: Event): void => {
    const m = e.match as Event;
    (m.prev as Event).next = m
    if (m.next !== undefined) m.next.prev = m;
    (e.prev as Event).next = e;
    (e.next as Event).prev = e
  }

  // Symmetry: pending operations with the same input are interchangeable (any output goes), so
  // the search takes them in the order of their calls: one may be linearized only after the one
  // called before it. Any linearization can be rearranged so (the earlier-called one can stand
  // wherever the later one stood), and k of them cost k + 1 choices instead of 2^k.
  const twin: number[] = ops.map(() => -1)
  const lastOf = new Map<string, number>()
  ops.map((o, i) => i).filter(i => ops[i].ret === undefined).sort((a, b) => ops[a].call - ops[b].call).forEach(i => {
    const id = JSON.stringify(ops[i].input)
    twin[i] = lastOf.get(id) ?? -1
    lastOf.set(id, i)
  })
  let linearized = 0n
  const seen = new Set<string>()
  const stack: Array<{ e: Event, state: S }> = []
  let state = model.init()
  let best: { depth: number, order: number[], blocked: number, state: string } | undefined
  let steps = 0
  let e = head.next as Event | undefined
  while (e !== undefined) {
    if (++steps > budget) return verdict('unknown', steps)
    if (e.call) {
      const o = ops[e.op]
      if (twin[e.op] >= 0 && (linearized & (1n << BigInt(twin[e.op]))) === 0n) { e = e.next as Event; continue }
      const out = model.step(state, o.input)
      // a pending operation may return anything
      if (o.ret === undefined || same(out.output, o.output as O)) {
        const next = linearized | (1n << BigInt(e.op))
        const memo = `${next.toString(36)}|${model.hash(out.state)}`
        if (!seen.has(memo)) {
          seen.add(memo)
          stack.push({ e, state })
          state = out.state
          linearized = next
          lift(e)
          e = head.next // undefined when every operation is linearized
          continue
        }
      }
      e = e.next as Event
      continue
    }
    // a return: the operation it ends was not linearized before it
    if (ops[e.op].ret === undefined) return verdict('ok', steps) // only pending operations remain
    if (best === undefined || stack.length > best.depth) best = { depth: stack.length, order: stack.map(s => s.e.op), blocked: e.op, state: model.hash(state) }
    const top = stack.pop()
    if (top === undefined) return verdict('illegal', steps, explain(model, ops, best))
    state = top.state
    linearized &= ~(1n << BigInt(top.e.op))
    unlift(top.e)
    e = top.e.next
  }
  return verdict('ok', steps)
}

function describe<S, I, O> (model: Model<S, I, O>, o: Operation<I, O>): string {
  const what = model.describe?.(o.input) ?? JSON.stringify(o.input)
  const out = o.ret === undefined ? '?' : o.output === undefined ? 'undefined' : JSON.stringify(o.output)
  return `${o.client} ${what} -> ${out} [${o.call.toFixed(1)}, ${o.ret === undefined ? 'pending' : o.ret.toFixed(1)}]`
}

function explain<S, I, O> (model: Model<S, I, O>, ops: ReadonlyArray<Operation<I, O>>, best: { order: number[], blocked: number, state: string } | undefined): string {
  if (best === undefined) return 'no operation can come first'
  const shown = best.order.slice(-6).map(i => describe(model, ops[i]))
  const skipped = best.order.length - shown.length
  return `${model.name}: after ${best.order.length} operations linearized (${skipped > 0 ? `${skipped} earlier, then ` : ''}${shown.join('; ') || 'none'}; state ${best.state}), ` +
    `nothing can come next before ${describe(model, ops[best.blocked])} returns`
}
