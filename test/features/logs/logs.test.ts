/**
 * `mesh.logs` on one node, with an injected clock: order, ranges, isolation between keys, TTL,
 * watch (replay then live, nothing between), clear (late arrivals of cleared records stay cleared).
 */
import { afterEach, describe, expect, it } from 'vitest'
import { Entry } from '../../../src/core/entry.js'
import { InvalidKeyError, InvalidOptionError, InvalidTtlError } from '../../../src/core/errors.js'
import { formatTimestamp } from '../../../src/core/hlc.js'
import type { Store } from '../../../src/core/store.js'
import { recordPrefix } from '../../../src/features/logs/layout.js'
import type { Mesh } from '../../../src/index.js'
import { start, stopAll, type Node } from '../../net/helpers.js'

let nodes: Node[] = []
afterEach(async () => { await stopAll(nodes); nodes = [] })

let now = 1_700_000_000_000
const clock = (): number => now
const text = (b: Uint8Array): string => new TextDecoder().decode(b)
const storeOf = (mesh: Mesh): Store => (mesh as unknown as { store: Store }).store

async function one (): Promise<Mesh> {
  const n = await start({ clock })
  nodes.push(n)
  return n.mesh
}

describe('logs', () => {
  it('append returns increasing positions; range reads in order, from a position, with a limit', async () => {
    const mesh = await one()
    const positions: string[] = []
    for (let i = 0; i < 10; i++) positions.push((await mesh.logs.append('chat', `m${i}`)).position)
    expect([...positions].sort()).toEqual(positions)
    expect(new Set(positions).size).toBe(10)
    const all = await mesh.logs.range('chat')
    expect(all.map(r => text(r.data))).toEqual(Array.from({ length: 10 }, (_, i) => `m${i}`))
    expect(all.map(r => r.position)).toEqual(positions)
    const page = await mesh.logs.range('chat', { since: positions[3], limit: 4 })
    expect(page.map(r => text(r.data))).toEqual(['m4', 'm5', 'm6', 'm7'])
    expect(await mesh.logs.range('chat', { since: positions[9] })).toEqual([])
  })

  it('keys are isolated (a log is not a prefix of another) and hidden from list', async () => {
    const mesh = await one()
    await mesh.logs.append('a', 'in a')
    await mesh.logs.append('a/b', 'in a/b')
    await mesh.logs.append('a0', 'in a0')
    expect((await mesh.logs.range('a')).map(r => text(r.data))).toEqual(['in a'])
    expect((await mesh.logs.range('a/b')).map(r => text(r.data))).toEqual(['in a/b'])
    expect(mesh.list().keys).toEqual([])
  })

  it('records expire at their own TTL', async () => {
    const mesh = await one()
    await mesh.logs.append('t', 'short', { ttl: 1_000 })
    await mesh.logs.append('t', 'long', { ttl: 60_000 })
    now += 2_000
    expect((await mesh.logs.range('t')).map(r => text(r.data))).toEqual(['long'])
  })

  it('refuses bad input by name; quorum mode is not offered', async () => {
    const mesh = await one()
    await expect(mesh.logs.append('', 'x')).rejects.toBeInstanceOf(InvalidKeyError)
    await expect(mesh.logs.append('k', 'x', { ttl: -1 })).rejects.toBeInstanceOf(InvalidTtlError)
    await expect(mesh.logs.append('k', 'x', { mode: 'quorum' })).rejects.toBeInstanceOf(InvalidOptionError)
    await expect(mesh.logs.append('k', 'x', { replicas: 1.5 })).rejects.toBeInstanceOf(InvalidOptionError)
    await expect(mesh.logs.range('k', { since: 'nope' })).rejects.toBeInstanceOf(InvalidOptionError)
    await expect(mesh.logs.range('k', { limit: 0 })).rejects.toBeInstanceOf(InvalidOptionError)
    expect(() => mesh.logs.watch('k', { since: 'nope' })).toThrow(InvalidOptionError)
  })

  it('watch replays after `since`, then follows: every record once, none missed between', async () => {
    const mesh = await one()
    const first = await mesh.logs.append('w', 'r0')
    await mesh.logs.append('w', 'r1')
    const ac = new AbortController()
    const seen: string[] = []
    const it = mesh.logs.watch('w', { since: first.position, signal: ac.signal })[Symbol.asyncIterator]()
    // the first next() subscribes and replays; appends made right after it are live
    const replay = it.next()
    await mesh.logs.append('w', 'r2')
    seen.push(text((await replay).value.data))
    await mesh.logs.append('w', 'r3')
    for (let i = 0; i < 2; i++) seen.push(text((await it.next()).value.data))
    ac.abort()
    expect((await it.next()).done).toBe(true)
    expect(seen).toEqual(['r1', 'r2', 'r3'])
  })

  it('clear hides every record up to now, late arrivals of cleared records included; later appends remain', async () => {
    const mesh = await one()
    await mesh.logs.append('c', 'old')
    const store = storeOf(mesh)
    // a record written elsewhere before the clear, still in flight
    const lateStamp = { wall: now - 10, counter: 0, node: 'elsewhere' }
    await mesh.logs.clear('c')
    expect(await mesh.logs.range('c')).toEqual([])
    const late = new Entry({ key: recordPrefix('c') + formatTimestamp(lateStamp), value: new TextEncoder().encode('late'), wall: lateStamp.wall, counter: 0, origin: 'elsewhere', expiresAt: now + 60_000 })
    expect(store.merge([late])).toEqual(['applied'])
    expect(await mesh.logs.range('c')).toEqual([])
    const after = await mesh.logs.append('c', 'new')
    expect((await mesh.logs.range('c')).map(r => r.position)).toEqual([after.position])
    // the records held were deleted, not just hidden
    expect(store.versionsWithPrefix(recordPrefix('c')).filter(e => !e.tombstone).length).toBe(2)
  })
})
