/**
 * The conformance suite of the agent stores (the automerge-repo `runStorageAdapterTests` habit):
 * every implementation of SessionStore, StatisticsStore and StateStore, meshkv's, the in-memory
 * one, or an adopter's own, passes it. Call it from a vitest test file:
 *
 * ```ts
 * import { runAgentStoreTests } from 'meshkv/agent-stores/conformance'
 * runAgentStoreTests('my stores', async ({ ttl }) => ({ session, statistics, state, close }))
 * ```
 *
 * The base interfaces are always tested; paging, watch, per-turn records, versions and TTL
 * whenever the stores have them (the method exists, or the fixture can move the clock).
 */
import * as vitest from 'vitest'
import type { AgentStores, AgentStoresFixture, FixtureOptions, Runner, SuiteOptions } from './conformance/fixture.js'
import { eventually, type Suite } from './conformance/suite.js'
import { sessionTests } from './conformance/session.js'
import { statisticsTests } from './conformance/statistics.js'
import { stateTests } from './conformance/state.js'
import { ttlTests } from './conformance/ttl.js'

export type { TestMessage, TestState, AgentStores, AgentStoresFixture, FixtureOptions, SuiteOptions, Runner } from './conformance/fixture.js'

export function runAgentStoreTests (name: string, setup: (options: FixtureOptions) => Promise<AgentStoresFixture>, suite: SuiteOptions = {}): void {
  const runner = suite.runner ?? (vitest as unknown as Runner)
  let agentSeq = 0
  const c: Suite = {
    runner,
    setup,
    f: undefined as unknown as AgentStoresFixture,
    views: [],
    converge: suite.convergeTimeout ?? 10_000,
    atomic: suite.atomicAcrossViews ?? true,
    agent: (label = 'agent') => `${label}-${process.pid}-${Date.now().toString(36)}-${++agentSeq}`,
    onReplicas: async (check: (v: AgentStores) => Promise<void>) => {
      for (const v of c.f.replicas ?? []) await eventually(async () => check(v), c.converge)
    }
  }

  runner.describe(`agent stores conformance: ${name}`, () => {
    runner.beforeEach(async () => { c.f = await setup({}); c.views = [c.f, ...(c.f.replicas ?? [])] })
    runner.afterEach(async () => { await c.f.close?.() })
    sessionTests(c)
    statisticsTests(c)
    stateTests(c)
    ttlTests(c)
  })
}
