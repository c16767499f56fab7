/**
 * What each part of the agent stores conformance suite shares: the fixture of the running test,
 * its views, fresh agent ids, and the helpers its tests use (waiting for replicas, named errors,
 * test messages, which optional interfaces a store has).
 */
import { expect } from 'vitest'
import type { PagedSessionStore, TurnStatisticsStore, VersionedStateStore } from '../types.js'
import type { AgentStores, AgentStoresFixture, FixtureOptions, Runner, TestMessage, TestState } from './fixture.js'

/** The suite's state and settings, as its parts see them. */
export interface Suite {
  runner: Runner
  setup: (options: FixtureOptions) => Promise<AgentStoresFixture>
  /** The fixture of the running test (made before each). */
  f: AgentStoresFixture
  /** The fixture and its replicas. */
  views: AgentStores[]
  /** How long a replica may take to show a write, in ms. */
  converge: number
  /** Whether conditional writes are decided atomically across views. */
  atomic: boolean
  /** A fresh agent id per test, so fixtures may be shared across tests. */
  agent: (label?: string) => string
  /** Runs `check` on every replica until it passes. */
  onReplicas: (check: (v: AgentStores) => Promise<void>) => Promise<void>
}

export const sleep = async (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

/** Polls `check` until it passes or `timeout` ms have passed (then throws its last failure). */
export async function eventually (check: () => Promise<void>, timeout: number): Promise<void> {
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

export async function rejectsNamed (promise: Promise<unknown>, name: string): Promise<void> {
  let thrown: unknown
  try { await promise } catch (err) { thrown = err }
  expect(thrown, `expected ${name}`).toBeInstanceOf(Error)
  expect((thrown as Error).name).toBe(name)
}

export const msg = (n: number, role: TestMessage['role'] = n % 2 === 0 ? 'user' : 'assistant'): TestMessage => ({ role, content: `message ${n} ✓ "quoted" \\ ${'x'.repeat(n % 7)}`, n })

export const isPaged = (s: AgentStores['session']): s is PagedSessionStore<TestMessage> => typeof (s as Partial<PagedSessionStore>).pageMessages === 'function'
export const isTurnStats = (s: AgentStores['statistics']): s is TurnStatisticsStore => typeof (s as Partial<TurnStatisticsStore>).getTotals === 'function'
export const isVersioned = (s: AgentStores['state']): s is VersionedStateStore<TestState> => typeof (s as Partial<VersionedStateStore>).getVersioned === 'function'
