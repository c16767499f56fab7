/**
 * Acknowledged writes: `replicas`, the delivery ledger (`stats().undelivered`), and the hand-off
 * of `flush()` and `close()`. Each of these failed before the push protocol existed.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { Store } from '../../src/core/store.js'
import { Delivery } from '../../src/net/delivery.js'
import type { PushProtocol } from '../../src/net/push.js'
import { InvalidOptionError, MeshClosedError, NotEnoughPeersError, ReplicationError, ReplicationTimeoutError } from '../../src/index.js'
import { runWriter } from '../../sim/crash.js'
import { eventually, start, startMesh, stopAll, type Node } from './helpers.js'

let nodes: Node[] = []
afterEach(async () => { await stopAll(nodes); nodes = [] })

describe('set and delete with replicas', () => {
  it('resolve only once that many peers have applied the write', async () => {
    nodes = await startMesh(3)
    const [a, b, c] = nodes
    const e = await a.mesh.set('k', 'v', { replicas: 2 })
    // both peers hold it the moment the promise resolves: no waiting on gossip here
    expect(b.mesh.get('k')?.hlc).toBe(e.hlc)
    expect(c.mesh.get('k')?.hlc).toBe(e.hlc)
    const t = await a.mesh.delete('k', { replicas: 1 })
    expect(t.deleted).toBe(true)
    expect([b, c].filter(n => n.mesh.has('k')).length).toBeLessThanOrEqual(1)
    await a.mesh.delete('k', { replicas: 2 })
    expect(b.mesh.has('k') || c.mesh.has('k')).toBe(false)
    expect(a.mesh.stats().replication.confirmed).toBeGreaterThanOrEqual(1)
  })

  it('a write with replicas: 1 survives its writer calling process.exit(0) at once, 1,000 times over', async () => {
    nodes = [await start()]
    const [peer] = nodes
    const run = await runWriter({ bootstrap: [peer.mesh.multiaddrs[0]], count: 1_000, replicas: 1, end: 'exit' }, { timeoutMs: 170_000 })
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(run.acked).toHaveLength(1_000)
    // no waiting: every acknowledged write is already here
    const held = run.acked.filter(a => peer.mesh.get(a.key)?.hlc === a.hlc)
    expect(held).toHaveLength(1_000)
  }, 180_000)

  it('with fewer connected peers than asked: NotEnoughPeersError at once, the write applied here', async () => {
    nodes = await startMesh(2)
    const [a] = nodes
    const t0 = Date.now()
    const err = await a.mesh.set('k', 'v', { replicas: 2, replicaTimeout: 60_000 }).catch((e: unknown) => e)
    expect(Date.now() - t0).toBeLessThan(30_000) // at once, not after replicaTimeout
    expect(err).toBeInstanceOf(NotEnoughPeersError)
    expect(err).toBeInstanceOf(ReplicationError)
    const e = err as NotEnoughPeersError
    expect(e.name).toBe('NotEnoughPeersError')
    expect({ confirmed: e.confirmed, wanted: e.wanted, connected: e.connected }).toEqual({ confirmed: 0, wanted: 2, connected: 1 })
    expect(e.entry.key).toBe('k')
    expect(a.mesh.get('k')?.hlc).toBe(e.entry.hlc)
    // and a lone node
    const lone = await start()
    nodes.push(lone)
    await expect(lone.mesh.delete('x', { replicas: 1 })).rejects.toMatchObject({ name: 'NotEnoughPeersError', connected: 0, wanted: 1 })
    expect(lone.mesh.stats().replication.notEnoughPeers).toBe(1)
  })

  it('ReplicationTimeoutError says how many confirmed; the write stays applied and keeps replicating', async () => {
    // one peer refuses new keys (it is full), the other takes them: replicas 2 can get one confirmation
    nodes = await startMesh(2)
    const [a, c] = nodes
    const full = await start({ maxEntries: 1 })
    nodes.push(full)
    await full.mesh.set('mine', 'x')
    await full.mesh.dial(a.mesh.multiaddrs[0])
    await full.mesh.dial(c.mesh.multiaddrs[0])
    await eventually(() => a.mesh.peers().length === 2, 'the full node joined')
    const t0 = Date.now()
    // long enough for c's ack on a loaded machine; the full peer never confirms
    const err = await a.mesh.set('k', 'v', { replicas: 2, replicaTimeout: 3_000 }).catch((e: unknown) => e)
    expect(Date.now() - t0).toBeGreaterThanOrEqual(2_990)
    expect(err).toBeInstanceOf(ReplicationTimeoutError)
    const e = err as ReplicationTimeoutError
    expect({ name: e.name, confirmed: e.confirmed, wanted: e.wanted, key: e.entry.key }).toEqual({ name: 'ReplicationTimeoutError', confirmed: 1, wanted: 2, key: 'k' })
    expect(a.mesh.get('k')?.text()).toBe('v')
    expect(c.mesh.get('k')?.text()).toBe('v')
    expect(full.mesh.has('k')).toBe(false)
    expect(a.mesh.stats().replication.timeouts).toBe(1)
    // replicas 1 routes around the full peer
    await a.mesh.set('k2', 'v', { replicas: 1, replicaTimeout: 5_000 })
    expect(c.mesh.get('k2')?.text()).toBe('v')
  })

  it('refuses bad replication options before writing', async () => {
    nodes = [await start()]
    const [a] = nodes
    for (const bad of [{ replicas: -1 }, { replicas: 1.5 }, { replicas: '1' as unknown as number }, { replicas: 1, replicaTimeout: -5 }]) {
      await expect(a.mesh.set('k', 'v', bad)).rejects.toBeInstanceOf(InvalidOptionError)
    }
    expect(a.mesh.has('k')).toBe(false)
    const ac = new AbortController()
    ac.abort()
    await expect(a.mesh.flush({ timeout: -1 })).rejects.toBeInstanceOf(InvalidOptionError)
  })
})

describe('undelivered writes', () => {
  it('are counted while no peer is connected, then handed over once one connects', async () => {
    nodes = [await start()]
    const [a] = nodes
    await a.mesh.set('x', '1')
    await a.mesh.set('y', '2')
    await a.mesh.delete('z')
    await a.mesh.set('x', '3') // the latest write per key is what needs delivering
    expect(a.mesh.stats().undelivered).toBe(3)
    expect(await a.mesh.flush()).toEqual({ undelivered: 3 })
    const b = await start({ bootstrap: [a.mesh.multiaddrs[0]] })
    nodes.push(b)
    await eventually(() => a.mesh.stats().undelivered === 0, 'a peer confirmed all three')
    expect(b.mesh.get('x')?.text()).toBe('3')
  })

  it('flush() resolves once a peer holds every write', async () => {
    nodes = await startMesh(2)
    const [a, b] = nodes
    for (let i = 0; i < 200; i++) await a.mesh.set(`f/${i}`, `v${i}`)
    const report = await a.mesh.flush({ timeout: 60_000 })
    expect(b.mesh.list({ prefix: 'f/' }).keys).toHaveLength(200)
    expect(report).toEqual({ undelivered: 0 })
    expect(a.mesh.stats().undelivered).toBe(0)
  })

  it('close() with no peer says what it could not deliver (return value, stats, process warning)', async () => {
    nodes = [await start()]
    const [a] = nodes
    await a.mesh.set('x', '1')
    await a.mesh.set('y', '2')
    const warnings: Error[] = []
    const onWarning = (w: Error): void => { warnings.push(w) }
    process.on('warning', onWarning)
    try {
      expect(await a.mesh.close()).toEqual({ undelivered: 2 })
      await new Promise(resolve => setImmediate(resolve))
    } finally {
      process.off('warning', onWarning)
    }
    expect(a.mesh.stats().replication.undeliveredAtClose).toBe(2)
    expect(warnings.map(w => (w as Error & { code?: string }).code)).toContain('MESHKV_UNDELIVERED')
    await expect(a.mesh.set('z', '1')).rejects.toBeInstanceOf(MeshClosedError)
  })

  it('await close() hands 50 one-MB values to the peer before it returns', async () => {
    // a generous bound: this is about close() not returning early, not about throughput
    nodes = await startMesh(2, { closeTimeoutMs: 120_000 })
    const [a, b] = nodes
    const big = new Uint8Array(1024 * 1024)
    for (let i = 0; i < 50; i++) await a.mesh.set(`big/${i}`, big.fill(i))
    const report = await a.mesh.close()
    expect(b.mesh.list({ prefix: 'big/' }).keys).toHaveLength(50)
    expect(report).toEqual({ undelivered: 0 })
    expect(b.mesh.get('big/49')?.value[0]).toBe(49)
    expect(a.mesh.stats().replication.undeliveredAtClose).toBe(0)
  }, 180_000)
})

describe('the delivery ledger (stubbed network)', () => {
  it('a sync round that finds the states equal confirms what was written before it, not after', async () => {
    const store = new Store('me')
    const peer = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    const offered: string[] = []
    const push = { exchange: async (_p: unknown, writes: Array<{ key: string }>, offers: Array<{ key: string }>) => { offered.push(...offers.map(e => e.key), ...writes.map(e => e.key)); throw new Error('unreachable') } } as unknown as PushProtocol
    let late: ReturnType<Store['set']> | undefined
    const delivery = new Delivery({
      push,
      store,
      peers: () => [peer],
      backlog: () => 0,
      sync: async () => {
        late = store.set('late', 'written during the round')
        delivery.record(late)
        return { diff: 0 }
      }
    })
    delivery.record(store.set('a', '1'))
    delivery.record(store.set('b', '2'))
    expect(delivery.undelivered).toBe(2)
    const left = await delivery.handOff(300)
    expect(left).toBe(1)
    expect(delivery.counters.confirmed).toBe(2)
    expect(offered).toContain('late')
    expect(offered).not.toContain('a')
    delivery.stop()
  })
})
