import { afterEach, describe, expect, it } from 'vitest'
import { generateSwarmKey, InvalidOptionError } from '../../src/index.js'
import { start, stopAll, eventually, type Node } from './helpers.js'

let nodes: Node[] = []
afterEach(async () => { await stopAll(nodes); nodes = [] })

describe('private mesh (pre-shared key)', () => {
  it('nodes with the key replicate; a node without it cannot connect and sees nothing', async () => {
    const psk = generateSwarmKey()
    expect(psk).toMatch(/^\/key\/swarm\/psk\/1\.0\.0\/\n\/base16\/\n[0-9a-f]{64}$/)
    const a = await start({ psk })
    const b = await start({ psk, bootstrap: [a.mesh.multiaddrs[0]] })
    const outsider = await start({})
    const otherKey = await start({ psk: generateSwarmKey() })
    nodes = [a, b, outsider, otherKey]
    await a.mesh.set('secret', 'team only', { ttl: 60_000 })
    expect((await b.mesh.waitFor('secret', { timeout: 10_000 })).text()).toBe('team only')
    await expect(outsider.mesh.dial(a.mesh.multiaddrs[0])).rejects.toThrow()
    await expect(otherKey.mesh.dial(a.mesh.multiaddrs[0])).rejects.toThrow()
    await a.mesh.set('later', 'x')
    await eventually(() => b.mesh.has('later'), 'b gets the next write')
    expect(outsider.mesh.has('secret') || otherKey.mesh.has('secret')).toBe(false)
    expect(outsider.mesh.peers()).toEqual([])
    expect(a.mesh.peers()).toEqual([b.mesh.peerId])
  })

  it('refuses a malformed key with a named error', async () => {
    await expect(start({ psk: 'not a swarm key' })).rejects.toBeInstanceOf(InvalidOptionError)
  })

  it('allowPeers refuses everyone else', async () => {
    const a = await start({})
    const friend = await start({})
    const stranger = await start({})
    nodes = [a, friend, stranger]
    const guarded = await start({ allowPeers: [a.mesh.peerId] })
    nodes.push(guarded)
    await guarded.mesh.dial(a.mesh.multiaddrs[0])
    await expect(guarded.mesh.dial(friend.mesh.multiaddrs[0])).rejects.toThrow()
    // an inbound stranger may finish its own side of the handshake; the guarded side drops it
    await stranger.mesh.dial(guarded.mesh.multiaddrs[0]).catch(() => {})
    await stranger.mesh.set('from-stranger', 'x')
    await eventually(() => stranger.mesh.libp2p.getConnections(guarded.mesh.libp2p.peerId).length === 0, 'the stranger is disconnected')
    await a.mesh.set('from-a', 'y')
    await eventually(() => guarded.mesh.has('from-a'), 'the allowed peer replicates')
    expect(guarded.mesh.has('from-stranger')).toBe(false)
    expect(guarded.mesh.peers()).toEqual([a.mesh.peerId])
  })
})

describe('hostile peers are rate limited', () => {
  it('a peer that keeps sending invalid gossip is graylisted by peer scoring', async () => {
    const { startMesh } = await import('./helpers.js')
    nodes = await startMesh(2)
    const [honest, evil] = nodes
    const pubsub = (evil.mesh.libp2p.services as { pubsub: import('@libp2p/gossipsub').GossipSub }).pubsub
    const topic = pubsub.getTopics()[0]
    for (let i = 0; i < 40; i++) await pubsub.publish(topic, new Uint8Array([0xff, i, 0xff]))
    const honestPubsub = honest.mesh.libp2p.services as { pubsub: { getScore: (p: string) => number } }
    await eventually(() => honestPubsub.pubsub.getScore(evil.mesh.peerId) < -80, 'the evil peer falls below the graylist threshold')
    await eventually(() => honest.mesh.stats().rejected.malformed >= 7, 'the bad messages are rejected and counted')
    // once graylisted, its messages are not even read
    const counted = honest.mesh.stats().messagesIn
    for (let i = 0; i < 20; i++) await pubsub.publish(topic, new Uint8Array([0xfe, i, 0xfe]))
    await evil.mesh.set('from-evil', 'valid, but its gossip is ignored')
    await new Promise(resolve => setTimeout(resolve, 500))
    expect(honest.mesh.stats().messagesIn).toBe(counted)
  })

  it('a peer asking for too many sync rounds is refused and counted', async () => {
    const { startMesh } = await import('./helpers.js')
    const { lpStream } = await import('@libp2p/utils')
    const { SyncFrame } = await import('../../src/net/proto/meshkv.js')
    const { syncProtocolFor } = await import('../../src/net/sync.js')
    nodes = await startMesh(2, { syncIntervalMs: Infinity })
    const [honest, evil] = nodes
    const digest = SyncFrame.encode({ version: 1, kind: SyncFrame.Kind.DIGEST, bucketCount: 1024, buckets: new Uint8Array(8192), diff: [], origins: [], entries: [], want: [], last: false })
    let refused = 0
    for (let i = 0; i < 45; i++) {
      // a hostile peer opening round after round, as fast as it can
      const stream = await evil.mesh.libp2p.dialProtocol(honest.mesh.libp2p.peerId, syncProtocolFor('default'))
      const lp = lpStream(stream)
      try {
        await lp.write(digest)
        await lp.read({ signal: AbortSignal.timeout(2_000) })
        await stream.close()
      } catch {
        refused++
      }
    }
    expect(refused).toBeGreaterThan(0)
    expect(honest.mesh.stats().rejected['rate-limited']).toBe(refused)
  })
})
