/**
 * `meshkv/agent-stores`: the stores a stateless agent engine persists through (message history,
 * statistics, conversation state), over a mesh every engine embeds, or in memory. See
 * docs/agent-stores.md.
 *
 * @example
 * ```ts
 * import { createMesh } from 'meshkv'
 * import { createMemorySessionStore } from 'meshkv/agent-stores'
 * const session = createMemorySessionStore<{ role: string, content: string }>()
 * await session.addMessage('agent-1', { role: 'user', content: 'hello' })
 * ```
 */
export type {
  SessionStore, StatisticsStore, StateStore, TokenUsage, TurnData,
  PagedSessionStore, StoredMessage, PageOptions, MessagePage, WatchMessagesOptions,
  TurnStatisticsStore, TurnTotals, VersionedStateStore, Versioned, SetStateOptions
} from './types.js'
export { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT, DEFAULT_UPDATE_ATTEMPTS } from './types.js'
export { VersionConflictError } from './errors.js'
export { MAX_AGENT_ID_LENGTH } from './values.js'
export { createMemorySessionStore, createMemoryStatisticsStore, createMemoryStateStore, type MemoryStoreOptions } from './memory.js'
export { createSessionStore } from './mesh-session.js'
export { createStatisticsStore } from './mesh-statistics.js'
export { createStateStore } from './mesh-state.js'
export { DEFAULT_AGENT_PREFIX, DEFAULT_AGENT_REPLICAS, type MeshStoreOptions } from './mesh-keys.js'
