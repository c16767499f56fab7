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
import { expect } from 'vitest'
import type { PagedSessionStore, SessionStore, StateStore, StatisticsStore, TurnStatisticsStore, VersionedStateStore } from './types.js'

/** The message and state types the suite stores. */
export interface TestMessage { role: 'user' | 'assistant' | 'tool', content: string, n?: number, meta?: { tags: string[], score: number | null } }
export interface TestState { step: number, notes: string[], done?: boolean }

export interface AgentStores {
  session: SessionStore<TestMessage> | PagedSessionStore<TestMessage>
  statistics: StatisticsStore | TurnStatisticsStore
  state: StateStore<TestState> | VersionedStateStore<TestState>
}

export interface AgentStoresFixture extends AgentStores {
  /**
   * Other views of the same data (the same stores on other nodes of a mesh, other engines): what
   * is written through the stores above must read the same through each, eventually.
   */
  replicas?: AgentStores[]
  /** Moves the stores' clock forward by `ms`. Without it the TTL tests are not run. */
  advance?: (ms: number) => Promise<void>
  close?: () => Promise<void>
}

export interface FixtureOptions {
  /** The TTL of each agent's data the stores must be created with (TTL tests only). */
  ttl?: number
}

export interface SuiteOptions {
  /** How long a replica may take to show a write, in ms. @default 10_000 */
  convergeTimeout?: number
  /**
   * Whether conditional writes (`setState` with `ifVersion`, a repeated `turnId`) are decided
   * atomically across views (meshkv's quorum mode, a database). When false (meshkv's gossip mode:
   * checked on each node's replica), the tests of those guarantees run on the first view only.
   * @default true
   */
  atomicAcrossViews?: boolean
  /** The test functions to register with. @default vitest's */
  runner?: Runner
}

/** What the suite registers its tests with (vitest's functions by default). */
export interface Runner {
  describe: (name: string, body: () => void) => void
  it: (name: string, fn: () => Promise<void>) => void
  beforeEach: (fn: () => Promise<void>) => void
  afterEach: (fn: () => Promise<void>) => void
}

const sleep = async (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

/** Polls `check` until it passes or `timeout` ms have passed (then throws its last failure). */
async function eventually (check: () => Promise<void>, timeout: number): Promise<void> {
  const deadline = Date.now() + timeout
  for (;;) {
    try {
      await check()
      return
    } catch (err) {
      if (Date.now() > deadline) throw err
      await sleep(25)
    }
  }
}

async function rejectsNamed (promise: Promise<unknown>, name: string): Promise<void> {
  let thrown: unknown
  try { await promise } catch (err) { thrown = err }
  expect(thrown, `expected ${name}`).toBeInstanceOf(Error)
  expect((thrown as Error).name).toBe(name)
}

const msg = (n: number, role: TestMessage['role'] = n % 2 === 0 ? 'user' : 'assistant'): TestMessage => ({ role, content: `message ${n} ✓ "quoted" \\ ${'x'.repeat(n % 7)}`, n })

const isPaged = (s: AgentStores['session']): s is PagedSessionStore<TestMessage> => typeof (s as Partial<PagedSessionStore>).pageMessages === 'function'
const isTurnStats = (s: AgentStores['statistics']): s is TurnStatisticsStore => typeof (s as Partial<TurnStatisticsStore>).getTotals === 'function'
const isVersioned = (s: AgentStores['state']): s is VersionedStateStore<TestState> => typeof (s as Partial<VersionedStateStore>).getVersioned === 'function'

export function runAgentStoreTests (name: string, setup: (options: FixtureOptions) => Promise<AgentStoresFixture>, suite: SuiteOptions = {}): void {
  const converge = suite.convergeTimeout ?? 10_000
  const atomic = suite.atomicAcrossViews ?? true
  const { describe, it, beforeEach, afterEach } = suite.runner ?? (vitest as unknown as Runner)

  describe(`agent stores conformance: ${name}`, () => {
    let f: AgentStoresFixture
    let views: AgentStores[]
    let agentSeq = 0
    /** A fresh agent id per test, so fixtures may be shared across tests. */
    const agent = (label = 'agent'): string => `${label}-${process.pid}-${Date.now().toString(36)}-${++agentSeq}`
    /** Runs `check` on every replica until it passes. */
    const onReplicas = async (check: (v: AgentStores) => Promise<void>): Promise<void> => {
      for (const v of f.replicas ?? []) await eventually(async () => check(v), converge)
    }
    beforeEach(async () => { f = await setup({}); views = [f, ...(f.replicas ?? [])] })
    afterEach(async () => { await f.close?.() })

    describe('SessionStore', () => {
      it('an agent without messages has none', async () => {
        expect(await f.session.getMessages(agent())).toEqual([])
      })

      it('gives back every message added, oldest first, equal to what was added', async () => {
        const a = agent()
        const added = [msg(0), msg(1), { role: 'tool' as const, content: '', meta: { tags: ['a', 'b'], score: null } }, msg(3)]
        for (const m of added) await f.session.addMessage(a, m)
        expect(await f.session.getMessages(a)).toEqual(added)
        await onReplicas(async v => { expect(await v.session.getMessages(a)).toEqual(added) })
      })

      it('keeps a copy: changing a message after adding it, or the array read, changes nothing stored', async () => {
        const a = agent()
        const m = msg(1)
        await f.session.addMessage(a, m)
        m.content = 'changed'
        const read = await f.session.getMessages(a)
        read[0].content = 'changed too'
        read.push(msg(9))
        expect(await f.session.getMessages(a)).toEqual([msg(1)])
      })

      it('keeps agents apart, whatever their ids look like', async () => {
        const base = agent()
        const ids = [base, `${base}/x`, `${base} x`, `${base}%2Fx`, `${base}:é🙂`]
        for (const [i, id] of ids.entries()) await f.session.addMessage(id, msg(i))
        for (const [i, id] of ids.entries()) expect(await f.session.getMessages(id)).toEqual([msg(i)])
      })

      it('keeps every message of a burst of concurrent adds, in the order they were called', async () => {
        const a = agent()
        const added = Array.from({ length: 30 }, (_, i) => msg(i))
        await Promise.all(added.map(async m => f.session.addMessage(a, m)))
        expect(await f.session.getMessages(a)).toEqual(added)
        await onReplicas(async v => { expect(await v.session.getMessages(a)).toEqual(added) })
      })

      it('keeps every message written through several views (engines) at once', async () => {
        const a = agent()
        const added = views.flatMap((_, w) => Array.from({ length: 5 }, (_, i) => msg(w * 100 + i)))
        await Promise.all(views.map(async (v, w) => { for (let i = 0; i < 5; i++) await v.session.addMessage(a, msg(w * 100 + i)) }))
        const byN = (ms: TestMessage[]): TestMessage[] => [...ms].sort((x, y) => (x.n ?? 0) - (y.n ?? 0))
        for (const v of views) {
          await eventually(async () => {
            const got = await v.session.getMessages(a)
            expect(byN(got)).toEqual(byN(added))
            // each writer's own messages keep their order
            for (let w = 0; w < views.length; w++) expect(got.filter(m => Math.floor((m.n ?? 0) / 100) === w)).toEqual(added.slice(w * 5, w * 5 + 5))
          }, converge)
        }
        // and every view gives the same order
        const first = await views[0].session.getMessages(a)
        for (const v of views) expect(await v.session.getMessages(a)).toEqual(first)
      })

      it('clearMessages forgets that agent only, and the agent can start again', async () => {
        const a = agent()
        const b = agent()
        await f.session.addMessage(a, msg(1))
        await f.session.addMessage(a, msg(2))
        await f.session.addMessage(b, msg(3))
        await f.session.clearMessages(a)
        expect(await f.session.getMessages(a)).toEqual([])
        expect(await f.session.getMessages(b)).toEqual([msg(3)])
        await onReplicas(async v => { expect(await v.session.getMessages(a)).toEqual([]) })
        await f.session.addMessage(a, msg(4))
        expect(await f.session.getMessages(a)).toEqual([msg(4)])
        await onReplicas(async v => { expect(await v.session.getMessages(a)).toEqual([msg(4)]) })
      })

      it('refuses a bad agent id (InvalidKeyError) and a value JSON cannot carry (InvalidValueError)', async () => {
        await rejectsNamed(f.session.addMessage('', msg(1)), 'InvalidKeyError')
        await rejectsNamed(f.session.getMessages(42 as unknown as string), 'InvalidKeyError')
        await rejectsNamed(f.session.addMessage(agent(), 10n as unknown as TestMessage), 'InvalidValueError')
        await rejectsNamed(f.session.addMessage(agent(), undefined as unknown as TestMessage), 'InvalidValueError')
      })
    })

    describe('paging and watch', () => {
      it('pages a long history: pages of `limit`, in order, cursors increasing, together the whole history', async () => {
        if (!isPaged(f.session)) return
        const s = f.session
        const a = agent()
        const added = Array.from({ length: 250 }, (_, i) => msg(i))
        for (const m of added) await s.addMessage(a, m)
        const pages = []
        let after: string | undefined
        do {
          const page = await s.pageMessages(a, { after, limit: 100 })
          pages.push(page)
          after = page.next
        } while (after !== undefined)
        expect(pages.map(p => p.messages.length)).toEqual([100, 100, 50])
        const all = pages.flatMap(p => p.messages)
        expect(all.map(m => m.message)).toEqual(added)
        const cursors = all.map(m => m.cursor)
        expect([...cursors].sort()).toEqual(cursors)
        expect(new Set(cursors).size).toBe(cursors.length)
        expect(await s.pageMessages(a, { after: cursors[cursors.length - 1] })).toEqual({ messages: [] })
        expect((await s.pageMessages(a, { after: cursors[9], limit: 3 })).messages.map(m => m.message)).toEqual(added.slice(10, 13))
        expect((await s.pageMessages(a)).messages).toHaveLength(100)
      })

      it('refuses a page limit out of range (InvalidOptionError)', async () => {
        if (!isPaged(f.session)) return
        for (const limit of [0, -1, 1.5, 10_001, Number.NaN]) await rejectsNamed(f.session.pageMessages(agent(), { limit }), 'InvalidOptionError')
      })

      it('watch from a cursor gives what follows it, in order, on every view, and ends on abort', async () => {
        if (!isPaged(f.session)) return
        const a = agent()
        await f.session.addMessage(a, msg(0))
        const after = (await f.session.pageMessages(a)).messages[0].cursor
        const watchers = views.map(v => v.session).filter(isPaged).map(s => {
          const controller = new AbortController()
          const seen: TestMessage[] = []
          const done = (async () => {
            for await (const m of s.watchMessages(a, { after, signal: controller.signal })) {
              seen.push(m.message)
              if (seen.length === 3) controller.abort()
            }
          })()
          return { seen, done }
        })
        for (let i = 1; i <= 3; i++) await f.session.addMessage(a, msg(i))
        for (const w of watchers) {
          await w.done
          expect(w.seen).toEqual([msg(1), msg(2), msg(3)])
        }
      })

      it('watch without a cursor gives new messages only, not the history', async () => {
        if (!isPaged(f.session)) return
        const s = f.session
        const a = agent()
        await s.addMessage(a, msg(0))
        const controller = new AbortController()
        const seen: TestMessage[] = []
        const done = (async () => {
          for await (const m of s.watchMessages(a, { signal: controller.signal })) {
            seen.push(m.message)
            controller.abort()
          }
        })()
        // when the watch is in place is the store's business: add until it has seen one
        for (let i = 1; seen.length === 0 && i < 400; i++) {
          await s.addMessage(a, msg(i))
          await sleep(25)
        }
        controller.abort()
        await done
        expect(seen).toHaveLength(1)
        expect(seen[0].n).toBeGreaterThan(0)
      })

      it('watch from a cursor gives what follows it first, then new messages', async () => {
        if (!isPaged(f.session)) return
        const s = f.session
        const a = agent()
        for (let i = 0; i < 4; i++) await s.addMessage(a, msg(i))
        const { messages } = await s.pageMessages(a)
        const controller = new AbortController()
        const seen: TestMessage[] = []
        const done = (async () => {
          for await (const m of s.watchMessages(a, { after: messages[1].cursor, signal: controller.signal })) {
            seen.push(m.message)
            if (seen.length === 3) controller.abort()
          }
        })()
        await s.addMessage(a, msg(4))
        await done
        expect(seen).toEqual([msg(2), msg(3), msg(4)])
      })
    })

    describe('StatisticsStore', () => {
      it('an agent without turns totals zero', async () => {
        const a = agent()
        expect(await f.statistics.getTotalCost(a)).toBe(0)
        expect(await f.statistics.getTotalTokens(a)).toEqual({ input: 0, output: 0 })
      })

      it('sums cost exactly (0.1 + 0.2 + 0.3 is 0.6, not 0.6000000000000001) and tokens', async () => {
        const a = agent()
        for (const [i, cost] of [0.1, 0.2, 0.3].entries()) await f.statistics.addTurn(a, { cost, tokens: { input: 100 + i, output: 10 * i }, durationMs: 1.5 })
        expect(await f.statistics.getTotalCost(a)).toBe(0.6)
        expect(await f.statistics.getTotalTokens(a)).toEqual({ input: 303, output: 30 })
        await onReplicas(async v => {
          expect(await v.statistics.getTotalCost(a)).toBe(0.6)
          expect(await v.statistics.getTotalTokens(a)).toEqual({ input: 303, output: 30 })
        })
      })

      it('gives the same exact totals whatever the order and whichever view counted each turn', async () => {
        const a = agent()
        const costs = Array.from({ length: 40 }, (_, i) => ((i * 7919) % 1000) / 997 + 0.000001 * i)
        const expectedMicros = costs.reduce((s, c) => s + Math.round(c * 1e6), 0)
        await Promise.all(costs.map(async (cost, i) => views[i % views.length].statistics.addTurn(a, { cost, tokens: { input: i, output: 1 }, durationMs: i })))
        for (const v of views) {
          await eventually(async () => {
            expect(await v.statistics.getTotalCost(a)).toBe(expectedMicros / 1e6)
            expect(await v.statistics.getTotalTokens(a)).toEqual({ input: 780, output: 40 })
          }, converge)
        }
      })

      it('counts a turn once however often it is added with the same turnId', async () => {
        const a = agent()
        const turn = { turnId: 't-1', cost: 0.25, tokens: { input: 10, output: 5 }, durationMs: 100 }
        await f.statistics.addTurn(a, turn)
        await f.statistics.addTurn(a, turn)
        await ((atomic ? f.replicas?.[0] : undefined) ?? f).statistics.addTurn(a, turn)
        await f.statistics.addTurn(a, { ...turn, turnId: 't-2' })
        for (const v of views) {
          await eventually(async () => {
            expect(await v.statistics.getTotalCost(a)).toBe(0.5)
            expect(await v.statistics.getTotalTokens(a)).toEqual({ input: 20, output: 10 })
          }, converge)
        }
      })

      it('records each turn with an id, and gives all totals at once', async () => {
        if (!isTurnStats(f.statistics)) return
        const s = f.statistics
        const a = agent()
        await s.addTurn(a, { turnId: 'b', cost: 0.0000014, tokens: { input: 1, output: 2 }, durationMs: 3.0004 })
        await s.addTurn(a, { turnId: 'a', cost: 1, tokens: { input: 4, output: 5 }, durationMs: 6 })
        await s.addTurn(a, { cost: 2, tokens: { input: 0, output: 0 }, durationMs: 0 })
        expect(await s.getTurns(a)).toEqual([
          { turnId: 'a', cost: 1, tokens: { input: 4, output: 5 }, durationMs: 6 },
          { turnId: 'b', cost: 0.000001, tokens: { input: 1, output: 2 }, durationMs: 3 }
        ])
        expect(await s.getTotals(a)).toEqual({ cost: 3.000001, tokens: { input: 5, output: 7 }, durationMs: 9, turns: 3 })
        await s.clearStatistics(a)
        expect(await s.getTotals(a)).toEqual({ cost: 0, tokens: { input: 0, output: 0 }, durationMs: 0, turns: 0 })
        expect(await s.getTurns(a)).toEqual([])
        for (const v of views.map(v => v.statistics).filter(isTurnStats)) {
          await eventually(async () => { expect(await v.getTotals(a)).toEqual({ cost: 0, tokens: { input: 0, output: 0 }, durationMs: 0, turns: 0 }) }, converge)
        }
      })

      it('refuses a malformed turn (InvalidValueError) and counts nothing of it', async () => {
        const a = agent()
        const ok = { cost: 1, tokens: { input: 1, output: 1 }, durationMs: 1 }
        const bad = [
          { ...ok, cost: -1 }, { ...ok, cost: Number.NaN }, { ...ok, cost: Infinity }, { ...ok, cost: '1' },
          { ...ok, tokens: { input: 1.5, output: 1 } }, { ...ok, tokens: { input: 1, output: -1 } }, { ...ok, tokens: null },
          { ...ok, durationMs: -0.5 }, { ...ok, turnId: '' }, null
        ]
        for (const turn of bad) await rejectsNamed(f.statistics.addTurn(a, turn as never), 'InvalidValueError')
        expect(await f.statistics.getTotalCost(a)).toBe(0)
        expect(await f.statistics.getTotalTokens(a)).toEqual({ input: 0, output: 0 })
      })
    })

    describe('StateStore', () => {
      it('an agent without state has undefined; a state set reads back equal, as a copy', async () => {
        const a = agent()
        expect(await f.state.getState(a)).toBeUndefined()
        const s: TestState = { step: 1, notes: ['a', 'ü'] }
        await f.state.setState(a, s)
        s.notes.push('changed')
        expect(await f.state.getState(a)).toEqual({ step: 1, notes: ['a', 'ü'] })
        await f.state.setState(a, { step: 2, notes: [], done: true })
        expect(await f.state.getState(a)).toEqual({ step: 2, notes: [], done: true })
        await onReplicas(async v => { expect(await v.state.getState(a)).toEqual({ step: 2, notes: [], done: true }) })
      })

      it('refuses a bad agent id and a state JSON cannot carry', async () => {
        await rejectsNamed(f.state.setState('', { step: 1, notes: [] }), 'InvalidKeyError')
        await rejectsNamed(f.state.setState(agent(), (() => 1) as unknown as TestState), 'InvalidValueError')
      })

      it('a write conditional on the version read fails (VersionConflictError) once another writer changed it', async () => {
        if (!isVersioned(f.state)) return
        const s = f.state
        const a = agent()
        expect(await s.getVersioned(a)).toBeUndefined()
        const v1 = await s.putState(a, { step: 1, notes: [] }, { ifVersion: null })
        await rejectsNamed(s.putState(a, { step: 9, notes: [] }, { ifVersion: null }), 'VersionConflictError')
        expect(await s.getVersioned(a)).toEqual({ state: { step: 1, notes: [] }, version: v1 })
        const other = ((atomic ? f.replicas?.[0]?.state : undefined) ?? s) as VersionedStateStore<TestState>
        let seen: string | undefined
        await eventually(async () => { seen = (await other.getVersioned(a))?.version; expect(seen).toBe(v1) }, converge)
        const v2 = await other.putState(a, { step: 2, notes: ['other'] }, { ifVersion: v1 })
        expect(v2).not.toBe(v1)
        await rejectsNamed(s.setState(a, { step: 3, notes: ['lost'] }, { ifVersion: v1 }), 'VersionConflictError')
        await eventually(async () => { expect(await s.getVersioned(a)).toEqual({ state: { step: 2, notes: ['other'] }, version: v2 }) }, converge)
        await s.setState(a, { step: 3, notes: ['kept'] }, { ifVersion: v2 })
        expect(await s.getState(a)).toEqual({ step: 3, notes: ['kept'] })
      })

      it('a version never comes back: clear then set again does not match the old version', async () => {
        if (!isVersioned(f.state)) return
        const s = f.state
        const a = agent()
        const v1 = await s.putState(a, { step: 1, notes: [] })
        await s.clearState(a, { ifVersion: v1 })
        expect(await s.getState(a)).toBeUndefined()
        await s.putState(a, { step: 1, notes: [] })
        await rejectsNamed(s.setState(a, { step: 2, notes: [] }, { ifVersion: v1 }), 'VersionConflictError')
        await rejectsNamed(s.clearState(a, { ifVersion: v1 }), 'VersionConflictError')
        expect(await s.getState(a)).toEqual({ step: 1, notes: [] })
      })

      it('concurrent updateState from every view loses no update', async () => {
        if (!isVersioned(f.state)) return
        const a = agent()
        const stores = (atomic ? views : [f]).map(v => v.state).filter(isVersioned)
        const per = 4
        // safety, not liveness: an update that resolved is never lost; one that failed with the
        // store's named "no majority / contended" error (QuorumUnavailableError) may or may not be in
        const resolved: string[] = []
        await Promise.all(stores.map(async (s, w) => {
          for (let i = 0; i < per; i++) {
            const note = `${w}.${i}`
            try {
              await s.updateState(a, cur => ({ step: (cur?.step ?? 0) + 1, notes: [...(cur?.notes ?? []), note] }), { attempts: 100 })
              resolved.push(note)
            } catch (err) {
              if ((err as Error).name !== 'QuorumUnavailableError') throw err
            }
          }
        }))
        expect(resolved.length).toBeGreaterThan(0)
        const attempted = stores.flatMap((_, w) => Array.from({ length: per }, (_, i) => `${w}.${i}`))
        for (const s of stores) {
          await eventually(async () => {
            const got = await s.getState(a)
            const notes = got?.notes ?? []
            expect(notes.filter(n => resolved.includes(n)).sort()).toEqual([...resolved].sort())
            expect(notes.every(n => attempted.includes(n))).toBe(true)
            expect(new Set(notes).size).toBe(notes.length)
            expect(got?.step).toBe(notes.length)
          }, converge)
        }
      })
    })

    describe('TTL: an idle agent\'s data expires', () => {
      const TTL = 60_000
      let t: AgentStoresFixture
      beforeEach(async () => { await f.close?.(); f = t = await setup({ ttl: TTL }); views = [t, ...(t.replicas ?? [])] })

      it('messages live `ttl` after they were added; an idle session is gone', async () => {
        if (t.advance === undefined) return
        const a = agent()
        await t.session.addMessage(a, msg(1))
        await t.advance(TTL / 2)
        await t.session.addMessage(a, msg(2))
        await t.advance(TTL / 2 + 1_000)
        expect(await t.session.getMessages(a)).toEqual([msg(2)])
        await t.advance(TTL)
        expect(await t.session.getMessages(a)).toEqual([])
      })

      it('statistics and state live `ttl` after their last write', async () => {
        if (t.advance === undefined) return
        const a = agent()
        await t.statistics.addTurn(a, { cost: 1, tokens: { input: 1, output: 1 }, durationMs: 1 })
        await t.state.setState(a, { step: 1, notes: [] })
        await t.advance(TTL / 2)
        await t.statistics.addTurn(a, { cost: 2, tokens: { input: 2, output: 2 }, durationMs: 1 })
        await t.state.setState(a, { step: 2, notes: [] })
        await t.advance(TTL / 2 + 1_000)
        expect(await t.statistics.getTotalCost(a)).toBe(3)
        expect(await t.state.getState(a)).toEqual({ step: 2, notes: [] })
        await t.advance(TTL)
        expect(await t.statistics.getTotalCost(a)).toBe(0)
        expect(await t.statistics.getTotalTokens(a)).toEqual({ input: 0, output: 0 })
        expect(await t.state.getState(a)).toBeUndefined()
      })
    })
  })
}
