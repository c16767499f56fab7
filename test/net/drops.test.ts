import { afterEach, describe, expect, it } from 'vitest'
import { DropNotFoundError, Drops, InvalidTokenError } from '../../src/index.js'
import type { Store } from '../../src/core/store.js'
import type { MeshNode } from '../../src/net/node.js'
import { startMesh, stopAll, eventually, type Node } from './helpers.js'

let nodes: Node[] = []
afterEach(async () => { await stopAll(nodes); nodes = [] })

/** Every version of every key a node holds, as raw bytes (what an operator of that node could read). */
const rawState = (n: Node): Buffer => Buffer.concat(n.mesh.list({ prefix: '@meshkv/' }).entries!.map(e => Buffer.concat([Buffer.from(e.key), Buffer.from(e.value)])))

describe('secure-relay drops across 3 nodes', () => {
  it('the token holder opens it on another node; every store holds ciphertext only', async () => {
    nodes = await startMesh(3)
    const [a, b, c] = nodes
    const plaintext = 'the database password is hunter2'
    const { token, key } = await a.mesh.drops.seal(plaintext, { ttl: 60_000 })
    expect(token).toMatch(/^mkd1\./)
    expect(new TextDecoder().decode(await c.mesh.drops.open(token, { wait: 5_000 }))).toBe(plaintext)
    await eventually(() => b.mesh.get(key) !== undefined, 'b holds the drop')
    for (const n of nodes) expect(rawState(n).includes(Buffer.from('hunter2'))).toBe(false)
    expect(b.mesh.list().keys).toEqual([]) // drops are not listed as user data
  })

  it('a wrong token finds nothing; a malformed one is refused; an expired one is gone', async () => {
    nodes = await startMesh(2)
    const [a, b] = nodes
    await a.mesh.drops.seal('x', { ttl: 60_000 })
    const other = await a.mesh.drops.seal('y', { ttl: 300 })
    await expect(b.mesh.drops.open((await a.mesh.drops.seal('z')).token.slice(0, -2) + 'AA')).rejects.toBeInstanceOf(DropNotFoundError)
    await expect(b.mesh.drops.open('hello')).rejects.toBeInstanceOf(InvalidTokenError)
    await eventually(() => !a.mesh.has(other.key), 'the short drop expires', 3_000)
    await expect(b.mesh.drops.open(other.token)).rejects.toBeInstanceOf(DropNotFoundError)
  })

  it('burn after read: the first open deletes it everywhere', async () => {
    nodes = await startMesh(3)
    const [a, b, c] = nodes
    const { token, key } = await a.mesh.drops.seal('once', { ttl: 60_000, burnAfterRead: true })
    expect(new TextDecoder().decode(await b.mesh.drops.open(token, { wait: 5_000 }))).toBe('once')
    await eventually(() => nodes.every(n => !n.mesh.has(key)), 'the drop is gone on every node')
    await expect(c.mesh.drops.open(token)).rejects.toBeInstanceOf(DropNotFoundError)
  })

  it('rendezvous: two agents derive the same drop from shared context', async () => {
    nodes = await startMesh(3)
    const [a, , c] = nodes
    const shared = 'team-shared-secret-0123456789'
    const waiting = c.mesh.drops.openFor(shared, 'handoff:task-77', { wait: 5_000 })
    await a.mesh.drops.sealFor(shared, 'handoff:task-77', JSON.stringify({ step: 3 }), { ttl: 60_000 })
    expect(JSON.parse(new TextDecoder().decode(await waiting))).toEqual({ step: 3 })
    await expect(c.mesh.drops.openFor(shared, 'handoff:task-78')).rejects.toBeInstanceOf(DropNotFoundError)
  })

  it('public-key drops: only the private key holder opens its inbox', async () => {
    nodes = await startMesh(3)
    const [a, b, c] = nodes
    const bob = Drops.generateKeyPair()
    const eve = Drops.generateKeyPair()
    await a.mesh.drops.sealTo(bob.publicKey, 'first', { ttl: 60_000 })
    // "oldest first" is HLC order: c seals after it has seen a's drop, so its clock is later (two
    // unrelated writes in the same millisecond on two nodes have no real-time order to keep)
    await eventually(() => c.mesh.list({ prefix: '@meshkv/inbox/' }).keys.length === 1, 'the first drop reaches c')
    await c.mesh.drops.sealTo(bob.publicKey, 'second', { ttl: 60_000, burnAfterRead: true })
    await eventually(() => b.mesh.list({ prefix: '@meshkv/inbox/' }).keys.length === 2, 'both drops reach b')
    expect((await b.mesh.drops.openWith(bob.privateKey)).map(x => new TextDecoder().decode(x))).toEqual(['first', 'second'])
    expect(await b.mesh.drops.openWith(eve.privateKey)).toEqual([])
    expect((await b.mesh.drops.openWith(bob.privateKey)).map(x => new TextDecoder().decode(x))).toEqual(['first']) // 'second' burnt
    // waiting on an empty inbox: the first drop to land is opened; none within the wait is a named error
    const carol = Drops.generateKeyPair()
    const waiting = b.mesh.drops.openWith(carol.privateKey, { wait: 5_000 })
    await a.mesh.drops.sealTo(carol.publicKey, 'for carol', { ttl: 60_000 })
    expect((await waiting).map(x => new TextDecoder().decode(x))).toEqual(['for carol'])
    await expect(b.mesh.drops.openWith(Drops.generateKeyPair().privateKey, { wait: 100 })).rejects.toBeInstanceOf(DropNotFoundError)
  })

  it('a garbage entry planted in an inbox (bypassing the API) does not cost the recipient its drops', async () => {
    nodes = await startMesh(2)
    const [a, b] = nodes
    const bob = Drops.generateKeyPair()
    const first = await a.mesh.drops.sealTo(bob.publicKey, 'first', { ttl: 60_000, burnAfterRead: true })
    const inbox = first.key.slice(0, first.key.lastIndexOf('/') + 1)
    const { store, node } = a.mesh as unknown as { store: Store, node: MeshNode }
    node.publish(store.set(`${inbox}0000-garbage`, 'x'.repeat(80), 60_000))
    await a.mesh.drops.sealTo(bob.publicKey, 'third', { ttl: 60_000, burnAfterRead: true })
    await eventually(() => b.mesh.list({ prefix: inbox }).keys.length === 3, 'all three reach b')
    const r = await b.mesh.drops.openInbox(bob.privateKey)
    expect(r.opened.map(d => new TextDecoder().decode(d.payload))).toEqual(['first', 'third'])
    expect(r.failed).toMatchObject([{ key: `${inbox}0000-garbage`, error: { name: 'DropTamperedError' } }])
    expect(b.mesh.list({ prefix: inbox }).keys).toEqual([`${inbox}0000-garbage`]) // burnt: only what was delivered
  })
})
