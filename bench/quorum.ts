/**
 * Quorum register `change()` latency (CASPaxos) on 3 and 5 loopback nodes, beside a loopback
 * request/reply round trip measured in the same run (a stream opened, one frame each way: what
 * one CASPaxos phase costs at the least). Two patterns: one node changing a register over and
 * over (the one-round-trip path after the first), and the nodes taking turns (each change finds
 * another node's ballot: its cached accept is refused, then two phases).
 */
import { lpStream } from '@libp2p/utils'
import type { Mesh, QuorumHost, RegisterState } from '../src/index.js'
import { stopAll } from '../sim/cluster.js'
import { startQuorumCluster } from '../sim/quorum-cluster.js'
import { summary } from './stats.js'

export interface QuorumFigures {
  members: number
  /** One stream round trip between two of the nodes (open, one frame each way), ms. */
  ping: ReturnType<typeof summary>
  /** change() from one node, one after another. */
  oneWriter: ReturnType<typeof summary>
  /** change() from each node in turn, one after another. */
  rotating: ReturnType<typeof summary>
}

const quorumOf = (mesh: Mesh): QuorumHost => (mesh as unknown as { quorum: QuorumHost }).quorum
const enc = new TextEncoder()
const dec = new TextDecoder()
const increment = (s: RegisterState | undefined): { next: RegisterState, result: number } => {
  const n = (s === undefined ? 0 : Number(dec.decode(s.value))) + 1
  return { next: { value: enc.encode(String(n)) }, result: n }
}
const PING = '/meshkv-bench/ping/1.0.0'

export async function benchQuorum (members: number, rounds: number): Promise<QuorumFigures> {
  const nodes = await startQuorumCluster(members, { mdns: false })
  try {
    const [a, b] = nodes
    await b.mesh.libp2p.handle(PING, async (stream) => {
      const lp = lpStream(stream)
      await lp.write((await lp.read()).subarray())
      await stream.close()
    })
    const pings: number[] = []
    for (let i = 0; i < rounds + 20; i++) {
      const t = performance.now()
      const stream = await a.mesh.libp2p.dialProtocol(b.mesh.libp2p.peerId, PING)
      const lp = lpStream(stream)
      await lp.write(Uint8Array.of(1, 2, 3))
      await lp.read()
      await stream.close()
      if (i >= 20) pings.push(performance.now() - t)
    }
    const time = async (pick: (i: number) => Mesh, key: string): Promise<number[]> => {
      for (let i = 0; i < 10; i++) await quorumOf(pick(i)).change(key, increment) // warm up
      const lat: number[] = []
      for (let i = 0; i < rounds; i++) {
        const t = performance.now()
        await quorumOf(pick(i)).change(key, increment)
        lat.push(performance.now() - t)
      }
      return lat
    }
    const oneWriter = await time(() => a.mesh, 'bench/one')
    const rotating = await time(i => nodes[i % members].mesh, 'bench/rotating')
    return { members, ping: summary(pings), oneWriter: summary(oneWriter), rotating: summary(rotating) }
  } finally {
    await stopAll(nodes)
  }
}
