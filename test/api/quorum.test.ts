/**
 * Quorum registers over real nodes on loopback: linearizable increments from every node, the
 * minority side of a partition refusing, and the option and error surface.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { createMesh, InvalidOptionError, QuorumNotConfiguredError, QuorumUnavailableError, UNCHANGED, type Change, type Mesh, type QuorumHost, type RegisterState } from '../../src/index.js'
import { eventually, partition, startNode, stopAll, type Node } from '../../sim/cluster.js'
import { startQuorumCluster } from '../../sim/quorum-cluster.js'

let nodes: Node[] = []
afterEach(async () => { await stopAll(nodes); nodes = [] })
const dir = mkdtempSync(join(tmpdir(), 'meshkv-quorum-registers-'))
afterAll(() => { rmSync(dir, { recursive: true, force: true }) })

/** The mesh's private QuorumHost (what the features are given). */
const quorumOf = (mesh: Mesh): QuorumHost => (mesh as unknown as { quorum: QuorumHost }).quorum
const enc = new TextEncoder()
const dec = new TextDecoder()
const num = (s: RegisterState | undefined): number => s === undefined ? 0 : Number(dec.decode(s.value))
const increment: Change<number> = (current) => {
  const n = num(current) + 1
  return { next: { value: enc.encode(String(n)) }, result: n }
}
const read: Change<number> = (current) => ({ next: UNCHANGED, result: num(current) })

async function concurrentIncrements (n: number, count: number): Promise<void> {
  nodes = await startQuorumCluster(n, { syncIntervalMs: 300 })
  const results = await Promise.all(Array.from({ length: count }, async (_, i) => quorumOf(nodes[i % n].mesh).change('counter/hits', increment)))
  expect([...results].sort((a, b) => a - b)).toEqual(Array.from({ length: count }, (_, i) => i + 1))
  for (const x of nodes) expect(await quorumOf(x.mesh).change('counter/hits', read)).toBe(count)
}

describe('quorum registers (CASPaxos) on real nodes', () => {
  it('3 nodes: 20 concurrent increments from every node give 1..20, each once', async () => {
    await concurrentIncrements(3, 20)
  })

  it('5 nodes: 20 concurrent increments give 1..20, each once', async () => {
    await concurrentIncrements(5, 20)
  })

  it('5 nodes each incrementing in turn (one round trip after the first, conflicts across nodes): 1..20', async () => {
    nodes = await startQuorumCluster(5, { syncIntervalMs: 300 })
    const got = await Promise.all(nodes.map(async x => {
      const mine: number[] = []
      for (let i = 0; i < 4; i++) mine.push(await quorumOf(x.mesh).change('counter/turns', increment))
      return mine
    }))
    for (const mine of got) expect(mine).toEqual([...mine].sort((a, b) => a - b))
    expect(got.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1))
  })

  it('a node\'s queued changes of one register share a round, each with its own result; one that throws fails alone', async () => {
    nodes = await startQuorumCluster(3)
    const q = quorumOf(nodes[0].mesh)
    const boom: Change<number> = () => { throw new Error('boom') }
    const results = await Promise.allSettled([q.change('counter/b', increment), q.change('counter/b', increment), q.change('counter/b', boom), q.change('counter/b', increment)])
    expect(results.map(r => r.status === 'fulfilled' ? r.value : (r.reason as Error).message)).toEqual([1, 2, 'boom', 3])
    expect(await quorumOf(nodes[1].mesh).change('counter/b', read)).toBe(3)
  })

  it('the minority side of a partition refuses with QuorumUnavailableError; the majority goes on', async () => {
    nodes = await startQuorumCluster(3, { syncIntervalMs: 300 })
    expect(await quorumOf(nodes[0].mesh).change('counter/p', increment)).toBe(1)
    await partition([nodes[0]], [nodes[1], nodes[2]])
    const err = await quorumOf(nodes[0].mesh).change('counter/p', increment).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(QuorumUnavailableError)
    expect(err).toMatchObject({ name: 'QuorumUnavailableError', answered: 1, members: 3 })
    expect((err as Error).message).toMatch(/1 of 3 answered/)
    expect(await quorumOf(nodes[1].mesh).change('counter/p', increment)).toBe(2)
    expect(await quorumOf(nodes[2].mesh).change('counter/p', increment)).toBe(3)
  })

  it('durable members remember their registers across a restart of every member', async () => {
    const keys = await Promise.all([0, 1, 2].map(async () => generateKeyPair('Ed25519')))
    const quorum = { members: keys.map(k => peerIdFromPrivateKey(k).toString()) }
    const boot = async (): Promise<Node[]> => {
      const first = await startNode({ privateKey: keys[0], quorum, dataDir: join(dir, 'm0') })
      const rest = await Promise.all([1, 2].map(async i => startNode({ privateKey: keys[i], quorum, dataDir: join(dir, `m${i}`), bootstrap: [first.mesh.multiaddrs[0]] })))
      await rest[0].mesh.dial(rest[1].mesh.multiaddrs[0])
      const all = [first, ...rest]
      await eventually(() => all.every(x => x.mesh.peers().length === 2), 'the members see each other')
      return all
    }
    nodes = await boot()
    for (let i = 1; i <= 3; i++) expect(await quorumOf(nodes[i % 3].mesh).change('counter/durable', increment)).toBe(i)
    expect(nodes[0].mesh.stats().registers.held).toBe(1)
    await stopAll(nodes)
    nodes = await boot()
    expect(nodes[1].mesh.stats().registers).toMatchObject({ held: 1, amnesic: 0 })
    expect(await quorumOf(nodes[2].mesh).change('counter/durable', increment)).toBe(4)
  })

  it('an in-memory member restarted under its identity file refuses everything (amnesic)', async () => {
    const file = join(dir, 'amnesic.key')
    let node = await startNode({ identityFile: file })
    const id = node.mesh.peerId
    expect(node.mesh.stats().registers.amnesic).toBe(0)
    await stopAll([node])
    node = await startNode({ identityFile: file, quorum: { members: [id] } })
    nodes = [node]
    expect(node.mesh.stats().registers.amnesic).toBe(1)
    const err = await quorumOf(node.mesh).change('counter/x', increment).catch((e: unknown) => e)
    expect(err).toMatchObject({ name: 'QuorumUnavailableError', answered: 1, members: 1 })
    expect((err as Error).message).toMatch(/1 refused \(amnesic\)/)
  })

  it('an aborted change rejects with AbortError', async () => {
    nodes = await startQuorumCluster(3)
    const ac = new AbortController()
    ac.abort()
    await expect(quorumOf(nodes[0].mesh).change('counter/a', increment, { signal: ac.signal })).rejects.toMatchObject({ name: 'AbortError' })
  })

  it('without quorum members: QuorumNotConfiguredError; quorum: { size } is refused, naming members', async () => {
    const node = await startNode()
    nodes = [node]
    expect(quorumOf(node.mesh).configured).toBe(false)
    await expect(quorumOf(node.mesh).change('counter/x', increment)).rejects.toBeInstanceOf(QuorumNotConfiguredError)
    const err = await createMesh({ quorum: { size: 3 } as never, mdns: false }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(InvalidOptionError)
    expect((err as Error).message).toMatch(/`quorum.size` was removed.*quorum: \{ members/)
  })
})
