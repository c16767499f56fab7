/**
 * Agent stores (issue 14): `addMessage` latency and `getMessages` of a 1,000-message history,
 * meshkv (one node; three nodes with the default `replicas: 1`) beside the in-memory stores in the
 * same run. `tsx bench/agent-stores.ts` runs it alone.
 */
import { fileURLToPath } from 'node:url'
import { createMemorySessionStore, createSessionStore, type SessionStore } from '../src/agent-stores/index.js'
import { startCluster, startNode, stopAll } from '../sim/cluster.js'
import { summary } from './stats.js'

interface Msg { role: string, content: string, turn: number }
const message = (i: number): Msg => ({ role: i % 2 === 0 ? 'user' : 'assistant', content: `message ${i}: ${'lorem ipsum '.repeat(20)}`, turn: i >> 1 })

export interface AgentStoreFigures {
  history: number
  addMessage: Record<string, ReturnType<typeof summary>>
  getMessages: Record<string, ReturnType<typeof summary>>
}

async function measure (store: SessionStore<Msg>, history: number, reads: number): Promise<{ add: ReturnType<typeof summary>, get: ReturnType<typeof summary> }> {
  const agent = `bench-${Math.random().toString(36).slice(2)}`
  const adds: number[] = []
  for (let i = 0; i < history; i++) {
    const t = performance.now()
    await store.addMessage(agent, message(i))
    adds.push(performance.now() - t)
  }
  const gets: number[] = []
  for (let i = 0; i < reads; i++) {
    const t = performance.now()
    const got = await store.getMessages(agent)
    gets.push(performance.now() - t)
    if (got.length !== history) throw new Error(`read ${got.length} messages of ${history}`)
  }
  // the first 10% warm up
  return { add: summary(adds.slice(Math.floor(history / 10))), get: summary(gets.slice(Math.floor(reads / 10))) }
}

export async function benchAgentStores (history = 1_000, reads = 100): Promise<AgentStoreFigures> {
  const figures: AgentStoreFigures = { history, addMessage: {}, getMessages: {} }
  const memory = await measure(createMemorySessionStore<Msg>(), history, reads)
  figures.addMessage.memory = memory.add
  figures.getMessages.memory = memory.get
  const one = await startNode({})
  try {
    const f = await measure(createSessionStore<Msg>(one.mesh), history, reads)
    figures.addMessage.meshOneNode = f.add
    figures.getMessages.meshOneNode = f.get
  } finally {
    await stopAll([one])
  }
  const three = await startCluster(3, {})
  try {
    const f = await measure(createSessionStore<Msg>(three[0].mesh), history, reads)
    figures.addMessage.meshThreeNodes = f.add
    figures.getMessages.meshThreeNodes = f.get
  } finally {
    await stopAll(three)
  }
  return figures
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const f = await benchAgentStores()
  const ms = (s: { p50: number, p99: number }): string => `${s.p50.toFixed(3)} / ${s.p99.toFixed(3)} ms`
  for (const [name, s] of Object.entries(f.addMessage)) console.log(`addMessage ${name} (p50 / p99): ${ms(s)}`)
  for (const [name, s] of Object.entries(f.getMessages)) console.log(`getMessages, ${f.history} messages, ${name} (p50 / p99): ${ms(s)}`)
  process.exit(0)
}
