/**
 * What the agent stores conformance suite (../conformance.ts) is given: the stores under test
 * and their replicas, how to make them, and how to run it; and the values it stores.
 */
import type { PagedSessionStore, SessionStore, StateStore, StatisticsStore, TurnStatisticsStore, VersionedStateStore } from '../types.js'

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
