/**
 * The plain in-memory agent stores: one process, nothing replicated, nothing durable. The
 * reference the conformance suite is written against, and what a desktop agent can start with.
 * Values are kept as JSON text, so what comes back is a copy, as from any other store.
 */
import { VersionConflictError } from './errors.js'
import { checkAgentId, checkIfVersion, checkPageLimit, checkTtl, throwIfAborted, toJson, totalsOf, turnRecord, turnUnits, updateLoop, type TurnUnits } from './values.js'
import type { MessagePage, PageOptions, PagedSessionStore, SetStateOptions, StoredMessage, TokenUsage, TurnData, TurnStatisticsStore, TurnTotals, Versioned, VersionedStateStore, WatchMessagesOptions } from './types.js'

export interface MemoryStoreOptions {
  /**
   * How long an agent's data lives after it was written, in ms: each message `ttl` after it was
   * added, the statistics and the state `ttl` after their last write. So an idle agent's data is
   * gone `ttl` after its last write. @default Infinity
   */
  ttl?: number
  /** The clock (ms). @default Date.now */
  now?: () => number
}

const cursorOf = (seq: number): string => seq.toString().padStart(16, '0')

interface Held { cursor: string, json: string, expiresAt: number }

class MemorySessionStore<M> implements PagedSessionStore<M> {
  private seq = 0
  private readonly agents = new Map<string, Held[]>()
  private readonly listeners = new Map<string, Set<(m: Held) => void>>()
  private readonly ttl: number
  private readonly now: () => number

  constructor (options: MemoryStoreOptions) {
    this.ttl = checkTtl(options.ttl) ?? Infinity
    this.now = options.now ?? Date.now
  }

  /** The agent's live messages (expired ones dropped). */
  private live (agentId: string): Held[] {
    const held = this.agents.get(agentId)
    if (held === undefined) return []
    const now = this.now()
    const first = held.findIndex(m => m.expiresAt > now)
    if (first !== 0) held.splice(0, first === -1 ? held.length : first)
    if (held.length === 0) this.agents.delete(agentId)
    return held
  }

  async getMessages (agentId: string): Promise<M[]> {
    checkAgentId(agentId)
    return this.live(agentId).map(m => JSON.parse(m.json) as M)
  }

  async addMessage (agentId: string, message: M): Promise<void> {
    checkAgentId(agentId)
    const held = { cursor: cursorOf(++this.seq), json: toJson(message, 'a message'), expiresAt: this.now() + this.ttl }
    const list = this.agents.get(agentId) ?? []
    list.push(held)
    this.agents.set(agentId, list)
    for (const listener of this.listeners.get(agentId) ?? []) listener(held)
  }

  async clearMessages (agentId: string): Promise<void> {
    checkAgentId(agentId)
    this.agents.delete(agentId)
  }

  async pageMessages (agentId: string, options: PageOptions = {}): Promise<MessagePage<M>> {
    checkAgentId(agentId)
    const limit = checkPageLimit(options.limit)
    throwIfAborted(options.signal)
    const after = options.after
    const rest = this.live(agentId).filter(m => after === undefined || m.cursor > after)
    const page = rest.slice(0, limit)
    const messages = page.map(m => ({ cursor: m.cursor, message: JSON.parse(m.json) as M }))
    return rest.length > limit ? { messages, next: page[page.length - 1].cursor } : { messages }
  }

  async * watchMessages (agentId: string, options: WatchMessagesOptions = {}): AsyncIterable<StoredMessage<M>> {
    checkAgentId(agentId)
    const { signal } = options
    const queue: Held[] = []
    let wake: (() => void) | undefined
    const listener = (m: Held): void => { queue.push(m); wake?.() }
    const onAbort = (): void => wake?.()
    let set = this.listeners.get(agentId)
    if (set === undefined) this.listeners.set(agentId, set = new Set())
    set.add(listener)
    signal?.addEventListener('abort', onAbort)
    try {
      let last = options.after
      if (last !== undefined) queue.unshift(...this.live(agentId).filter(m => m.cursor > (last as string)))
      while (signal?.aborted !== true) {
        const next = queue.shift()
        if (next === undefined) {
          await new Promise<void>(resolve => { wake = resolve })
          wake = undefined
          continue
        }
        if (last !== undefined && next.cursor <= last) continue
        if (next.expiresAt <= this.now()) continue
        last = next.cursor
        yield { cursor: next.cursor, message: JSON.parse(next.json) as M }
      }
    } finally {
      signal?.removeEventListener('abort', onAbort)
      set.delete(listener)
      if (set.size === 0) this.listeners.delete(agentId)
    }
  }
}

interface Stats { costMicros: number, input: number, output: number, durationMicros: number, turns: number, recorded: Map<string, TurnUnits & { turnId: string }>, expiresAt: number }

class MemoryStatisticsStore implements TurnStatisticsStore {
  private readonly agents = new Map<string, Stats>()
  private readonly ttl: number
  private readonly now: () => number

  constructor (options: MemoryStoreOptions) {
    this.ttl = checkTtl(options.ttl) ?? Infinity
    this.now = options.now ?? Date.now
  }

  private live (agentId: string): Stats | undefined {
    const stats = this.agents.get(agentId)
    if (stats !== undefined && stats.expiresAt <= this.now()) {
      this.agents.delete(agentId)
      return undefined
    }
    return stats
  }

  async addTurn (agentId: string, turn: TurnData): Promise<void> {
    checkAgentId(agentId)
    const u = turnUnits(turn)
    const stats = this.live(agentId) ?? { costMicros: 0, input: 0, output: 0, durationMicros: 0, turns: 0, recorded: new Map(), expiresAt: 0 }
    stats.expiresAt = this.now() + this.ttl
    this.agents.set(agentId, stats)
    if (u.turnId !== undefined) {
      if (stats.recorded.has(u.turnId)) return
      stats.recorded.set(u.turnId, { ...u, turnId: u.turnId })
    }
    stats.costMicros += u.costMicros
    stats.input += u.input
    stats.output += u.output
    stats.durationMicros += u.durationMicros
    stats.turns++
  }

  async getTotals (agentId: string): Promise<TurnTotals> {
    checkAgentId(agentId)
    return totalsOf(this.live(agentId) ?? { costMicros: 0, input: 0, output: 0, durationMicros: 0, turns: 0 })
  }

  async getTotalCost (agentId: string): Promise<number> {
    return (await this.getTotals(agentId)).cost
  }

  async getTotalTokens (agentId: string): Promise<TokenUsage> {
    return (await this.getTotals(agentId)).tokens
  }

  async getTurns (agentId: string): Promise<Array<Required<TurnData>>> {
    checkAgentId(agentId)
    const recorded = [...(this.live(agentId)?.recorded.values() ?? [])]
    return recorded.sort((a, b) => a.turnId < b.turnId ? -1 : a.turnId > b.turnId ? 1 : 0).map(turnRecord)
  }

  async clearStatistics (agentId: string): Promise<void> {
    checkAgentId(agentId)
    this.agents.delete(agentId)
  }
}

/** Versions are unique in the process, so a state cleared and set again never matches an old version. */
let versions = 0

class MemoryStateStore<S> implements VersionedStateStore<S> {
  private readonly agents = new Map<string, { json: string, version: string, expiresAt: number }>()
  private readonly ttl: number
  private readonly now: () => number

  constructor (options: MemoryStoreOptions) {
    this.ttl = checkTtl(options.ttl) ?? Infinity
    this.now = options.now ?? Date.now
  }

  private live (agentId: string): { json: string, version: string } | undefined {
    const held = this.agents.get(agentId)
    if (held !== undefined && held.expiresAt <= this.now()) {
      this.agents.delete(agentId)
      return undefined
    }
    return held
  }

  async getVersioned (agentId: string): Promise<Versioned<S> | undefined> {
    checkAgentId(agentId)
    const held = this.live(agentId)
    return held === undefined ? undefined : { state: JSON.parse(held.json) as S, version: held.version }
  }

  async getState (agentId: string): Promise<S | undefined> {
    return (await this.getVersioned(agentId))?.state
  }

  private check (agentId: string, options: SetStateOptions): void {
    checkAgentId(agentId)
    checkIfVersion(options.ifVersion)
    throwIfAborted(options.signal)
    if (options.ifVersion === undefined) return
    const actual = this.live(agentId)?.version ?? null
    if (actual !== options.ifVersion) throw new VersionConflictError(agentId, options.ifVersion, actual)
  }

  async putState (agentId: string, state: S, options: SetStateOptions = {}): Promise<string> {
    const json = toJson(state, 'a state')
    this.check(agentId, options)
    const version = `m${++versions}`
    this.agents.set(agentId, { json, version, expiresAt: this.now() + this.ttl })
    return version
  }

  async setState (agentId: string, state: S, options: SetStateOptions = {}): Promise<void> {
    await this.putState(agentId, state, options)
  }

  async updateState (agentId: string, fn: (current: S | undefined) => S, options: { attempts?: number, signal?: AbortSignal } = {}): Promise<S> {
    checkAgentId(agentId)
    return updateLoop(agentId, fn, async () => this.getVersioned(agentId), async (state, ifVersion) => this.putState(agentId, state, { ifVersion, signal: options.signal }), options)
  }

  async clearState (agentId: string, options: SetStateOptions = {}): Promise<void> {
    this.check(agentId, options)
    this.agents.delete(agentId)
  }
}

/** In-memory message history (paging, watch, per-message TTL). */
export function createMemorySessionStore<M = unknown> (options: MemoryStoreOptions = {}): PagedSessionStore<M> {
  return new MemorySessionStore<M>(options)
}

/** In-memory statistics (totals in integer micro-units, idempotent per `turnId`). */
export function createMemoryStatisticsStore (options: MemoryStoreOptions = {}): TurnStatisticsStore {
  return new MemoryStatisticsStore(options)
}

/** In-memory state with versions for conditional writes. */
export function createMemoryStateStore<S = unknown> (options: MemoryStoreOptions = {}): VersionedStateStore<S> {
  return new MemoryStateStore<S>(options)
}
