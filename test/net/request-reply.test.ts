/** Requests to a peer reuse a kept stream (issue 15): no dial per quorum request; an older peer that closes after one reply is asked again on a fresh stream. */
import { lpStream } from '@libp2p/utils'
import type { Libp2p } from '@libp2p/interface'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exchange, serveOnce } from '../../src/net/request-reply.js'
import { createCounters } from '../../src/net/metrics.js'
import { stopAll, type Node } from '../../sim/cluster.js'
import { startQuorumCluster } from '../../sim/quorum-cluster.js'

let nodes: Node[] = []
beforeAll(async () => { nodes = await startQuorumCluster(2) })
afterAll(async () => { await stopAll(nodes) })

const ECHO = '/meshkv-test/echo/1.0.0'
const ONE_SHOT = '/meshkv-test/one-shot/1.0.0'
const SILENT = '/meshkv-test/silent/1.0.0'
const options = { maxFrameBytes: 1024, timeoutMs: 5_000 }

/** Counts the streams `libp2p` dials for `protocol`. */
function countDials (libp2p: Libp2p, protocol: string): () => number {
  let n = 0
  const dial = libp2p.dialProtocol.bind(libp2p)
  libp2p.dialProtocol = (async (...args: Parameters<Libp2p['dialProtocol']>) => {
    if (args[1] === protocol) n++
    return dial(...args)
  }) as Libp2p['dialProtocol']
  return () => n
}

describe('request-reply streams', () => {
  it('twenty requests one after another to a peer take one stream; each gets its own reply', async () => {
    const [a, b] = nodes
    await b.mesh.libp2p.handle(ECHO, (stream) => serveOnce(stream, { ...options, counters: createCounters(), what: 'echo' }, async frame => frame.subarray().map(x => x + 1)))
    const dials = countDials(a.mesh.libp2p, ECHO)
    for (let i = 0; i < 20; i++) {
      const reply = await exchange(a.mesh.libp2p, b.mesh.libp2p.peerId, ECHO, () => Uint8Array.of(i), options)
      expect([...reply.subarray()]).toEqual([i + 1])
    }
    expect(dials()).toBe(1)
    // requests at once take streams of their own, kept for later
    const replies = await Promise.all(Array.from({ length: 4 }, async (_, i) => exchange(a.mesh.libp2p, b.mesh.libp2p.peerId, ECHO, () => Uint8Array.of(100 + i), options)))
    expect(replies.map(r => r.subarray()[0])).toEqual([101, 102, 103, 104])
    expect(dials()).toBeLessThanOrEqual(4)
  })

  it('a peer that answers one request per stream and closes it is asked again on a fresh one', async () => {
    const [a, b] = nodes
    await b.mesh.libp2p.handle(ONE_SHOT, async (stream) => {
      const lp = lpStream(stream)
      const frame = await lp.read()
      await lp.write(frame.subarray().map(x => x * 2))
      await stream.close()
    })
    for (let i = 1; i <= 5; i++) {
      const reply = await exchange(a.mesh.libp2p, b.mesh.libp2p.peerId, ONE_SHOT, () => Uint8Array.of(i), options)
      expect([...reply.subarray()]).toEqual([i * 2])
    }
  })

  it('the exchange\'s time limit (a timer it clears when done) still ends a request the peer never answers; a caller\'s abort ends it too', async () => {
    const [a, b] = nodes
    await b.mesh.libp2p.handle(SILENT, async (stream) => { await lpStream(stream).read() }) // reads, never answers
    await expect(exchange(a.mesh.libp2p, b.mesh.libp2p.peerId, SILENT, () => Uint8Array.of(1), { ...options, timeoutMs: 300 })).rejects.toThrow()
    const controller = new AbortController()
    const asked = exchange(a.mesh.libp2p, b.mesh.libp2p.peerId, SILENT, () => Uint8Array.of(2), { ...options, signal: controller.signal })
    controller.abort()
    await expect(asked).rejects.toThrow()
    const gone = new AbortController()
    gone.abort()
    await expect(exchange(a.mesh.libp2p, b.mesh.libp2p.peerId, ECHO, () => Uint8Array.of(3), { ...options, signal: gone.signal })).rejects.toThrow()
  })
})
