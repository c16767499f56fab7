/**
 * Quorum register `change()` latency (CASPaxos) on 3 and 5 loopback nodes, beside a loopback
 * request/reply round trip measured in the same run (a stream opened, one frame each way: what
 * one CASPaxos phase costs at the least). Two patterns: one node changing a register over and
 * over (the one-round-trip path after the first), and the nodes taking turns (each change finds
 * another node's ballot: its own acceptor's hint sends it straight to a prepare above it, then
 * the accept: two round trips). The turns are also timed without the hint (the proposer blind to
 * its own acceptor, as before: its cached accept is refused, then two phases), as the same-run
 * baseline. Each pattern counts round trips (request phases) and the process's CPU per change
 * (all the nodes run in this process).
 */
import { lpStream } from '@libp2p/utils'
import type { Mesh, QuorumHost, RegisterState } from '../src/index.js'
import { stopAll } from '../sim/cluster.js'
import { startQuorumCluster } from '../sim/quorum-cluster.js'
import { summary } from './stats.js'

export interface PatternFigures {
  latency: ReturnType<typeof summary>
  /** Request phases (round trips to the members) per change. */
  roundTrips: number
  /** CPU of the whole process (every node) per change, ms. */
  cpuMs: number
}

export interface QuorumFigures {
  members: number
  /** One stream round trip between two of the nodes (open, one frame each way), ms. */
  ping: ReturnType<typeof summary>
  /** change() from one node, one after another. */
  oneWriter: PatternFigures
  /** change() from each node in turn, one after another. */
  rotating: PatternFigures
  /** The same, each proposer blind to its own acceptor's hint (the baseline: how it was before). */
  rotatingBlind: PatternFigures
}

interface Host { change: QuorumHost['change'], phases: number, init: { hint?: unknown } }

const quorumOf = (mesh: Mesh): Host => (mesh as unknown as { quorum: Host }).quorum
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
    const time = async (pick: (i: number) => Mesh, key: string): Promise<PatternFigures> => {
      for (let i = 0; i < 10; i++) await quorumOf(pick(i)).change(key, increment) // warm up
      const phases = (): number => nodes.reduce((s, n) => s + quorumOf(n.mesh).phases, 0)
      const lat: number[] = []
      const before = phases()
      const cpu = process.cpuUsage()
      for (let i = 0; i < rounds; i++) {
        const t = performance.now()
        await quorumOf(pick(i)).change(key, increment)
        lat.push(performance.now() - t)
      }
      const used = process.cpuUsage(cpu)
      return { latency: summary(lat), roundTrips: (phases() - before) / rounds, cpuMs: (used.user + used.system) / 1000 / rounds }
    }
    const oneWriter = await time(() => a.mesh, 'bench/one')
    const rotating = await time(i => nodes[i % members].mesh, 'bench/rotating')
    const seen = nodes.map(n => quorumOf(n.mesh).init.hint)
    for (const n of nodes) quorumOf(n.mesh).init.hint = undefined
    const rotatingBlind = await time(i => nodes[i % members].mesh, 'bench/rotating-blind')
    nodes.forEach((n, i) => { quorumOf(n.mesh).init.hint = seen[i] })
    return { members, ping: summary(pings), oneWriter, rotating, rotatingBlind }
  } finally {
    await stopAll(nodes)
  }
}
