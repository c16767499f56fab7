/**
 * The conformance suite proves it can fail: run against stores with a planted bug each, the test
 * guarding that property fails (and the correct in-memory stores pass every test).
 */
import { describe, expect, it } from 'vitest'
import { runAgentStoreTests, type AgentStoresFixture, type Runner } from '../../src/agent-stores/conformance.js'
import { createMemorySessionStore, createMemoryStateStore, createMemoryStatisticsStore, type SessionStore, type StatisticsStore, type TokenUsage, type TurnData, type VersionedStateStore } from '../../src/agent-stores/index.js'

/** Runs the suite's tests in order, outside vitest; resolves with the names of those that failed. */
async function failures (setup: () => AgentStoresFixture): Promise<string[]> {
  const tests: Array<{ name: string, fn: () => Promise<void>, befores: Array<() => Promise<void>>, afters: Array<() => Promise<void>> }> = []
  const scopes: Array<{ name: string, befores: Array<() => Promise<void>>, afters: Array<() => Promise<void>> }> = []
  const runner: Runner = {
    describe: (name, body) => { scopes.push({ name, befores: [], afters: [] }); body(); scopes.pop() },
    it: (name, fn) => tests.push({ name: [...scopes.map(s => s.name), name].join(' > '), fn, befores: scopes.flatMap(s => s.befores), afters: scopes.flatMap(s => s.afters).reverse() }),
    beforeEach: fn => { scopes[scopes.length - 1].befores.push(fn) },
    afterEach: fn => { scopes[scopes.length - 1].afters.push(fn) }
  }
  runAgentStoreTests('planted', async () => setup(), { runner, convergeTimeout: 100 })
  const failed: string[] = []
  for (const t of tests) {
    try {
      for (const b of t.befores) await b()
      await t.fn()
    } catch {
      failed.push(t.name.split(' > ').pop() as string)
    } finally {
      for (const a of t.afters) await a()
    }
  }
  return failed
}

const good = (): AgentStoresFixture => ({ session: createMemorySessionStore(), statistics: createMemoryStatisticsStore(), state: createMemoryStateStore() })

/** Keeps the caller's objects: a reader changing what it read changes the history. */
function sharingSession (): SessionStore<any> {
  const held = new Map<string, any[]>()
  return {
    getMessages: async a => held.get(a) ?? [],
    addMessage: async (a, m) => { JSON.stringify(m) ?? (() => { throw Object.assign(new Error('x'), { name: 'InvalidValueError' }) })(); held.set(a, [...(held.get(a) ?? []), m]) },
    clearMessages: async a => { held.delete(a) }
  }
}

/** Read, await, write: concurrent adds overwrite each other. */
function racySession (): SessionStore<any> {
  const inner = createMemorySessionStore<any>()
  const lists = new Map<string, any[]>()
  return {
    getMessages: async a => inner.getMessages(a).then(() => structuredClone(lists.get(a) ?? [])),
    addMessage: async (a, m) => {
      await inner.getMessages(a) // validates the id
      const list = structuredClone(lists.get(a) ?? [])
      await new Promise(resolve => setTimeout(resolve, 1))
      lists.set(a, [...list, structuredClone(m)])
    },
    clearMessages: async a => { lists.delete(a) }
  }
}

/** Adds floats: 0.1 + 0.2 + 0.3 = 0.6000000000000001. */
function floatStatistics (): StatisticsStore {
  const inner = createMemoryStatisticsStore()
  const cost = new Map<string, number>()
  return {
    addTurn: async (a: string, t: TurnData) => { await inner.addTurn(a, t); cost.set(a, (cost.get(a) ?? 0) + t.cost) },
    getTotalCost: async (a: string) => cost.get(a) ?? 0,
    getTotalTokens: async (a: string): Promise<TokenUsage> => inner.getTotalTokens(a)
  }
}

/** Ignores `ifVersion`: the last writer silently wins. */
function blindState (): VersionedStateStore<any> {
  const inner = createMemoryStateStore<any>()
  return {
    ...inner,
    getVersioned: async a => inner.getVersioned(a),
    getState: async a => inner.getState(a),
    putState: async (a, s) => inner.putState(a, s),
    setState: async (a, s) => inner.setState(a, s),
    updateState: async (a, fn, o) => inner.updateState(a, fn, o),
    clearState: async a => inner.clearState(a)
  }
}

describe('the agent store conformance suite catches planted bugs', () => {
  it('passes the in-memory stores', async () => {
    expect(await failures(good)).toEqual([])
  })

  it('catches a store that hands out its own objects', async () => {
    expect(await failures(() => ({ ...good(), session: sharingSession() }))).toContain('keeps a copy: changing a message after adding it, or the array read, changes nothing stored')
  })

  it('catches a store that loses concurrent adds', async () => {
    expect(await failures(() => ({ ...good(), session: racySession() }))).toContain('keeps every message of a burst of concurrent adds, in the order they were called')
  })

  it('catches a float sum of costs', async () => {
    expect(await failures(() => ({ ...good(), statistics: floatStatistics() }))).toContain('sums cost exactly (0.1 + 0.2 + 0.3 is 0.6, not 0.6000000000000001) and tokens')
  })

  it('catches a state store that ignores ifVersion', async () => {
    const failed = await failures(() => ({ ...good(), state: blindState() }))
    expect(failed).toContain('a write conditional on the version read fails (VersionConflictError) once another writer changed it')
    expect(failed).toContain('a version never comes back: clear then set again does not match the old version')
  })
})
