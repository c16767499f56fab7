import { afterEach, describe, expect, it } from 'vitest'
import type { GossipSub } from '@libp2p/gossipsub'
import { Entry } from '../../src/core/entry.js'
import { encodeBatch } from '../../src/net/codec.js'
import { InvalidKeyError, MeshClosedError, ValueTooLargeError, WaitTimeoutError, AbortError, type MeshEvent } from '../../src/index.js'
import { eventually, heal, partition, start, startMesh, stopAll, type Node } from './helpers.js'

let nodes: Node[] = []
afterEach(async () => { await stopAll(nodes); nodes = [] })

const digests = (ns: Node[]): Set<string> => new Set(ns.map(n => n.mesh.stats().digest))

describe('three real nodes on loopback', () => {
  it('replicates writes and deletes, and watchers see them', async () => {
    nodes = await startMesh(3)
    const [a, b, c] = nodes
    const seen: MeshEvent[] = []
    const ac = new AbortController()
    const watching = (async () => { for await (const e of c.mesh.watch({ prefix: 'job:', signal: ac.signal })) seen.push(e) })()
    const written = await a.mesh.set('job:1', JSON.stringify({ state: 'queued' }), { ttl: 60_000 })
    const [atB, atC] = await Promise.all([b.mesh.waitFor('job:1', { timeout: 5_000 }), c.mesh.waitFor('job:1', { timeout: 5_000 })])
    expect(atB.json()).toEqual({ state: 'queued' })
    expect(atC.hlc).toBe(written.hlc)
    expect(atC.origin).toBe(a.mesh.peerId)
    expect(atC.expiresAt).toBe(written.expiresAt)
    await b.mesh.delete('job:1')
    await eventually(() => !a.mesh.has('job:1') && !c.mesh.has('job:1'), 'the delete reaches a and c')
    await eventually(() => seen.length >= 2, 'c watched both changes')
    ac.abort()
    await watching
    expect(seen.map(e => [e.type, e.key, e.local])).toEqual([['set', 'job:1', false], ['delete', 'job:1', false]])
    await eventually(() => digests(nodes).size === 1, 'digests agree')
  })

  it('a node that joins late receives the full live state', async () => {
    nodes = await startMesh(2)
    const [a, b] = nodes
    for (let i = 0; i < 200; i++) await a.mesh.set(`a/${i}`, `v${i}`, { ttl: 60_000 })
    for (let i = 0; i < 100; i++) await b.mesh.set(`b/${i}`, `w${i}`, { ttl: 60_000 })
    await b.mesh.delete('a/0')
    await eventually(() => digests(nodes).size === 1, 'a and b agree')
    const late = await start({ bootstrap: [a.mesh.multiaddrs[0]] })
    nodes.push(late)
    await eventually(() => late.mesh.stats().digest === a.mesh.stats().digest, 'the late joiner converges')
    expect(late.mesh.list({ prefix: 'a/' }).keys).toHaveLength(199)
    expect(late.mesh.list({ prefix: 'b/' }).keys).toHaveLength(100)
    expect(late.mesh.get('b/42')?.text()).toBe('w42')
    expect(late.mesh.has('a/0')).toBe(false)
  })

  it('a TTL expires on every node at the same instant, with an expire event on each', async () => {
    nodes = await startMesh(3)
    const events = nodes.map(() => [] as Array<{ at: number, e: MeshEvent }>)
    const ac = new AbortController()
    const loops = nodes.map(async (n, i) => { for await (const e of n.mesh.watch({ prefix: 'hb/', signal: ac.signal })) events[i].push({ at: Date.now(), e }) })
    const written = await nodes[0].mesh.set('hb/worker-1', 'alive', { ttl: 600 })
    await eventually(() => nodes.every(n => n.mesh.has('hb/worker-1')), 'every node sees the heartbeat')
    await eventually(() => events.every(es => es.some(x => x.e.type === 'expire')), 'every node emits expire', 5_000)
    ac.abort()
    await Promise.all(loops)
    for (const es of events) {
      const expire = es.find(x => x.e.type === 'expire')!
      // at the absolute instant (writer's wall + ttl), not ttl after each node received it
      expect(expire.at).toBeGreaterThanOrEqual(written.expiresAt!)
      expect(expire.at - written.expiresAt!).toBeLessThan(500)
      expect(expire.e.entry?.text()).toBe('alive')
    }
    expect(nodes.every(n => !n.mesh.has('hb/worker-1'))).toBe(true)
    expect(nodes.every(n => n.mesh.stats().tombstones === 1)).toBe(true)
  })

  it('a partition with writes on both sides heals and converges, last writer winning', async () => {
    nodes = await startMesh(3)
    const [a, b, c] = nodes
    await a.mesh.set('shared', 'before', { ttl: 60_000 })
    await eventually(() => c.mesh.get('shared')?.text() === 'before', 'c sees the first write')
    await partition([a, b], [c])
    await eventually(() => c.mesh.peers().length === 0 && a.mesh.peers().length === 1, 'c is cut off')
    for (let i = 0; i < 50; i++) await a.mesh.set(`major/${i}`, `m${i}`, { ttl: 60_000 })
    for (let i = 0; i < 30; i++) await c.mesh.set(`minor/${i}`, `n${i}`, { ttl: 60_000 })
    const minority = await c.mesh.set('shared', 'minority', { ttl: 60_000 })
    const majority = await b.mesh.set('shared', 'majority', { ttl: 60_000 })
    // the greater HLC wins (a later wall time, or within one millisecond the counter, then the node id)
    const winner = minority.hlc > majority.hlc ? minority : majority
    // c never saw it: its tombstone wins when its HLC is the greater, as it is unless c's clock
    // (corrected by its offset estimate) runs behind a's by more than the time between the writes
    const live = a.mesh.get('major/7')
    const tombstone = await c.mesh.delete('major/7')
    const majors = live !== undefined && tombstone.hlc < live.hlc ? 50 : 49
    await eventually(() => b.mesh.list({ prefix: 'major/' }).keys.length === 50, 'the majority side replicates')
    expect(c.mesh.list({ prefix: 'major/' }).keys).toHaveLength(0)
    expect(a.mesh.list({ prefix: 'minor/' }).keys).toHaveLength(0)
    heal(nodes)
    await eventually(() => digests(nodes).size === 1, 'every node converges after the heal', 20_000)
    for (const n of nodes) {
      expect(n.mesh.get('shared')?.text()).toBe(winner.text())
      expect(n.mesh.get('shared')?.hlc).toBe(winner.hlc)
      expect(n.mesh.list({ prefix: 'major/' }).keys).toHaveLength(majors)
      expect(n.mesh.list({ prefix: 'minor/' }).keys).toHaveLength(30)
    }
  })

  it('rejects and counts junk and future-dated gossip, and valid writes still replicate', async () => {
    nodes = await startMesh(3)
    const [a, b, evil] = nodes
    const pubsub = (evil.mesh.libp2p.services as { pubsub: GossipSub }).pubsub
    const topic = '/meshkv/1/default'
    const junk = [new Uint8Array([0xff, 0xff, 0xff]), new Uint8Array(0), new TextEncoder().encode('{"not":"protobuf"}')]
    for (const data of junk) await pubsub.publish(topic, data)
    const future = new Entry({ key: 'future', value: new Uint8Array([1]), wall: Date.now() + 10 * 60_000, counter: 0, origin: evil.mesh.peerId })
    await pubsub.publish(topic, encodeBatch([future]))
    const forged = new Entry({ key: 'forged', value: new Uint8Array([1]), wall: Date.now(), counter: 0, origin: a.mesh.peerId })
    await pubsub.publish(topic, encodeBatch([forged]))
    await eventually(() => b.mesh.stats().rejected.total >= 5 && a.mesh.stats().rejected.total >= 5, 'a and b count every bad message')
    const r = b.mesh.stats().rejected
    expect(r.malformed + r['invalid-entry'] + r.version).toBeGreaterThanOrEqual(3)
    expect(r.drift).toBeGreaterThanOrEqual(1)
    expect(r['origin-mismatch']).toBeGreaterThanOrEqual(1)
    expect(b.mesh.has('future')).toBe(false)
    expect(b.mesh.has('forged')).toBe(false)
    await a.mesh.set('still', 'works')
    expect((await b.mesh.waitFor('still', { timeout: 5_000 })).text()).toBe('works')
  })
})

describe('API errors', () => {
  it('throws named errors for bad input, timeouts, aborts and use after close', async () => {
    const n = await start()
    nodes = [n]
    await expect(n.mesh.set('', 'v')).rejects.toBeInstanceOf(InvalidKeyError)
    await expect(n.mesh.set('k', 'x'.repeat(2_000_000))).rejects.toBeInstanceOf(ValueTooLargeError)
    await expect(n.mesh.waitFor('never', { timeout: 50 })).rejects.toBeInstanceOf(WaitTimeoutError)
    const ac = new AbortController()
    const waiting = n.mesh.waitFor('never', { signal: ac.signal })
    ac.abort()
    await expect(waiting).rejects.toBeInstanceOf(AbortError)
    const pending = n.mesh.waitFor('never')
    await n.mesh.close()
    await expect(pending).rejects.toBeInstanceOf(MeshClosedError)
    await expect(n.mesh.set('k', 'v')).rejects.toMatchObject({ name: 'MeshClosedError' })
    expect(n.mesh.get('k')).toBeUndefined()
  })
})
