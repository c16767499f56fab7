/**
 * An in-memory linearizable register map standing in for the quorum engine, and a QueueHost
 * around it (quorum-mode queues use only `quorum`, `now`, `stamp` and the limits).
 */
import { formatTimestamp } from '../../../src/core/hlc.js'
import type { QueueHost, QuorumRegisters } from '../../../src/features/queues/host.js'
import type { RegisterState } from '../../../src/features/queues/quorum-state.js'

export class FakeQuorum implements QuorumRegisters {
  readonly registers = new Map<string, RegisterState>()
  rounds = 0
  constructor (private readonly now: () => number) {}

  async change<R> (key: string, fn: (current: RegisterState | undefined, now: number) => { next: RegisterState | undefined, result: R }): Promise<R> {
    await Promise.resolve() // another caller may run between two changes, as over a network
    this.rounds++
    const now = this.now()
    let current = this.registers.get(key)
    if (current?.expiresAt !== undefined && current.expiresAt <= now) current = undefined
    const { next, result } = fn(current, now)
    if (next === undefined) this.registers.delete(key)
    else this.registers.set(key, next)
    return result
  }
}

export function fakeQueueHost (clock: () => number, options: { maxValueBytes?: number } = {}): QueueHost & { quorum: FakeQuorum } {
  let counter = 0
  const unused = (): never => { throw new Error('a quorum-mode queue touched the gossip store') }
  return {
    node: 'node-a',
    maxValueBytes: options.maxValueBytes ?? 1024 * 1024,
    defaultTtlMs: 3_600_000,
    maxTtlMs: 86_400_000,
    now: clock,
    stamp: () => formatTimestamp({ wall: clock(), counter: counter++, node: 'node-a' }),
    writeStamped: unused,
    write: unused,
    erase: unused,
    get: unused,
    list: unused,
    watch: unused,
    subscribe: unused,
    quorum: new FakeQuorum(clock)
  }
}
