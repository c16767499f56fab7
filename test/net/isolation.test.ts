import { randomUUID } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { LockUnavailableError } from '../../src/index.js'
import { mdnsServiceTagFor, meshIdFor, protocolFor } from '../../src/net/protocols.js'
import { eventually, start, stopAll, type Node } from './helpers.js'

let nodes: Node[] = []
afterEach(async () => { await stopAll(nodes); nodes = [] })

const connected = (x: Node, y: Node): boolean => x.mesh.libp2p.getConnections(y.mesh.libp2p.peerId).length > 0

describe('mesh names isolate', () => {
  it('binds protocol ids and the mDNS tag to a hash of the mesh name', () => {
    expect(meshIdFor('team-a')).toMatch(/^[0-9a-f]{16}$/)
    expect(meshIdFor('team-a')).not.toBe(meshIdFor('team-b'))
    expect(protocolFor('team-a', 'sync', '1.0.0')).toBe(`/meshkv/${meshIdFor('team-a')}/sync/1.0.0`)
    expect(mdnsServiceTagFor('team-a')).not.toBe(mdnsServiceTagFor('team-b'))
    expect(mdnsServiceTagFor('team-a')).toMatch(/^_meshkv-[0-9a-f]{16}\._udp\.local$/)
  })

  it('nodes of two meshes dialled to each other share no key by sync, gossip or lease grant', async () => {
    const opts = { syncIntervalMs: 100, maxLeaseTtlMs: 300 }
    const a1 = await start({ ...opts, name: 'team-a' })
    const a2 = await start({ ...opts, name: 'team-a' })
    const b = await start({ ...opts, name: 'team-b' })
    nodes = [a1, a2, b]
    await a1.mesh.set('a/secret', 'for team-a', { ttl: 60_000 })
    await b.mesh.set('b/secret', 'for team-b', { ttl: 60_000 })
    await a1.mesh.lock('a-lock', { ttl: 60_000, owner: 'a1' })
    await b.mesh.lock('b-lock', { ttl: 60_000, owner: 'b' })
    await a1.mesh.dial(b.mesh.multiaddrs[0])
    await a2.mesh.dial(b.mesh.multiaddrs[0])
    await a2.mesh.dial(a1.mesh.multiaddrs[0])
    expect(connected(a1, b) && connected(a2, b)).toBe(true)

    // the same mesh replicates (gossip and sync) across the same kind of connection
    await a1.mesh.set('a/after', 'gossiped', { ttl: 60_000 })
    await eventually(() => a2.mesh.has('a/secret') && a2.mesh.has('a/after') && a2.mesh.lockStatus('a-lock').held, 'a2 gets team-a\'s keys')
    const rounds = a1.mesh.stats().syncs.initiated + a1.mesh.stats().syncs.served
    await eventually(() => a1.mesh.stats().syncs.initiated + a1.mesh.stats().syncs.served >= rounds + 10, 'ten more periodic rounds in team-a')
    await a2.mesh.sync(a1.mesh.peerId) // a round within the mesh: does not throw

    // across meshes: no peer, no round (periodic, on connect, or asked for), no key
    expect(b.mesh.peers()).toEqual([])
    expect(a1.mesh.peers()).toEqual([a2.mesh.peerId])
    await expect(b.mesh.sync(a1.mesh.peerId)).rejects.toThrow()
    await expect(a1.mesh.sync(b.mesh.peerId)).rejects.toThrow()
    expect(b.mesh.stats().syncs.served).toBe(0)
    expect(b.mesh.list().keys).toEqual(['b/secret'])
    expect(b.mesh.lockStatus('a-lock').held).toBe(false)
    for (const a of [a1, a2]) {
      expect(a.mesh.list().keys).toEqual(['a/after', 'a/secret'])
      expect(a.mesh.lockStatus('b-lock').held).toBe(false)
    }
    expect(connected(a1, b)).toBe(true) // still connected: isolation is not by chance of topology
    // every meshkv stream protocol (sync, lease, the DHT's peer exchange, any added later) is bound to the mesh
    for (const [n, mesh] of [[a1, 'team-a'], [b, 'team-b']] as const) {
      const own = n.mesh.libp2p.getProtocols().filter(p => p.startsWith('/meshkv/'))
      expect(own.length).toBeGreaterThanOrEqual(3)
      for (const p of own) expect(p.startsWith(`/meshkv/${meshIdFor(mesh)}/`)).toBe(true)
    }

    // quorum grants (after the acceptors' start-up wait of maxLeaseTtlMs): [a1, a2] grant; b, of another mesh, never does
    const held = await a1.mesh.lock('q', { mode: 'quorum', quorum: { members: [a1.mesh.peerId, a2.mesh.peerId] }, ttl: 300, owner: 'a1', wait: 2_000 })
    await held.release()
    await expect(a1.mesh.lock('q2', { mode: 'quorum', quorum: { members: [a1.mesh.peerId, b.mesh.peerId] }, ttl: 300, owner: 'a1', wait: 1_000 }))
      .rejects.toBeInstanceOf(LockUnavailableError)
  })

  it('mDNS finds only the same mesh\'s nodes', async () => {
    // unique names: other processes on this host may announce meshkv nodes too
    const [x, y] = [`mdns-x-${randomUUID()}`, `mdns-y-${randomUUID()}`]
    const x1 = await start({ name: x, mdns: true })
    const y1 = await start({ name: y, mdns: true })
    const discovered = new Map<Node, string[]>()
    const x2 = await start({ name: x, mdns: true })
    const y2 = await start({ name: y, mdns: true })
    nodes = [x1, y1, x2, y2]
    for (const n of nodes) {
      discovered.set(n, [])
      n.mesh.libp2p.addEventListener('peer:discovery', evt => discovered.get(n)!.push(evt.detail.id.toString()))
    }
    await eventually(() => connected(x1, x2) && connected(y1, y2), 'each pair finds its own mesh on the LAN')
    for (const [p, q] of [[x1, y1], [x1, y2], [x2, y1], [x2, y2]]) expect(connected(p, q)).toBe(false)
    const foreign = (n: Node, others: Node[]): boolean => discovered.get(n)!.some(id => others.some(o => o.mesh.peerId === id))
    expect(foreign(x1, [y1, y2]) || foreign(x2, [y1, y2]) || foreign(y1, [x1, x2]) || foreign(y2, [x1, x2])).toBe(false)
  })
})
