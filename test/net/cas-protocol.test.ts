/**
 * The quorum register protocol under hostile input: malformed, oversized, wrong-version and
 * out-of-range requests are refused, counted by reason, and never crash or change the acceptor;
 * the node keeps answering good requests.
 */
import { lpStream } from '@libp2p/utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Mesh, QuorumHost, RegisterState } from '../../src/index.js'
import { HISTORY_LENGTH } from '../../src/core/caspaxos.js'
import { UNCHANGED } from '../../src/index.js'
import { casProtocolFor } from '../../src/net/cas-protocol.js'
import { WIRE_VERSION } from '../../src/net/codec.js'
import { CasReply, CasRequest } from '../../src/net/proto/meshkv.js'
import { stopAll, type Node } from '../../sim/cluster.js'
import { startQuorumCluster } from '../../sim/quorum-cluster.js'
import { Prng } from '../../sim/prng.js'

let nodes: Node[] = []
beforeAll(async () => { nodes = await startQuorumCluster(2, { maxValueBytes: 1024 }) })
afterAll(async () => { await stopAll(nodes) })

const quorumOf = (mesh: Mesh): QuorumHost => (mesh as unknown as { quorum: QuorumHost }).quorum

/** Sends one raw frame to node 1's register protocol; resolves with the reply frame, or undefined when the stream was aborted. */
async function send (frame: Uint8Array): Promise<Uint8Array | undefined> {
  const [a, b] = nodes
  const stream = await a.mesh.libp2p.dialProtocol(b.mesh.libp2p.peerId, casProtocolFor(b.mesh.name))
  try {
    const lp = lpStream(stream, { maxDataLength: 1 << 20 })
    await lp.write(frame)
    return (await lp.read({ signal: AbortSignal.timeout(3_000) })).subarray()
  } catch {
    return undefined
  } finally {
    stream.abort(new Error('done'))
  }
}

const good = (over: Partial<CasRequest> = {}): Uint8Array => CasRequest.encode({ version: WIRE_VERSION, kind: CasRequest.Kind.PREPARE, key: 'counter/x', ballot: { n: 1, id: 'fuzz' }, ...over })

describe('cas protocol: hostile input', () => {
  it('a prepare naming the accepted ballot (`have`) is promised without the proposal; without it, or naming another, the proposal comes back; a malformed `have` is refused', async () => {
    const key = 'counter/have'
    const at = { n: 5, id: 'w' }
    const accepted = CasRequest.encode({ version: WIRE_VERSION, kind: CasRequest.Kind.ACCEPT, key, ballot: at, proposal: { present: true, value: Uint8Array.of(7), expiresAt: 0, history: [at] } })
    expect(CasReply.decode(await send(accepted) as Uint8Array).kind).toBe(CasReply.Kind.ACCEPTED)
    const promise = async (n: number, have?: { n: number, id: string }): Promise<CasReply> => CasReply.decode(await send(good({ key, ballot: { n, id: 'p' }, have })) as Uint8Array)
    const bare = await promise(6, at)
    expect(bare).toMatchObject({ kind: CasReply.Kind.PROMISED, ballot: at })
    expect(bare.proposal).toBeUndefined()
    expect((await promise(7)).proposal?.history).toEqual([at]) // an older proposer's prepare
    expect([...(await promise(8, { n: 4, id: 'w' })).proposal?.value ?? []]).toEqual([7])
    expect(await send(good({ key, ballot: { n: 9, id: 'p' }, have: { n: 1, id: 'x'.repeat(65) } }))).toBeUndefined()
  })

  it('refuses and counts each kind of bad request; answers a good one', async () => {
    const stats = (): Record<string, number> => nodes[1].mesh.stats().rejected as unknown as Record<string, number>
    const before = { ...stats() }
    expect(await send(good())).toBeDefined()
    expect(await send(Uint8Array.of(0xff, 0xff, 0xff))).toBeUndefined()
    expect(await send(good({ version: 99 }))).toBeUndefined()
    expect(await send(good({ key: '' }))).toBeUndefined()
    expect(await send(good({ key: 'k'.repeat(5_000) }))).toBeUndefined()
    expect(await send(good({ ballot: { n: 1, id: 'x'.repeat(65) } }))).toBeUndefined()
    expect(await send(good({ kind: CasRequest.Kind.ACCEPT }))).toBeUndefined() // an accept without a proposal
    expect(await send(good({ kind: CasRequest.Kind.ACCEPT, ballot: { n: 2, id: 'fuzz' }, proposal: { present: true, value: new Uint8Array(2_000), expiresAt: 0, history: [] } }))).toBeUndefined()
    expect(await send(good({ kind: CasRequest.Kind.ACCEPT, ballot: { n: 2, id: 'fuzz' }, proposal: { present: true, value: new Uint8Array(1), expiresAt: 0, history: Array.from({ length: HISTORY_LENGTH + 1 }, () => ({ n: 1, id: 'h' })) } }))).toBeUndefined()
    const after = stats()
    expect(after.malformed - before.malformed).toBeGreaterThanOrEqual(4)
    expect(after.version - before.version).toBe(1)
    expect(after['invalid-entry'] - before['invalid-entry']).toBe(2)
    expect(after.oversized - before.oversized).toBeGreaterThanOrEqual(1)
  })

  it('500 seeded random mutations of good frames: never a crash, the register still works', async () => {
    const rng = new Prng(0xca5)
    const base = good({ kind: CasRequest.Kind.ACCEPT, key: 'counter/fuzz', ballot: { n: 3, id: 'fuzz' }, proposal: { present: true, value: Uint8Array.of(1, 2, 3), expiresAt: 0, history: [{ n: 3, id: 'fuzz' }] }, next: { n: 4, id: 'fuzz' } })
    for (let i = 0; i < 500; i++) {
      const frame = base.slice()
      for (let j = 0; j < 1 + rng.int(4); j++) frame[rng.int(frame.length)] = rng.int(256)
      await send(frame)
    }
    const read = (s: RegisterState | undefined): { next: typeof UNCHANGED, result: number } => ({ next: UNCHANGED, result: s?.value.byteLength ?? 0 })
    await expect(quorumOf(nodes[0].mesh).change('counter/after-fuzz', read)).resolves.toBe(0)
  })
})
