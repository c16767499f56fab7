/**
 * The quorum registers of a mesh node: its CASPaxos acceptor (durable with the node's data
 * directory) and the `QuorumHost` the features use, which drives the pure proposer
 * (core/cas-proposer.ts) over the network: every step's requests go to all members at once (this
 * node's own acceptor answers without the network), replies are fed back as they come, a
 * conflict is retried after a jittered exponential backoff (scaled by the round's own duration).
 * One node runs one round per register at a time: changes of a key that arrive while a round
 * runs queue, and the next round applies all of them in turn (their composition is one change)
 * and commits once, so a node's concurrent changes of one key neither compete with each other
 * nor cost a round each. Each caller still gets its own result; each change is linearized at its
 * round's commit, inside its own call.
 */
import { randomBytes } from 'node:crypto'
import { CasAcceptor } from '../core/cas-acceptor.js'
import { CasProposer, type CasOperation, type CasStep } from '../core/cas-proposer.js'
import { liveState, UNCHANGED, type CasHint, type CasReply, type CasRequest, type Change, type RegisterState } from '../core/caspaxos.js'
import { AbortError, InvalidKeyError, InvalidOptionError, QuorumNotConfiguredError, QuorumUnavailableError } from '../core/errors.js'
import { MAX_REGISTER_KEY_BYTES, quorumBackoffMs, registerKeyBytes, type QuorumHost } from '../core/quorum.js'
import type { Storage } from '../core/storage.js'

/** How long one quorum operation may take, contention and retries included. @default 10_000 */
export const DEFAULT_QUORUM_OPERATION_TIMEOUT_MS = 10_000
/** Most queued changes of one register applied in one round. */
const MAX_BATCH = 256

/**
 * The node's register acceptor: on a durable node its slots are restored from and written to
 * the data directory before each reply. An in-memory node started with an identity file it did
 * not create has answered under that identity before and forgotten what: it is `amnesic` (it
 * refuses everything) rather than risk undoing a committed change.
 */
export function casAcceptorFor (storage: Storage | undefined, options: { created: boolean, identityFile: boolean, forgetAfterMs: number }): CasAcceptor {
  if (storage === undefined || !storage.durable) {
    return new CasAcceptor({ amnesic: options.identityFile && !options.created, forgetAfterMs: options.forgetAfterMs })
  }
  return new CasAcceptor({
    restored: storage.registers(),
    persist: async (key, slot) => { await storage.write([{ type: 'register', key, slot }]) },
    forgetAfterMs: options.forgetAfterMs
  })
}

export interface QuorumInit {
  /** The quorum members (peer ids); undefined: quorum mode is not configured. */
  members: readonly string[] | undefined
  request: (peer: string, req: CasRequest, signal: AbortSignal) => Promise<CasReply | undefined>
  /** Mesh time (register expiry). */
  now: () => number
  /** What this node's own acceptor knows of a register (a hint for the proposer, see CasOperation.begin). */
  hint?: (key: string) => CasHint | undefined
  assertOpen: () => void
  /** Uniform in [0, 1): backoff jitter. @default Math.random */
  random?: () => number
  /** @default DEFAULT_QUORUM_OPERATION_TIMEOUT_MS */
  operationTimeoutMs?: number
}

type Outcome = { ok: true, value: unknown } | { ok: false, error: unknown }

interface Pending {
  change: Change<unknown>
  settle: (outcome: Outcome) => void
}

export class QuorumRegisters implements QuorumHost {
  readonly configured: boolean
  readonly proposer: CasProposer
  /** Request phases sent (each a round trip to every member): a bench divides it by the operations. */
  phases = 0
  private readonly init: QuorumInit
  private readonly members: readonly string[]
  /** Changes waiting for the next round, per register with a round running. */
  private readonly queued = new Map<string, Pending[]>()

  constructor (init: QuorumInit) {
    this.init = init
    this.members = init.members ?? []
    this.configured = init.members !== undefined
    // unique among every proposer that ever runs: random per instance
    this.proposer = new CasProposer({ id: randomBytes(12).toString('base64url') })
  }

  async change<R> (key: string, change: Change<R>, options: { signal?: AbortSignal } = {}): Promise<R> {
    this.init.assertOpen()
    if (!this.configured) throw new QuorumNotConfiguredError('quorum mode needs `quorum: { members: [peer ids] }` on createMesh (the daemon\'s --quorum-members)')
    if (registerKeyBytes(key) === undefined) throw new InvalidKeyError(`a register key must be a non-empty string of at most ${MAX_REGISTER_KEY_BYTES} UTF-8 bytes, got ${typeof key === 'string' ? `${key.length} characters` : typeof key}`)
    if (typeof change !== 'function') throw new InvalidOptionError(`\`change\` must be a function, got ${typeof change}`)
    const { signal } = options
    if (signal?.aborted === true) throw new AbortError(`the change of register ${JSON.stringify(key)} was aborted`)
    return new Promise<R>((resolve, reject) => {
      let done = false
      const pending: Pending = {
        change,
        settle: (outcome) => {
          if (done) return
          done = true
          signal?.removeEventListener('abort', onAbort)
          if (outcome.ok) resolve(outcome.value as R)
          else reject(outcome.error)
        }
      }
      // aborted while queued: never applied; while its round runs: it may still take effect
      const onAbort = (): void => {
        const q = this.queued.get(key)
        const at = q?.indexOf(pending) ?? -1
        if (at >= 0) q?.splice(at, 1)
        pending.settle({ ok: false, error: new AbortError(`the change of register ${JSON.stringify(key)} was aborted${at >= 0 ? '' : ' (its round had begun: it may still take effect)'}`) })
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      const q = this.queued.get(key)
      if (q !== undefined) q.push(pending)
      else {
        this.queued.set(key, [])
        void this.pump(key, [pending])
      }
    })
  }

  /** Runs rounds for `key` until no change waits: each round applies the changes queued before it. */
  private async pump (key: string, first: Pending[]): Promise<void> {
    let batch = first
    while (batch.length > 0) {
      const changes = batch
      const outcomes = await this.round(key, compose(changes.map(p => p.change)))
        .catch((error: unknown): Outcome[] => changes.map(() => ({ ok: false, error })))
      changes.forEach((p, i) => { p.settle(outcomes[i]) })
      const q = this.queued.get(key) ?? []
      batch = q.splice(0, MAX_BATCH)
      if (batch.length === 0) this.queued.delete(key)
    }
  }

  /** One operation of the proposer, driven to its end over the network. */
  private async round<R> (key: string, change: Change<R>): Promise<R> {
    const limitMs = this.init.operationTimeoutMs ?? DEFAULT_QUORUM_OPERATION_TIMEOUT_MS
    const random = this.init.random ?? Math.random
    const deadline = performance.now() + limitMs
    // a committed round leaves its slower members' requests to finish (each is bounded by its
    // timeout): aborting one aborts its kept stream, and the next request to that member would
    // pay a new stream's negotiation; and the accept then reaches every member's acceptor (the
    // next writer's own acceptor among them: its hint, see CasOperation.begin)
    const controller = new AbortController()
    return new Promise<R>((resolve, reject) => {
      let op: CasOperation<R> | undefined
      let over = false
      let timer: NodeJS.Timeout | undefined
      let sentAt = performance.now()
      const finish = (err: unknown, result?: R): void => {
        if (over) return
        over = true
        clearTimeout(timer)
        if (err !== undefined) controller.abort()
        if (err === undefined) resolve(result as R)
        else reject(err)
      }
      const drive = (step: CasStep<R>): void => {
        if (over) return
        switch (step.type) {
          case 'send':
            sentAt = performance.now()
            this.phases++
            for (const to of step.to) {
              this.init.request(to, step.request, controller.signal).catch(() => undefined).then(reply => {
                if (!over) guarded(() => (op as CasOperation<R>).receive(step.seq, to, reply, this.init.now()))
              }, () => {})
            }
            return
          case 'wait':
            return
          case 'retry': {
            const wait = quorumBackoffMs(step.attempt, performance.now() - sentAt, deadline - performance.now(), random())
            if (wait === 0) { // a stale one-round-trip ballot, not contention
              queueMicrotask(() => { guarded(() => (op as CasOperation<R>).retry()) })
              return
            }
            if (wait === undefined) {
              finish(new QuorumUnavailableError(`the register ${JSON.stringify(key)} stayed contended for ${limitMs} ms (${step.attempt} rounds lost to higher ballots)`, { answered: this.members.length, members: this.members.length }))
              return
            }
            timer = setTimeout(() => { guarded(() => (op as CasOperation<R>).retry()) }, wait)
            return
          }
          case 'done':
            finish(undefined, step.result)
            return
          case 'unavailable': {
            if (step.overtaken === true) {
              finish(new QuorumUnavailableError(`the change of register ${JSON.stringify(key)} is in doubt: an earlier proposal of it may have been committed, and more changes than the register's history keeps followed, so it cannot tell; read the register to see`, { answered: step.answered, members: step.members, inDoubt: true }))
              return
            }
            const why = Object.entries(step.refusals).map(([r, n]) => `${n} refused (${r})`).join(', ')
            const doubt = step.inDoubt ? '; the change is in doubt: it may still take effect' : ''
            finish(new QuorumUnavailableError(`no majority of the ${step.members} quorum members for register ${JSON.stringify(key)}: ${step.answered} of ${step.members} answered${why === '' ? '' : `, ${why}`}, ${Math.floor(step.members / 2) + 1} needed${doubt}`, { answered: step.answered, members: step.members, inDoubt: step.inDoubt }))
          }
        }
      }
      const guarded = (next: () => CasStep<R>): void => {
        try {
          drive(next())
        } catch (err) {
          finish(err)
        }
      }
      guarded(() => {
        const started = this.proposer.start(key, change, this.members, this.init.now(), this.init.hint?.(key))
        op = started.op
        return started.step
      })
    })
  }
}

/**
 * The changes applied in turn as one change: each sees the state the one before it left, the
 * register's next state is the last one written (UNCHANGED when none wrote), and each gets its own
 * outcome (a change that throws fails alone, leaving the state as it found it).
 */
export function compose (changes: ReadonlyArray<Change<unknown>>): Change<Outcome[]> {
  return (current, now) => {
    let state: RegisterState | undefined = current
    let wrote = false
    const outcomes: Outcome[] = []
    for (const change of changes) {
      try {
        const { next, result } = change(liveState(state, now), now)
        if (next !== UNCHANGED) {
          state = next
          wrote = true
        }
        outcomes.push({ ok: true, value: result })
      } catch (error) {
        outcomes.push({ ok: false, error })
      }
    }
    return { next: wrote ? state : UNCHANGED, result: outcomes }
  }
}
