/**
 * The three stores a stateless agent engine persists through (AgentX's SessionStore,
 * StatisticsStore and StateStore), exactly as agent frameworks declare them, plus what users of
 * such stores expect: paging, watch, per-turn records, versioned state. Every implementation
 * (in-memory, meshkv, an adopter's own) passes the conformance suite
 * (`meshkv/agent-stores/conformance`).
 *
 * Messages and states are any JSON-serialisable values: what `JSON.parse(JSON.stringify(x))`
 * gives back equal (plain objects, arrays, strings, finite numbers, booleans, null).
 */

/** Message history of each agent (AgentX `SessionStore`). */
export interface SessionStore<M = unknown> {
  /** Every message of the agent, oldest first; [] when it has none. */
  getMessages: (agentId: string) => Promise<M[]>
  /** Appends a message; resolves once it is as safe as the store promises (see the implementation). */
  addMessage: (agentId: string, message: M) => Promise<void>
  /** Forgets every message of the agent. */
  clearMessages: (agentId: string) => Promise<void>
}

/** Tokens of a turn, or the totals of an agent. */
export interface TokenUsage {
  /** Prompt (input) tokens: a safe non-negative integer. */
  input: number
  /** Completion (output) tokens: a safe non-negative integer. */
  output: number
}

/** What one turn (one model call and its handling) cost. */
export interface TurnData {
  /**
   * Names the turn. An `addTurn` whose `turnId` the agent already has counts nothing, so a
   * retried request does not count twice. Without it every call counts.
   */
  turnId?: string
  /** Cost in currency units (say USD): finite, >= 0, kept to 1e-6 (micro-units, see the docs). */
  cost: number
  tokens: TokenUsage
  /** Wall time of the turn in milliseconds: finite, >= 0, kept to 1e-3 ms. */
  durationMs: number
}

/** Cost, tokens and duration per turn, summed per agent (AgentX `StatisticsStore`). */
export interface StatisticsStore {
  /** Sum of the agent's turns' cost (0 when none). */
  getTotalCost: (agentId: string) => Promise<number>
  /** Sums of the agent's turns' tokens ({ input: 0, output: 0 } when none). */
  getTotalTokens: (agentId: string) => Promise<TokenUsage>
  /** Counts a turn into the agent's totals (and records it). */
  addTurn: (agentId: string, turn: TurnData) => Promise<void>
}

/** The current conversation state of each agent (AgentX `StateStore`). */
export interface StateStore<S = unknown> {
  /** The agent's state; undefined when it has none (never set, expired or cleared). */
  getState: (agentId: string) => Promise<S | undefined>
  /** Replaces the agent's state (last writer wins unless `ifVersion` is given: see {@link VersionedStateStore}). */
  setState: (agentId: string, state: S) => Promise<void>
}

// ---- what users of such stores expect beyond the three interfaces ---------------------------------

/** A stored message and where it sits in the history. */
export interface StoredMessage<M = unknown> {
  /** Opaque position: pass as `after` to read or watch what follows. Sorts in history order as a string. */
  cursor: string
  message: M
}

export interface PageOptions {
  /** Only messages after this cursor (exclusive). @default the beginning */
  after?: string
  /** Most messages in the page: an integer from 1 to 10,000. @default 100 */
  limit?: number
  signal?: AbortSignal
}

export interface MessagePage<M = unknown> {
  messages: Array<StoredMessage<M>>
  /** Pass as `after` for the next page; absent when this page reached the end of the history. */
  next?: string
}

export interface WatchMessagesOptions {
  /** Start after this cursor (exclusive): messages already there after it come first. @default only new messages */
  after?: string
  /** Ends the iteration. */
  signal?: AbortSignal
}

/** A {@link SessionStore} with paging and watch. */
export interface PagedSessionStore<M = unknown> extends SessionStore<M> {
  /** One page of the agent's history, oldest first. */
  pageMessages: (agentId: string, options?: PageOptions) => Promise<MessagePage<M>>
  /**
   * Messages added to the agent's history from now on (or after `after`, those first). Each comes
   * once; one writer's in their order. On a mesh, a message written elsewhere comes when it reaches
   * this node, so two engines' messages may come in another order than `getMessages` gives.
   */
  watchMessages: (agentId: string, options?: WatchMessagesOptions) => AsyncIterable<StoredMessage<M>>
}

/** The totals of an agent's turns. */
export interface TurnTotals {
  cost: number
  tokens: TokenUsage
  durationMs: number
  /** How many turns were counted. */
  turns: number
}

/** A {@link StatisticsStore} that also gives every recorded turn and all totals at once. */
export interface TurnStatisticsStore extends StatisticsStore {
  /** Every turn that has a `turnId`, in the order of their ids (string order). */
  getTurns: (agentId: string) => Promise<Array<Required<TurnData>>>
  getTotals: (agentId: string) => Promise<TurnTotals>
  /** Forgets the agent's totals and turns. */
  clearStatistics: (agentId: string) => Promise<void>
}

/** A state with the version it was read at. */
export interface Versioned<S = unknown> {
  state: S
  /** Opaque; changes on every successful setState of the agent. */
  version: string
}

export interface SetStateOptions {
  /**
   * Writes only if the agent's state is still at this version (from {@link VersionedStateStore.getVersioned});
   * `null`: only if the agent has no state. Otherwise VersionConflictError, and nothing is written.
   * @default unconditional (last writer wins)
   */
  ifVersion?: string | null
  signal?: AbortSignal
}

/** A {@link StateStore} whose writes can be made conditional on the version read. */
export interface VersionedStateStore<S = unknown> extends StateStore<S> {
  getVersioned: (agentId: string) => Promise<Versioned<S> | undefined>
  /** Replaces the agent's state, conditionally with `ifVersion`. */
  setState: (agentId: string, state: S, options?: SetStateOptions) => Promise<void>
  /** Like setState, resolving with the version written. */
  putState: (agentId: string, state: S, options?: SetStateOptions) => Promise<string>
  /**
   * Read-modify-write: reads the state, applies `fn`, writes conditionally on the version read,
   * and retries on VersionConflictError (up to `attempts`). Resolves with what was written.
   */
  updateState: (agentId: string, fn: (current: S | undefined) => S, options?: { attempts?: number, signal?: AbortSignal }) => Promise<S>
  /** Forgets the agent's state (conditionally with `ifVersion`). */
  clearState: (agentId: string, options?: SetStateOptions) => Promise<void>
}

/** How many times updateState tries before letting VersionConflictError through. @default 10 */
export const DEFAULT_UPDATE_ATTEMPTS = 10
/** Messages per page. @default 100 */
export const DEFAULT_PAGE_LIMIT = 100
/** Most messages per page. */
export const MAX_PAGE_LIMIT = 10_000
