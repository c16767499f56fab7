/** createMesh({ dataDir }): a node that survives a restart (issue 12). */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createMesh } from '../../src/index.js'
import { eventually, start, stopAll, type Node } from '../net/helpers.js'

const HOUR = 3_600_000
const DAY = 24 * HOUR

describe('a durable mesh node', () => {
  let dir: string
  const nodes: Node[] = []
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'meshkv-durable-')) })
  afterEach(async () => {
    await stopAll(nodes.splice(0))
    rmSync(dir, { recursive: true, force: true })
  })

  it('reads back 24 h, 7 d and never-expiring keys after a restart, and forgets a delete never', async () => {
    const options = { dataDir: dir, maxTtlMs: 30 * DAY }
    const a = await start(options)
    await a.mesh.set('day', 'one day', { ttl: DAY })
    await a.mesh.set('week', 'seven days', { ttl: 7 * DAY })
    await a.mesh.set('forever', 'no expiry', { ttl: Infinity })
    await a.mesh.set('gone', 'x', { ttl: DAY })
    await a.mesh.delete('gone')
    const before = a.mesh.stats().digest
    await a.mesh.close()

    const b = await start(options)
    nodes.push(b)
    expect(b.mesh.get('day')?.text()).toBe('one day')
    expect(b.mesh.get('week')?.text()).toBe('seven days')
    expect(b.mesh.get('week')?.expiresAt).toBeGreaterThan(Date.now() + 6 * DAY)
    expect(b.mesh.get('forever')?.text()).toBe('no expiry')
    expect(b.mesh.get('forever')?.expiresAt).toBeUndefined()
    expect(b.mesh.get('gone')).toBeUndefined()
    expect(b.mesh.stats().digest).toBe(before)
  })

  it('one node per data directory', async () => {
    const a = await start({ dataDir: dir })
    nodes.push(a)
    await expect(createMesh({ dataDir: dir, mdns: false, listen: ['/ip4/127.0.0.1/tcp/0'] })).rejects.toMatchObject({ name: 'StorageError' })
  })

  it('drops what expired while down and rejoins by anti-entropy', async () => {
    let now = Date.now()
    const clock = (): number => now
    const a = await start({ dataDir: dir, clock })
    await a.mesh.set('short', 'x', { ttl: 1_000 })
    await a.mesh.set('kept', 'y', { ttl: HOUR })
    await a.mesh.close()

    now += 2_000
    const peer = await start({ clock })
    nodes.push(peer)
    await peer.mesh.set('from-peer', 'z', { ttl: HOUR })
    const b = await start({ dataDir: dir, clock, bootstrap: [peer.mesh.multiaddrs[0]] })
    nodes.push(b)
    const events: string[] = []
    void (async () => { for await (const e of b.mesh.watch()) events.push(`${e.type} ${e.key}`) })()
    expect(b.mesh.get('short')).toBeUndefined()
    expect(b.mesh.get('kept')?.text()).toBe('y')
    await eventually(() => peer.mesh.get('kept') !== undefined && b.mesh.get('from-peer') !== undefined, 'the restarted node and its peer exchanged their state')
    await eventually(() => b.mesh.stats().digest === peer.mesh.stats().digest, 'digests agree')
    expect(peer.mesh.get('short')).toBeUndefined()
    expect(events).not.toContain('set short')
    expect(events).not.toContain('expire short')
  })

  it('keeps its identity, and its acceptor remembers its grants: a quorum lock right after a restart', async () => {
    const a = await start({ dataDir: dir })
    const id = a.mesh.peerId
    const quorum = { members: [id] }
    await a.mesh.close()
    const b = await start({ dataDir: dir, quorum, maxLeaseTtlMs: 60_000 })
    nodes.push(b)
    expect(b.mesh.peerId).toBe(id)
    const lease = await b.mesh.lock('deploy', { ttl: 30_000 })
    expect(lease.token).toBeDefined()
    await b.mesh.close()
    nodes.pop()
    // restarted at once: no 'acceptor-restarting' wait, and the lease it granted is still held
    const c = await start({ dataDir: dir, quorum, maxLeaseTtlMs: 60_000 })
    nodes.push(c)
    expect(c.mesh.stats().acceptor).toMatchObject({ locks: 1 })
    const other = await c.mesh.lock('other-lock', { ttl: 5_000 })
    expect(other.token).toBeDefined()
  })

  it('a write acknowledged by a peer (replicas: 1) from a durable node, also after an idle spell', async () => {
    let now = Date.now()
    const a = await start({ dataDir: dir, clock: () => now })
    nodes.push(a)
    const b = await start({ clock: () => now, bootstrap: [a.mesh.multiaddrs[0]] })
    nodes.push(b)
    await eventually(() => a.mesh.peers().length === 1 && b.mesh.peers().length === 1, 'connected')
    await a.mesh.set('first', '1', { replicas: 1 })
    now += 60_000 // idle: the next timestamp is past the high-water mark on disk, so it is gossiped after the commit
    await a.mesh.set('second', '2', { replicas: 1 })
    expect(b.mesh.get('second')?.text()).toBe('2')
  })

  it('refuses a key limit beyond what the on-disk store holds', async () => {
    await expect(createMesh({ dataDir: dir, maxKeyBytes: 4_096 })).rejects.toMatchObject({ name: 'InvalidOptionError' })
  })
})
