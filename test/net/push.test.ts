/**
 * `/meshkv/push/1.0.0` under hostile input: every frame is checked like gossip (decode limits,
 * version, origin, drift, signatures), refused and counted, and the node keeps serving.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { lpStream } from '@libp2p/utils'
import { Entry } from '../../src/core/entry.js'
import { InvalidMessageError } from '../../src/core/errors.js'
import { WIRE_VERSION } from '../../src/net/codec.js'
import { PushFrame } from '../../src/net/proto/meshkv.js'
import { decodeAck, encodeFrame, parseFrame, pushProtocolFor } from '../../src/net/push.js'
import { PushAck } from '../../src/net/proto/meshkv.js'
import { startMesh, stopAll, type Node } from './helpers.js'

let nodes: Node[] = []
afterEach(async () => { await stopAll(nodes); nodes = [] })

const LIMITS = { maxKeyBytes: 1024, maxValueBytes: 1024 * 1024, maxEntries: 4096 }

/** One raw exchange with `to`'s push handler: the ack's held indices, or undefined if it aborted. */
async function raw (from: Node, to: Node, frame: Uint8Array): Promise<number[] | undefined> {
  const stream = await from.mesh.libp2p.dialProtocol(to.mesh.libp2p.peerId, pushProtocolFor(to.mesh.name))
  const lp = lpStream(stream)
  try {
    await lp.write(frame)
    const ack = PushAck.decode(await lp.read({ signal: AbortSignal.timeout(5_000) }))
    await stream.close()
    return ack.held
  } catch {
    return undefined
  }
}

const entry = (key: string, origin: string, wall = Date.now()): Entry => new Entry({ key, value: new TextEncoder().encode('v'), wall, counter: 0, origin, expiresAt: wall + 60_000 })

describe('push protocol', () => {
  it('applies a peer\'s own writes, answers offers, and refuses and counts everything else', async () => {
    nodes = await startMesh(3)
    const [a, b, c] = nodes
    const rejected = (): Record<string, number> => b.mesh.stats().rejected

    // a valid frame: two of a's writes, then two offers (one b holds once applied, one it lacks)
    const w1 = entry('p/1', a.mesh.peerId)
    const w2 = entry('p/2', a.mesh.peerId)
    expect(await raw(a, b, encodeFrame([w1, w2], [w1, entry('p/absent', a.mesh.peerId)]))).toEqual([0, 1, 2])
    expect(b.mesh.get('p/1')?.hlc).toBe(w1.hlc)

    // a write naming another origin: the whole frame refused, nothing applied
    expect(await raw(a, b, encodeFrame([entry('p/3', a.mesh.peerId), entry('p/forged', c.mesh.peerId)], []))).toBeUndefined()
    expect(rejected()['origin-mismatch']).toBe(1)
    expect(b.mesh.has('p/3')).toBe(false)

    // dated beyond the drift bound
    expect(await raw(a, b, encodeFrame([entry('p/future', a.mesh.peerId, Date.now() + 3_600_000)], []))).toBeUndefined()
    expect(rejected().drift).toBe(1)

    // someone else's owned namespace
    expect(await raw(a, b, encodeFrame([entry(`@${c.mesh.peerId}/x`, a.mesh.peerId)], []))).toBeUndefined()
    expect(rejected().forged).toBe(1)

    // garbage, a wrong version, more offers than entries
    expect(await raw(a, b, new Uint8Array([0xff, 0xff, 0xff, 0x0f, 1, 2]))).toBeUndefined()
    expect(await raw(a, b, PushFrame.encode({ version: WIRE_VERSION + 1, origins: [], entries: [], offers: 0 }))).toBeUndefined()
    expect(await raw(a, b, PushFrame.encode({ version: WIRE_VERSION, origins: [], entries: [], offers: 3 }))).toBeUndefined()
    expect(rejected().malformed).toBe(2)
    expect(rejected().version).toBe(1)

    // b still serves, and the mesh still replicates
    await a.mesh.set('after', 'ok', { replicas: 2, replicaTimeout: 30_000 })
    expect(b.mesh.get('after')?.text()).toBe('ok')
  })

  it('parses frames and acks strictly', () => {
    const origin = '12D3KooWtest'
    const w = entry('k', origin)
    const { writes, offers } = parseFrame(encodeFrame([w], [entry('o', origin)]), LIMITS)
    expect(writes.map(e => e.hlc)).toEqual([w.hlc])
    expect(offers.map(e => [e.key, e.value.byteLength])).toEqual([['o', 0]])
    expect(() => decodeAck(PushAck.encode({ version: WIRE_VERSION, held: [0, 2] }), 2)).toThrow(InvalidMessageError)
    expect(() => decodeAck(PushAck.encode({ version: 9, held: [] }), 2)).toThrow(InvalidMessageError)
    expect(() => decodeAck(PushAck.encode({ version: WIRE_VERSION, held: [0, 1, 1] }), 2)).toThrow(InvalidMessageError)
    expect(decodeAck(PushAck.encode({ version: WIRE_VERSION, held: [1] }), 2).held).toEqual([1])
  })
  it('counts an ack that does not decode as rejected, fails that exchange, and keeps the write replicating (hostile: garbage acks)', async () => {
    nodes = await startMesh(2)
    const [a, b] = nodes
    // b answers every push frame with garbage
    const proto = pushProtocolFor(b.mesh.name)
    await b.mesh.libp2p.unhandle(proto)
    await b.mesh.libp2p.handle(proto, async (stream) => {
      const lp = lpStream(stream)
      try {
        for (;;) {
          await lp.read()
          await lp.write(new Uint8Array([0xff, 0xff, 0xff, 0x0f, 1, 2]))
        }
      } catch {}
    })
    await expect(a.mesh.set('k', 'v', { replicas: 1, replicaTimeout: 1_000 })).rejects.toThrow(/confirmed/)
    expect(a.mesh.stats().rejected.malformed).toBeGreaterThan(0)
    expect(a.mesh.stats().replication.framesFailed).toBeGreaterThan(0)
    // gossip still got the write there
    expect((await b.mesh.waitFor('k', { timeout: 15_000 })).text()).toBe('v')
  })
})
