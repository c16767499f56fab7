/**
 * CP workloads for the simulator: clients on every node change registers through **the product's
 * CASPaxos proposer** (src/core/cas-proposer.ts) against **its acceptors** (src/core/cas-acceptor.ts)
 * on the quorum members, over the simulated network (delayed, lost, duplicated, reordered, cut by
 * partitions), while nodes crash and restart. A member's acceptor writes every changed slot to its
 * storage before it answers, and a restarted member reopens it, as a durable daemon does. This
 * module only carries messages, timeouts and backoffs in virtual time, as src/api's quorum host
 * does with libp2p and timers, and records what every client asked and got: the history the
 * linearizability checker (sim/linearizability.ts) judges against sequential models (sim/models.ts).
 *
 * Three kinds of register, each with its own model: plain registers (read, write, compare-and-set),
 * counters (increments returning the value after, decrements bounded at 0, reads) and queues (a
 * register holding a queue: push, pop of the head, ack of a popped item).
 */
import { CasAcceptor } from '../src/core/cas-acceptor.js'
import { CasProposer, type CasOperation, type CasStep } from '../src/core/cas-proposer.js'
import { compareBallots, encodeSlot, UNCHANGED, type CasReply, type CasRequest, type Change, type RegisterState, type Slot } from '../src/core/caspaxos.js'
import { quorumBackoffMs } from '../src/core/quorum.js'
import type { Violation } from './checker.js'
import { checkLinearizable, type Model, type Operation } from './linearizability.js'
import { counterModel, queueModel, registerModel, type CounterInput, type CounterOutput, type QueueInput, type QueueOutput, type RegisterInput, type RegisterOutput } from './models.js'
import type { Prng } from './prng.js'
import type { EventQueue } from './queue.js'

/** What the CP workload needs from the simulation. */
export interface CpWorld {
  q: EventQueue
  /** The workload's own randomness (so that adding it leaves the rest of a schedule as it was). */
  rng: Prng
  /** Nodes in all; node `i`'s current incarnation is `node(i)`. */
  size: number
  node: (index: number) => CpNode
  /** A node's corrected clock (mesh time), as its proposer and acceptor read it. */
  clock: (node: CpNode) => number
  /** Sends a closure to run at `to` through the simulated network (it may be delayed, dropped, duplicated, cut). */
  call: (from: CpNode, to: CpNode, run: () => void) => void
  /** Mean one-way latency of the schedule (ms): timeouts scale with it. */
  meanLatency: number
  /** Fault injection: acceptors that accept below the ballot they promised (the checker must catch it). */
  skipPromiseCheck?: boolean
}

export interface CpNode {
  /** The incarnation's id (a restarted node is a new incarnation with a new proposer). */
  id: string
  index: number
  alive: boolean
}

export type Unanswered = 'unavailable' | 'contended' | 'timeout' | 'crashed' | 'running'

/** What the CP clients did, by outcome. */
export interface CpCounts {
  /** Operations started. */
  ops: number
  /** Answered (done). */
  done: number
  /** Never answered after an accept went out (gave up, unavailable in doubt, or the node crashed): pending in the history. */
  pending: number
  /** Why the pending ones never answered: no majority (in doubt), contended past the deadline, timed out, their node crashed, still running at the check. */
  pendingWhy: Record<Unanswered, number>
  /** Ended before any accept went out (no majority, or the node crashed): no effect, left out of the history. */
  failed: number
  /** Rounds retried after a conflict. */
  retries: number
  /** Operations that started on the one-round-trip path. */
  oneRoundTrip: number
  messages: number
  /** Keys checked, and keys whose search ran out of budget. */
  keys: number
  unknown: number
  /** The largest search of any key (steps). */
  maxSteps: number
}

export interface CpRun {
  counts: CpCounts
  /** The members (node indices) whose acceptors count. */
  members: number[]
  /** Call when a node crashes: its operations end unanswered. */
  crashed: (index: number) => void
  /** Call when a node restarts: its acceptor reopens its storage. */
  restarted: (index: number) => void
  /** Call at the end of the workload: clients start nothing more (what runs goes on to its end). */
  finish: () => void
  /** Ends what still runs (unanswered), then checks every history. */
  check: () => Violation[]
  /** Every operation recorded, by model: what the checker judges. */
  histories: CpHistories
}

export interface CpHistories {
  register: Array<Operation<RegisterInput, RegisterOutput>>
  counter: Array<Operation<CounterInput, CounterOutput>>
  queue: Array<Operation<QueueInput, QueueOutput>>
}

/** How many steps the checker may spend per key before it answers unknown. */
export const SIM_LINEARIZABILITY_BUDGET = 500_000
/** A client gives up an operation after this long (virtual ms), as a quorum host's timeout does. */
const OP_DEADLINE_MS = 5_000

const enc = new TextEncoder()
const dec = new TextDecoder()
const text = (s: RegisterState | undefined): string | undefined => s === undefined ? undefined : dec.decode(s.value)
const state = (t: string | undefined): RegisterState | undefined => t === undefined ? undefined : { value: enc.encode(t) }

/** The change a client sends for each operation of each model: what the product's features would. */
export function registerChange (input: RegisterInput): Change<RegisterOutput> {
  switch (input.f) {
    case 'read': return cur => ({ next: UNCHANGED, result: text(cur) })
    case 'write': return () => ({ next: state(input.value), result: true })
    case 'cas': return cur => text(cur) === input.from ? { next: state(input.to), result: true } : { next: UNCHANGED, result: false }
  }
}

export function counterChange (input: CounterInput): Change<CounterOutput> {
  return cur => {
    const n = cur === undefined ? 0 : Number(text(cur))
    if (input.f === 'read') return { next: UNCHANGED, result: n }
    const after = input.f === 'inc' ? n + input.by : n - input.by
    if (input.f === 'dec' && input.min !== undefined && after < input.min) return { next: UNCHANGED, result: 'bound' }
    return { next: state(String(after)), result: after }
  }
}

export function queueChange (input: QueueInput): Change<QueueOutput> {
  return cur => {
    const q = cur === undefined ? { ready: [] as string[], held: [] as string[] } : JSON.parse(text(cur) as string) as { ready: string[], held: string[] }
    const put = (ready: string[], held: string[]): RegisterState | undefined => state(JSON.stringify({ ready, held }))
    switch (input.f) {
      case 'push': return { next: put([...q.ready, input.item], q.held), result: true }
      case 'pop': return q.ready.length === 0 ? { next: UNCHANGED, result: 'empty' } : { next: put(q.ready.slice(1), [...q.held, q.ready[0]]), result: q.ready[0] }
      case 'ack': return q.held.includes(input.item) ? { next: put(q.ready, q.held.filter(x => x !== input.item)), result: true } : { next: UNCHANGED, result: false }
    }
  }
}

interface Member {
  acceptor: CasAcceptor
  /** Its durable slots, by key: written before every reply, kept across restarts (encoded when it reopens them). */
  storage: Map<string, Slot>
}

/** One client operation in flight. */
interface Flight {
  node: CpNode
  op: CasOperation<unknown>
  started: number
  /** When its last request went out. */
  sentAt: number
  /** Whether an accept of it went out (then it may have taken effect). */
  accepting: boolean
  timer: number
  record: Operation<unknown, unknown>
  /** Read-only operations cannot change the register: left out when unanswered. */
  readOnly: boolean
  finished: boolean
  history: Array<Operation<unknown, unknown>>
  /** Called with the output when it is answered. */
  answered: (output: unknown) => void
}

/** Schedules client operations during [0, duration) through the product's proposer, on random live nodes. */
export function cpWorkload (w: CpWorld, duration: number): CpRun {
  const { q, rng } = w
  // 3 or 5 members (fewer when the mesh is smaller), durable
  const count = Math.min(w.size, rng.pick([3, 5]))
  const members = rng.shuffle([...Array(w.size).keys()]).slice(0, count).sort((a, b) => a - b)
  const memberId = (i: number): string => `n${i}`
  const memberIds = members.map(memberId)
  const acceptors = new Map<number, Member>(members.map(i => [i, { acceptor: new CasAcceptor(), storage: new Map() }]))
  const proposers = new Map<string, CasProposer>() // by incarnation
  const counts: CpCounts = { ops: 0, done: 0, pending: 0, pendingWhy: { unavailable: 0, contended: 0, timeout: 0, crashed: 0, running: 0 }, failed: 0, retries: 0, oneRoundTrip: 0, messages: 0, keys: 0, unknown: 0, maxSteps: 0 }
  const histories: CpHistories = { register: [], counter: [], queue: [] }
  const flights = new Set<Flight>()
  const busy = new Set<CpNode>()
  let stopped = false
  const roundTimeoutMs = 20 + 8 * w.meanLatency

  /** A member's acceptor as a restart finds it: from the bytes of its storage. */
  const reopen = (m: Member): CasAcceptor => new CasAcceptor({ restored: [...m.storage].map(([key, slot]) => [key, encodeSlot(slot)]) })
  /** A member answers a request: the product's acceptor, its changed slot written before the reply. */
  const answer = (index: number, req: CasRequest, now: number): CasReply => {
    const m = acceptors.get(index) as Member
    if (w.skipPromiseCheck === true && req.type === 'accept') forgetPromise(m, req.key, req.ballot)
    const { reply, changed } = m.acceptor.handle(req, now)
    if (changed) {
      const slot = m.acceptor.slot(req.key)
      if (slot === undefined) m.storage.delete(req.key)
      else m.storage.set(req.key, slot)
    }
    return reply
  }
  /**
   * The planted bug: before an accept below its promise, the acceptor drops the promise (it
   * reopens its storage with the slot's promise lowered to what it accepted), so the accept goes
   * through — an acceptor that skips the promise check.
   */
  const forgetPromise = (m: Member, key: string, ballot: CasRequest['ballot']): void => {
    const s = m.acceptor.slot(key)
    if (s === undefined || compareBallots(ballot, s.promised) >= 0 || compareBallots(ballot, s.accepted) < 0) return
    m.storage.set(key, { ...s, promised: s.accepted })
    m.acceptor = reopen(m)
  }

  /** The operation ends: answered (`done`), or not (pending when an accept of it went out, else without effect). */
  const end = (f: Flight, why: Unanswered | undefined, done?: { output: unknown }): void => {
    if (f.finished) return
    f.finished = true
    flights.delete(f)
    busy.delete(f.node)
    if (done !== undefined) {
      counts.done++
      f.history.push({ ...f.record, ret: q.now, output: done.output })
      f.answered(done.output)
    } else if (f.accepting && !f.readOnly) {
      counts.pending++
      counts.pendingWhy[why as Unanswered]++
      f.history.push(f.record)
    } else {
      counts.failed++
    }
  }

  const step = (f: Flight, s: CasStep<unknown>): void => {
    if (f.finished) return
    switch (s.type) {
      case 'wait': return
      case 'done': end(f, undefined, { output: s.result }); return
      case 'unavailable': end(f, 'unavailable'); return
      case 'retry': {
        counts.retries++
        const backoff = quorumBackoffMs(s.attempt, q.now - f.sentAt, OP_DEADLINE_MS - (q.now - f.started), rng.float())
        if (backoff === undefined) { end(f, 'contended'); return }
        q.at(q.now + backoff, () => { if (live(f)) step(f, f.op.retry()) })
        return
      }
      case 'send': {
        if (s.request.type === 'accept') f.accepting = true
        f.sentAt = q.now
        const gen = ++f.timer
        for (const to of s.to) {
          const target = w.node(Number(to.slice(1)))
          counts.messages++
          w.call(f.node, target, () => {
            if (!target.alive) return
            const reply = answer(target.index, s.request, w.clock(target))
            counts.messages++
            w.call(target, f.node, () => { if (live(f)) step(f, f.op.receive(s.seq, to, reply, w.clock(f.node))) })
          })
        }
        // members that have not answered within the round's timeout count as failed
        q.at(q.now + roundTimeoutMs, () => {
          if (!live(f) || f.timer !== gen) return
          for (const to of s.to) {
            if (!live(f) || f.timer !== gen) return
            step(f, f.op.receive(s.seq, to, undefined, w.clock(f.node)))
          }
        })
      }
    }
  }
  const live = (f: Flight): boolean => !f.finished && f.node.alive && w.node(f.node.index) === f.node

  const start = <I, O>(node: CpNode, key: string, input: I, change: Change<O>, history: Array<Operation<I, O>>, options: { readOnly?: boolean, answered?: (output: O) => void } = {}): void => {
    let proposer = proposers.get(node.id)
    if (proposer === undefined) proposers.set(node.id, proposer = new CasProposer({ id: node.id }))
    counts.ops++
    // the hint a node's own acceptor gives its proposer (as on a real node: src/api/mesh.ts)
    const { op, step: first } = proposer.start(key, change as Change<unknown>, memberIds, w.clock(node), acceptors.get(node.index)?.acceptor.hint(key))
    if (op.oneRoundTrip) counts.oneRoundTrip++
    const f: Flight = {
      node, op, started: q.now, sentAt: q.now, accepting: false, timer: 0, finished: false,
      record: { client: node.id, key, input, call: q.now },
      readOnly: options.readOnly ?? false,
      history: history as Array<Operation<unknown, unknown>>,
      answered: (options.answered ?? (() => {})) as (output: unknown) => void
    }
    flights.add(f)
    busy.add(node)
    q.at(q.now + OP_DEADLINE_MS, () => { end(f, 'timeout') })
    step(f, first)
  }

  // ---- the clients ---------------------------------------------------------------------------
  let written = 0
  const seen = new Map<string, string[]>() // values each register was seen to hold, for CAS
  const popped: Array<{ key: string, item: string }> = []
  const registers = ['r0', 'r1', 'r2']
  const counters = ['c0', 'c1', 'c2']
  // queues on four keys: a queue's search grows fastest with its pending operations, and it is per key
  const queues = ['q0', 'q1', 'q2', 'q3']
  const issue = (): void => {
    if (stopped) return
    // one client per node: one operation at a time
    const nodes = Array.from({ length: w.size }, (_, i) => w.node(i)).filter(n => n.alive && !busy.has(n))
    if (nodes.length === 0) return
    const node = rng.pick(nodes)
    const roll = rng.float()
    if (roll < 0.35) {
      const key = rng.pick(registers)
      const values = seen.get(key) ?? []
      const r = rng.float()
      const input: RegisterInput = r < 0.3 ? { f: 'read' } : r < 0.55 ? { f: 'write', value: `v${++written}` } : { f: 'cas', from: values.length === 0 || rng.chance(0.2) ? undefined : rng.pick(values.slice(-3)), to: `v${++written}` }
      if (input.f !== 'read') seen.set(key, [...values, input.f === 'write' ? input.value as string : input.to as string].slice(-5))
      start(node, key, input, registerChange(input), histories.register, { readOnly: input.f === 'read' })
    } else if (roll < 0.7) {
      const key = rng.pick(counters)
      const r = rng.float()
      const input: CounterInput = r < 0.15 ? { f: 'read' } : r < 0.65 ? { f: 'inc', by: rng.pick([1, 1, 2]) } : { f: 'dec', by: 1, min: 0 }
      start(node, key, input, counterChange(input), histories.counter, { readOnly: input.f === 'read' })
    } else {
      const key = rng.pick(queues)
      const r = rng.float()
      const mine = popped.findIndex(p => p.key === key)
      const input: QueueInput = r < 0.45 ? { f: 'push', item: `i${++written}` } : r < 0.85 || mine < 0 ? { f: 'pop' } : { f: 'ack', item: popped.splice(mine, 1)[0].item }
      // what a pop returned is acked later (by whichever client)
      start(node, key, input, queueChange(input), histories.queue, { answered: out => { if (input.f === 'pop' && out !== 'empty') popped.push({ key, item: out as string }) } })
    }
  }
  const gap = rng.pick([20, 50, 120])
  for (let t = rng.float() * gap; t < duration; t += rng.float() * 2 * gap) q.at(t, issue)

  return {
    counts,
    members,
    histories,
    crashed: index => {
      for (const f of [...flights]) if (f.node.index === index) end(f, 'crashed')
    },
    restarted: index => {
      const m = acceptors.get(index)
      if (m !== undefined) m.acceptor = reopen(m)
    },
    finish: () => { stopped = true },
    check: () => {
      for (const f of [...flights]) end(f, 'running')
      const out: Violation[] = []
      const judge = <S, I, O>(ops: Array<Operation<I, O>>, model: Model<S, I, O>): void => {
        const v = checkLinearizable(ops, model, { budget: SIM_LINEARIZABILITY_BUDGET })
        for (const k of v.keys) {
          counts.keys++
          counts.maxSteps = Math.max(counts.maxSteps, k.steps)
          if (k.result === 'illegal') out.push({ check: 'linearizable', message: `${model.name} ${k.key} (${k.ops} ops, ${k.pending} pending): ${k.explanation ?? ''}` })
          if (k.result === 'unknown') {
            counts.unknown++
            out.push({ check: 'linearizable-unknown', message: `${model.name} ${k.key}: no verdict within ${SIM_LINEARIZABILITY_BUDGET} search steps (${k.ops} ops, ${k.pending} pending)` })
          }
        }
      }
      judge(histories.register, registerModel)
      judge(histories.counter, counterModel)
      judge(histories.queue, queueModel)
      return out
    }
  }
}
