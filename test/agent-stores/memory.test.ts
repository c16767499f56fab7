import { runAgentStoreTests } from '../../src/agent-stores/conformance.js'
import { createMemorySessionStore, createMemoryStateStore, createMemoryStatisticsStore } from '../../src/agent-stores/memory.js'

runAgentStoreTests('in-memory', async ({ ttl }) => {
  let now = 1_700_000_000_000
  const clock = { now: () => now, ttl }
  return {
    session: createMemorySessionStore(clock),
    statistics: createMemoryStatisticsStore(clock),
    state: createMemoryStateStore(clock),
    advance: async (ms: number) => { now += ms }
  }
})
