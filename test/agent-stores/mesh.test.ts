/**
 * The conformance suite against the meshkv stores: on one node, and on a three-node loopback mesh
 * where each node is an engine (writes through one, the others must read the same).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runAgentStoreTests, type AgentStores } from '../../src/agent-stores/conformance.js'
import { createSessionStore, createStateStore, createStatisticsStore } from '../../src/agent-stores/index.js'
import type { Mesh } from '../../src/index.js'
import { startCluster, startNode, stopAll, type Node } from '../../sim/cluster.js'
import { startQuorumCluster } from '../../sim/quorum-cluster.js'

/** A clock every node shares, which tests move forward (TTL). */
let skew = 0
const clock = (): number => Date.now() + skew
const advance = async (ms: number): Promise<void> => { skew += ms }

const storesOf = (mesh: Mesh, ttl?: number, mode: 'gossip' | 'quorum' = 'gossip'): AgentStores => ({
  session: createSessionStore(mesh, { ttl }),
  statistics: createStatisticsStore(mesh, { ttl, mode }),
  state: createStateStore(mesh, { ttl, mode })
})

describe('one node', () => {
  let node: Node
  beforeAll(async () => { node = await startNode({ clock, syncIntervalMs: 300 }) })
  afterAll(async () => { await stopAll([node]) })
  runAgentStoreTests('meshkv, one node', async ({ ttl }) => ({ ...storesOf(node.mesh, ttl), advance }))
})

describe('three nodes (engines), gossip mode', () => {
  let nodes: Node[]
  beforeAll(async () => { nodes = await startCluster(3, { clock, syncIntervalMs: 300 }) })
  afterAll(async () => { await stopAll(nodes) })
  runAgentStoreTests('meshkv, three nodes, gossip mode', async ({ ttl }) => ({
    ...storesOf(nodes[0].mesh, ttl),
    replicas: nodes.slice(1).map(n => storesOf(n.mesh, ttl))
    // no `advance`: a clock jumped on every node at once looks like skew to the clock-offset
    // estimator until fresh samples come; the TTL tests run on one node
  }), { atomicAcrossViews: false })
})

describe('three nodes (engines), quorum mode: conditional writes atomic across engines', () => {
  let nodes: Node[]
  beforeAll(async () => { nodes = await startQuorumCluster(3, { clock, syncIntervalMs: 300 }) })
  afterAll(async () => { await stopAll(nodes) })
  runAgentStoreTests('meshkv, three nodes, quorum mode', async ({ ttl }) => ({
    ...storesOf(nodes[0].mesh, ttl, 'quorum'),
    replicas: nodes.slice(1).map(n => storesOf(n.mesh, ttl, 'quorum'))
  }))
})

describe('values the stores did not write', () => {
  let node: Node
  beforeAll(async () => { node = await startNode({ syncIntervalMs: 300 }) })
  afterAll(async () => { await stopAll([node]) })

  it('a foreign value under a store\'s key reads as InvalidValueError, not a SyntaxError', async () => {
    const { mesh } = node
    await mesh.set('agents/x/state', 'not json')
    await expect(createStateStore(mesh).getState('x')).rejects.toMatchObject({ name: 'InvalidValueError' })
    await mesh.set('agents/y/state', '{"s": 1}')
    await expect(createStateStore(mesh).getState('y')).rejects.toMatchObject({ name: 'InvalidValueError' })
    await mesh.logs.append('agents/z/messages', '{broken')
    await expect(createSessionStore(mesh).getMessages('z')).rejects.toMatchObject({ name: 'InvalidValueError' })
  })

  it('refuses options out of range (InvalidOptionError)', () => {
    const { mesh } = node
    expect(() => createSessionStore(mesh, { replicas: -1 })).toThrow(expect.objectContaining({ name: 'InvalidOptionError' }))
    expect(() => createStateStore(mesh, { prefix: '@meshkv/' })).toThrow(expect.objectContaining({ name: 'InvalidOptionError' }))
    expect(() => createStatisticsStore(mesh, { mode: 'strong' as 'quorum' })).toThrow(expect.objectContaining({ name: 'InvalidOptionError' }))
    expect(() => createStatisticsStore(mesh, { ttl: 0 })).toThrow(expect.objectContaining({ name: 'InvalidOptionError' }))
  })
})
