/**
 * Quorum-mode locks around start and restart: a fresh mesh grants at once; an acceptor restarted
 * with its old identity waits out `maxLeaseTtlMs`, and says so.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { LockUnavailableError } from '../../src/index.js'
import { eventually, start, startMesh, stopAll, type Node } from './helpers.js'

let nodes: Node[] = []
afterEach(async () => { await stopAll(nodes); nodes = [] })
const dir = mkdtempSync(join(tmpdir(), 'meshkv-quorum-'))
afterAll(() => { rmSync(dir, { recursive: true, force: true }) })

describe('quorum locks and acceptor identity', () => {
  it('a fresh 3-node mesh acquires a quorum lock at once (no 60 s start-up wait)', async () => {
    nodes = await startMesh(3)
    const members = nodes.map(n => n.mesh.peerId)
    for (const n of nodes) expect(n.mesh.stats().acceptor.recoveringUntil).toBeUndefined()
    const began = Date.now()
    const lease = await nodes[0].mesh.lock('deploy', { mode: 'quorum', quorum: { members }, ttl: 5_000 })
    expect(Date.now() - began).toBeLessThan(5_000)
    await expect(nodes[1].mesh.lock('deploy', { mode: 'quorum', quorum: { members }, owner: 'other' }))
      .rejects.toMatchObject({ name: 'LockUnavailableError' })
    await lease.release()
    const next = await nodes[2].mesh.lock('deploy', { mode: 'quorum', quorum: { members }, ttl: 5_000, wait: 5_000 })
    expect(next.token > lease.token).toBe(true)
  })

  it('an acceptor restarted with its identity file waits maxLeaseTtlMs, refusing with reason acceptor-restarting', async () => {
    const opts = { maxLeaseTtlMs: 60_000 }
    const file = join(dir, 'b.key')
    const a = await start(opts)
    let b = await start({ ...opts, identityFile: file, bootstrap: [a.mesh.multiaddrs[0]] })
    nodes = [a, b]
    await eventually(() => a.mesh.peers().includes(b.mesh.peerId), 'a and b connect')
    expect(b.mesh.stats().acceptor.recoveringUntil).toBeUndefined() // created just now: fresh
    const members = [a.mesh.peerId, b.mesh.peerId]
    const first = await a.mesh.lock('job', { mode: 'quorum', quorum: { members }, ttl: 2_000 })
    await first.release()
    await stopAll([b])
    b = await start({ ...opts, identityFile: file, bootstrap: [a.mesh.multiaddrs[0]] })
    nodes = [a, b]
    expect(b.mesh.peerId).toBe(members[1])
    await eventually(() => a.mesh.peers().includes(b.mesh.peerId), 'a and the restarted b connect')
    expect(b.mesh.stats().acceptor.recoveringUntil).toBeGreaterThan(Date.now() + 50_000)
    const err = await a.mesh.lock('job', { mode: 'quorum', quorum: { members }, ttl: 2_000 }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(LockUnavailableError)
    expect((err as LockUnavailableError).reason).toBe('acceptor-restarting')
    expect((err as Error).message).toMatch(/1 acceptor\(s\) restarted and grant nothing for maxLeaseTtlMs/)
  })
})
