import { generateKeyPair } from '@libp2p/crypto/keys'
import { defaultLogger } from '@libp2p/logger'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { Key } from 'interface-datastore'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { discovery, nodeDatastore } from '../../src/net/discovery.js'
import { eventually, start, stopAll, type Node } from './helpers.js'

let nodes: Node[] = []
afterEach(async () => { await stopAll(nodes); nodes = [] })

const connected = (x: Node, y: Node): boolean => x.mesh.libp2p.getConnections(y.mesh.libp2p.peerId).length > 0

describe('peers learn each other beyond the bootstrap node', () => {
  it('B and C bootstrapped only from A connect to each other, and stay a mesh when A leaves', async () => {
    const opts = { syncIntervalMs: 200 }
    const a = await start(opts)
    const b = await start({ ...opts, bootstrap: [a.mesh.multiaddrs[0]] })
    const c = await start({ ...opts, bootstrap: [a.mesh.multiaddrs[0]] })
    nodes = [a, b, c]
    await eventually(() => connected(b, c), 'b and c connect to each other through the mesh\'s DHT', 10_000)
    await eventually(() => b.mesh.peers().includes(c.mesh.peerId) && c.mesh.peers().includes(b.mesh.peerId), 'b and c see each other in the mesh')
    await a.mesh.close()
    nodes = [b, c]
    await b.mesh.set('after-a-left', 'still a mesh', { ttl: 60_000 })
    expect((await c.mesh.waitFor('after-a-left', { timeout: 5_000 })).text()).toBe('still a mesh')
  })

  it('a chain of bootstraps (each node knows only the previous one) becomes a connected mesh that survives losing any middle node', async () => {
    const opts = { syncIntervalMs: 200 }
    const chain: Node[] = [await start(opts)]
    for (let i = 1; i < 5; i++) chain.push(await start({ ...opts, bootstrap: [chain[i - 1].mesh.multiaddrs[0]] }))
    nodes = chain
    await eventually(() => chain.every(n => n.mesh.peers().length === chain.length - 1), 'every node knows every other', 10_000)
    const [first, middle, last] = [chain[0], chain[2], chain[4]]
    await middle.mesh.close()
    nodes = chain.filter(n => n !== middle)
    await last.mesh.set('across', 'the gap', { ttl: 60_000 })
    expect((await first.mesh.waitFor('across', { timeout: 5_000 })).text()).toBe('the gap')
  })
})

describe('bootstrap', () => {
  it('dials the bootstrap peers as soon as it starts, not after the module\'s default 1 s (a joining node\'s first sync round waited for it)', async () => {
    vi.useFakeTimers()
    try {
      const peer = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
      const [factory] = discovery('m', { mdns: false, bootstrap: [`/ip4/127.0.0.1/tcp/1/p2p/${peer.toString()}`] }) as unknown as Array<(c: unknown) => { start: () => void, stop: () => void }>
      const dialled: string[] = []
      const service = factory({
        logger: defaultLogger(),
        peerStore: { merge: async () => {} },
        connectionManager: { openConnection: async (id: unknown) => { dialled.push(String(id)) } }
      })
      service.start()
      await vi.advanceTimersByTimeAsync(0)
      expect(dialled).toEqual([peer.toString()])
      service.stop()
    } finally {
      vi.useRealTimers()
    }
  })
})

describe('the node datastore', () => {
  it('keeps the peer store and discards the DHT\'s value and provider records', async () => {
    const ds = nodeDatastore()
    const bytes = new Uint8Array([1, 2, 3])
    await ds.put(new Key('/peers/abc'), bytes)
    await ds.put(new Key('/dht/record/abc'), bytes)
    await ds.put(new Key('/dht/provider/abc/def'), bytes)
    expect(await ds.has(new Key('/peers/abc'))).toBe(true)
    expect(await ds.has(new Key('/dht/record/abc'))).toBe(false)
    expect(await ds.has(new Key('/dht/provider/abc/def'))).toBe(false)
  })
})

describe('many nodes on one host', () => {
  it('nine nodes started together, all bootstrapping from the first, all connect without retries (libp2p refused a host\'s sixth new connection within a second)', async () => {
    const first = await start()
    nodes.push(first)
    const rest = await Promise.all(Array.from({ length: 8 }, async () => start({ bootstrap: [first.mesh.multiaddrs[0]] })))
    nodes.push(...rest)
    // each dial is made once: a refusal fails it
    await Promise.all(rest.map(async n => n.mesh.dial(first.mesh.multiaddrs[0])))
    await eventually(() => first.mesh.peers().length === 8, 'the first node sees all eight', 15_000)
  }, 60_000)
})
