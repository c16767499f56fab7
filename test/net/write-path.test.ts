/** The gossip write path's shortcuts (issue 15): nothing published to nobody, duplicates known before verification. */
import { afterEach, describe, expect, it } from 'vitest'
import { fastMessageId } from '../../src/net/node.js'
import { start, stopAll, type Node } from './helpers.js'

let nodes: Node[] = []
afterEach(async () => { await stopAll(nodes); nodes = [] })

describe('gossip write path', () => {
  it('a node alone publishes nothing; once a peer joins, its writes reach it (gossiped, or pushed once the two know they form a clique) and the earlier ones too', async () => {
    const a = await start()
    nodes.push(a)
    for (let i = 0; i < 20; i++) await a.mesh.set(`alone/${i}`, 'v')
    await a.mesh.set('alone/last', 'v')
    await new Promise(resolve => setImmediate(resolve))
    expect(a.mesh.stats().messagesOut).toBe(0)
    const b = await start({ bootstrap: [a.mesh.multiaddrs[0]] })
    nodes.push(b)
    await a.mesh.waitForPeers(1, { timeout: 15_000 })
    await b.mesh.waitFor('alone/last', { timeout: 15_000 })
    await a.mesh.set('together', 'v')
    await b.mesh.waitFor('together', { timeout: 15_000 })
    const out = a.mesh.stats()
    expect(out.messagesOut + out.replication.pushed).toBeGreaterThan(0)
    for (let i = 0; i < 20; i++) expect(b.mesh.get(`alone/${i}`)?.text()).toBe('v')
  })

  it('every copy of a message has the id of its signature; different signatures, different ids', () => {
    const sig = new Uint8Array(64).fill(7)
    const copy = new Uint8Array(80)
    copy.set(sig, 16)
    expect(fastMessageId({ signature: sig })).toBe(fastMessageId({ signature: copy.subarray(16) }))
    const other = sig.slice()
    other[63] = 8
    expect(fastMessageId({ signature: other })).not.toBe(fastMessageId({ signature: sig }))
    expect(fastMessageId({})).toBe('')
  })
})
