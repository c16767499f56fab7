/**
 * Knowing when a mesh is connected: `ready()` resolves once a node holds the mesh's state (its
 * first anti-entropy round), `waitForPeers(n)` once n peers are connected; both event-driven,
 * bounded by `timeout`, ended by `signal` and by close.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { AbortError, createMesh, MeshClosedError, WaitTimeoutError, type Mesh } from '../../src/index.js'

const opened: Mesh[] = []
async function node (options: Parameters<typeof createMesh>[0] = {}): Promise<Mesh> {
  const m = await createMesh({ listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, ...options })
  opened.push(m)
  return m
}
afterEach(async () => { await Promise.all(opened.splice(0).map(async m => m.close())) })

describe('mesh.ready()', () => {
  it('a node that expects no peer is ready at once', async () => {
    const alone = await node()
    expect(alone.caughtUp).toBe(true)
    await alone.ready({ timeout: 1 })
  })

  it('a node bootstrapped from another holds what that one holds once ready', async () => {
    const a = await node()
    for (let i = 0; i < 200; i++) await a.set(`k${i}`, `v${i}`, { ttl: 60_000 })
    const b = await node({ bootstrap: [a.multiaddrs[0]], syncIntervalMs: Infinity })
    await b.ready({ timeout: 30_000 })
    expect(b.caughtUp).toBe(true)
    for (let i = 0; i < 200; i++) expect(b.get(`k${i}`)?.text()).toBe(`v${i}`)
  })

  it('rejects after its timeout when the bootstrap node never answers, and on abort and close', async () => {
    const gone = await node()
    const addr = gone.multiaddrs[0]
    await gone.close()
    const b = await node({ bootstrap: [addr] })
    expect(b.caughtUp).toBe(false)
    await expect(b.ready({ timeout: 200 })).rejects.toBeInstanceOf(WaitTimeoutError)
    const ac = new AbortController()
    const aborted = b.ready({ signal: ac.signal })
    ac.abort()
    await expect(aborted).rejects.toBeInstanceOf(AbortError)
    const closing = b.ready()
    await b.close()
    await expect(closing).rejects.toBeInstanceOf(MeshClosedError)
  })
})

describe('mesh.waitForPeers()', () => {
  it('resolves with the peers once enough are connected', async () => {
    const a = await node()
    const waiting = a.waitForPeers(2, { timeout: 30_000 })
    const b = await node({ bootstrap: [a.multiaddrs[0]] })
    const c = await node({ bootstrap: [a.multiaddrs[0]] })
    expect((await waiting).sort()).toEqual([b.peerId, c.peerId].sort())
    expect(await b.waitForPeers(1, { timeout: 30_000 })).toContain(a.peerId)
  })

  it('rejects after its timeout, and on close', async () => {
    const alone = await node()
    await expect(alone.waitForPeers(1, { timeout: 100 })).rejects.toBeInstanceOf(WaitTimeoutError)
    const closing = alone.waitForPeers()
    await alone.close()
    await expect(closing).rejects.toBeInstanceOf(MeshClosedError)
  })
})
