import { describe, expect, it } from 'vitest'
import { checkKey, checkLinearizable, type Model, type Operation } from '../../sim/linearizability.js'
import { counterModel, queueModel, registerModel, type CounterInput, type CounterOutput, type QueueInput, type QueueOutput, type RegisterInput, type RegisterOutput } from '../../sim/models.js'
import { Prng } from '../../sim/prng.js'

type Reg = Operation<RegisterInput, RegisterOutput>
type Cnt = Operation<CounterInput, CounterOutput>
type Que = Operation<QueueInput, QueueOutput>

/** An operation on key `k`: [call, ret] with an output, or pending when `ret` is undefined. */
const op = <I, O>(client: string, input: I, call: number, ret: number | undefined, output?: O, key = 'k'): Operation<I, O> =>
  ({ client, key, input, call, ...(ret !== undefined ? { ret, output } : {}) })

const reg = (client: string, input: RegisterInput, call: number, ret: number | undefined, output?: RegisterOutput, key?: string): Reg => op(client, input, call, ret, output, key)
const cnt = (client: string, input: CounterInput, call: number, ret: number | undefined, output?: CounterOutput): Cnt => op(client, input, call, ret, output)
const que = (client: string, input: QueueInput, call: number, ret: number | undefined, output?: QueueOutput): Que => op(client, input, call, ret, output)
const W = (value: string): RegisterInput => ({ f: 'write', value })
const R: RegisterInput = { f: 'read' }
const CAS = (from: string | undefined, to: string | undefined): RegisterInput => ({ f: 'cas', from, to })
const INC: CounterInput = { f: 'inc', by: 1 }
const DEC0: CounterInput = { f: 'dec', by: 1, min: 0 }
const POP: QueueInput = { f: 'pop' }
const PUSH = (item: string): QueueInput => ({ f: 'push', item })
const ACK = (item: string): QueueInput => ({ f: 'ack', item })

describe('linearizability checker: registers', () => {
  it('accepts a sequential history and reads that overlap a write seeing either value', () => {
    expect(checkLinearizable([reg('a', W('1'), 0, 1, true), reg('b', R, 2, 3, '1')], registerModel).result).toBe('ok')
    const h = [reg('a', W('1'), 0, 1, true), reg('a', W('2'), 2, 10, true), reg('b', R, 3, 4, '2'), reg('c', R, 5, 6, '2'), reg('d', R, 1.5, 2.5, '1')]
    expect(checkLinearizable(h, registerModel).result).toBe('ok')
  })

  it('rejects a stale read after a completed write', () => {
    const h = [reg('a', W('1'), 0, 1, true), reg('a', W('2'), 2, 3, true), reg('b', R, 4, 5, '1')]
    const v = checkLinearizable(h, registerModel)
    expect(v.result).toBe('illegal')
    expect(v.keys[0].explanation).toContain('b read -> "1"')
  })

  it('rejects reads that go back in time across clients (the new value seen, then the old)', () => {
    const h = [reg('a', W('1'), 0, 1, true), reg('a', W('2'), 2, 20, true), reg('b', R, 3, 4, '2'), reg('c', R, 5, 6, '1')]
    expect(checkLinearizable(h, registerModel).result).toBe('illegal')
  })

  it('rejects a value nobody wrote, and two concurrent compare-and-sets from the same value that both succeed', () => {
    expect(checkLinearizable([reg('b', R, 0, 1, 'x')], registerModel).result).toBe('illegal')
    const h = [reg('a', CAS(undefined, 'a'), 0, 5, true), reg('b', CAS(undefined, 'b'), 1, 6, true)]
    expect(checkLinearizable(h, registerModel).result).toBe('illegal')
    const ok = [reg('a', CAS(undefined, 'a'), 0, 5, true), reg('b', CAS(undefined, 'b'), 1, 6, false), reg('c', R, 7, 8, 'a')]
    expect(checkLinearizable(ok, registerModel).result).toBe('ok')
  })

  it('a pending write may take effect at any instant after its call, or never', () => {
    // took effect between the two reads
    expect(checkLinearizable([reg('a', W('1'), 0, undefined), reg('b', R, 1, 2, undefined), reg('b', R, 3, 4, '1')], registerModel).result).toBe('ok')
    // never took effect
    expect(checkLinearizable([reg('a', W('1'), 0, undefined), reg('b', R, 10, 11, undefined)], registerModel).result).toBe('ok')
    // but once seen it stays: it takes effect once
    expect(checkLinearizable([reg('a', W('1'), 0, undefined), reg('b', R, 1, 2, '1'), reg('b', R, 3, 4, undefined)], registerModel).result).toBe('illegal')
    // and not before it was invoked
    expect(checkLinearizable([reg('b', R, 0, 1, '1'), reg('a', W('1'), 2, undefined)], registerModel).result).toBe('illegal')
  })

  it('a pending compare-and-set counts only where it would have succeeded', () => {
    const h = [reg('a', W('1'), 0, 1, true), reg('b', CAS('1', '2'), 2, undefined), reg('a', W('3'), 3, 4, true), reg('c', R, 5, 6, '2')]
    // the CAS can only have swapped before the write of 3, which the read at 5 follows
    expect(checkLinearizable(h, registerModel).result).toBe('illegal')
    const after = [reg('a', W('1'), 0, 1, true), reg('b', CAS('3', '2'), 2, undefined), reg('a', W('3'), 3, 4, true), reg('c', R, 5, 6, '2')]
    expect(checkLinearizable(after, registerModel).result).toBe('ok')
  })

  it('checks each key on its own and names the key that failed', () => {
    const h = [reg('a', W('1'), 0, 1, true, 'x'), reg('b', R, 2, 3, undefined, 'y'), reg('c', R, 2, 3, undefined, 'x')]
    const v = checkLinearizable(h, registerModel)
    expect(v.result).toBe('illegal')
    expect(v.keys.find(k => k.key === 'x')?.result).toBe('illegal')
    expect(v.keys.find(k => k.key === 'y')?.result).toBe('ok')
  })
})

describe('linearizability checker: counters', () => {
  it('accepts concurrent increments whose results are in any order', () => {
    const h = [cnt('a', INC, 0, 10, 2), cnt('b', INC, 1, 9, 1), cnt('c', INC, 11, 12, 3), cnt('d', { f: 'read' }, 13, 14, 3)]
    expect(checkLinearizable(h, counterModel).result).toBe('ok')
  })

  it('rejects two increments returning the same value', () => {
    expect(checkLinearizable([cnt('a', INC, 0, 5, 1), cnt('b', INC, 1, 6, 1)], counterModel).result).toBe('illegal')
  })

  it('rejects a lost update: a later read missing a completed increment', () => {
    const h = [cnt('a', INC, 0, 1, 1), cnt('b', INC, 2, 3, 2), cnt('c', { f: 'read' }, 4, 5, 1)]
    expect(checkLinearizable(h, counterModel).result).toBe('illegal')
  })

  it('bounded decrements: one of two concurrent decrements of 1 at a floor of 0 must refuse', () => {
    const base = cnt('a', INC, 0, 1, 1)
    expect(checkLinearizable([base, cnt('b', DEC0, 2, 5, 0), cnt('c', DEC0, 3, 6, 'bound')], counterModel).result).toBe('ok')
    expect(checkLinearizable([base, cnt('b', DEC0, 2, 5, 0), cnt('c', DEC0, 3, 6, -1)], counterModel).result).toBe('illegal')
    expect(checkLinearizable([base, cnt('b', DEC0, 2, 5, 0), cnt('c', DEC0, 3, 6, 0)], counterModel).result).toBe('illegal')
    // a refusal when there was room is wrong too
    expect(checkLinearizable([base, cnt('b', DEC0, 2, 5, 'bound')], counterModel).result).toBe('illegal')
  })

  it('a pending increment may explain a jump, once', () => {
    expect(checkLinearizable([cnt('a', INC, 0, undefined), cnt('b', INC, 1, 2, 2)], counterModel).result).toBe('ok')
    expect(checkLinearizable([cnt('a', INC, 0, undefined), cnt('b', INC, 1, 2, 2), cnt('c', INC, 3, 4, 4)], counterModel).result).toBe('illegal')
  })
})

describe('linearizability checker: queues', () => {
  it('accepts FIFO pops, a pop racing its push, and a pending push that took effect', () => {
    const h = [que('p', PUSH('a'), 0, 1, true), que('p', PUSH('b'), 2, 3, true), que('c', POP, 4, 5, 'a'), que('d', POP, 6, 7, 'b'), que('c', POP, 8, 9, 'empty')]
    expect(checkLinearizable(h, queueModel).result).toBe('ok')
    expect(checkLinearizable([que('p', PUSH('a'), 0, 10, true), que('c', POP, 1, 2, 'a')], queueModel).result).toBe('ok')
    expect(checkLinearizable([que('p', PUSH('a'), 0, undefined), que('c', POP, 5, 6, 'a')], queueModel).result).toBe('ok')
  })

  it('rejects an item popped twice', () => {
    const h = [que('p', PUSH('a'), 0, 1, true), que('c', POP, 2, 5, 'a'), que('d', POP, 3, 6, 'a')]
    expect(checkLinearizable(h, queueModel).result).toBe('illegal')
  })

  it('rejects out-of-order pops, a pop of an empty queue that holds an item, and a double ack', () => {
    expect(checkLinearizable([que('p', PUSH('a'), 0, 1, true), que('p', PUSH('b'), 2, 3, true), que('c', POP, 4, 5, 'b')], queueModel).result).toBe('illegal')
    expect(checkLinearizable([que('p', PUSH('a'), 0, 1, true), que('c', POP, 2, 3, 'empty')], queueModel).result).toBe('illegal')
    const acked = [que('p', PUSH('a'), 0, 1, true), que('c', POP, 2, 3, 'a'), que('c', ACK('a'), 4, 5, true)]
    expect(checkLinearizable([...acked, que('d', ACK('a'), 6, 7, false)], queueModel).result).toBe('ok')
    expect(checkLinearizable([...acked, que('d', ACK('a'), 6, 7, true)], queueModel).result).toBe('illegal')
  })
})

describe('linearizability checker: pending queue operations', () => {
  it('a pending pop may have taken the head, and twenty pending pops and pushes nobody saw cost little', () => {
    const h = [que('p', PUSH('a'), 0, 1, true), que('p', PUSH('b'), 2, 3, true), que('x', POP, 4, undefined), que('c', POP, 10, 11, 'b')]
    expect(checkLinearizable(h, queueModel).result).toBe('ok')
    const noise = Array.from({ length: 20 }, (_, i) => i % 2 === 0 ? que(`x${i}`, POP, 5 + i, undefined) : que(`y${i}`, PUSH(`n${i}`), 5 + i, undefined))
    const v = checkLinearizable([...h, ...noise, que('c', POP, 40, 41, 'empty')], queueModel)
    expect(v.result).toBe('ok')
    expect(v.keys[0].steps).toBeLessThan(2_000)
  })

  it('items nobody popped are alike to the search, but never at the head of a completed pop', () => {
    // "a" was pushed first and never popped by anyone: a pop returning "b" cannot be linearized
    const h = [que('p', PUSH('a'), 0, 1, true), que('p', PUSH('b'), 2, 3, true), que('c', POP, 4, 5, 'b')]
    expect(checkLinearizable(h, queueModel).result).toBe('illegal')
    // a pending push of an item a completed pop returned is kept
    expect(checkLinearizable([que('p', PUSH('a'), 0, undefined), que('c', POP, 4, 5, 'a'), que('d', POP, 6, 7, 'a')], queueModel).result).toBe('illegal')
  })
})

describe('linearizability checker: the search', () => {
  it('answers unknown, not ok, when the step budget runs out', () => {
    const h: Cnt[] = Array.from({ length: 30 }, (_, i) => cnt(`c${i}`, INC, i, 100 + i, 30 - i))
    expect(checkKey('k', h, counterModel, 50).result).toBe('unknown')
    expect(checkKey('k', h, counterModel).result).toBe('ok')
  })

  /** A linearizable history: each operation takes effect at a random instant inside its interval. */
  function randomHistory<S, I, O> (rng: Prng, model: Model<S, I, O>, input: () => I, n: number, clients: number, pendingRate: number): Array<Operation<I, O>> {
    const ops: Array<Operation<I, O> & { at: number, pending: boolean, lost: boolean }> = []
    const free = Array(clients).fill(0)
    for (let i = 0; i < n; i++) {
      const c = rng.int(clients)
      const call = free[c] + rng.float() * 3
      const ret = call + rng.float() * 10
      free[c] = ret
      const pending = rng.chance(pendingRate)
      ops.push({ client: `c${c}`, key: 'k', input: input(), call, ret, at: call + rng.float() * (ret - call), pending, lost: pending && rng.chance(0.5) })
      if (pending) free[c] = call // a pending client moves on at once (it is a new client, in effect)
    }
    let state = model.init()
    for (const o of [...ops].sort((a, b) => a.at - b.at)) {
      if (o.lost) continue // pending and never took effect
      const out = model.step(state, o.input)
      state = out.state
      o.output = out.output
    }
    // a pending operation's client never learnt when it ended or what it returned
    return ops.map(({ at, pending, lost, ret, output, ...o }) => pending ? o : { ...o, ret, output })
  }

  it('accepts random linearizable histories of every model, pending operations included', () => {
    const rng = new Prng(1)
    for (let round = 0; round < 60; round++) {
      const pending = round % 3 === 0 ? 0.1 : 0
      const items = Array.from({ length: 40 }, (_, i) => `i${i}`)
      const r = randomHistory(rng, registerModel, () => rng.pick<RegisterInput>([R, W(rng.pick(['1', '2', '3'])), CAS(rng.pick([undefined, '1', '2']), rng.pick(['1', '2', '3']))]), 60, 5, pending)
      expect(checkLinearizable(r, registerModel).result, `register round ${round}`).toBe('ok')
      const c = randomHistory(rng, counterModel, () => rng.pick<CounterInput>([INC, DEC0, { f: 'read' }, { f: 'inc', by: 3 }]), 60, 5, pending)
      expect(checkLinearizable(c, counterModel).result, `counter round ${round}`).toBe('ok')
      const q = randomHistory(rng, queueModel, () => rng.chance(0.5) ? PUSH(items.shift() ?? 'z') : POP, 40, 4, pending)
      expect(checkLinearizable(q, queueModel).result, `queue round ${round}`).toBe('ok')
    }
  })
})
