/**
 * A cluster of real nodes whose quorum members are all of them: identities are made first, so
 * every node starts knowing the members' peer ids (`quorum: { members }`).
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { MeshOptions } from '../src/index.js'
import { eventually, startNode, type Node } from './cluster.js'

export async function startQuorumCluster (n: number, options: MeshOptions = {}): Promise<Node[]> {
  const keys = await Promise.all(Array.from({ length: n }, async () => generateKeyPair('Ed25519')))
  const members = keys.map(k => peerIdFromPrivateKey(k).toString())
  const quorum = { ...options.quorum, members }
  const first = await startNode({ ...options, privateKey: keys[0], quorum })
  const rest = await Promise.all(keys.slice(1).map(async privateKey => startNode({ ...options, privateKey, quorum, bootstrap: [first.mesh.multiaddrs[0]] })))
  const nodes = [first, ...rest]
  for (let i = 1; i < n; i++) for (let j = i + 1; j < n; j++) await nodes[i].mesh.dial(nodes[j].mesh.multiaddrs[0])
  await eventually(() => nodes.every(x => x.mesh.peers().length === n - 1), 'every node sees the others')
  return nodes
}
