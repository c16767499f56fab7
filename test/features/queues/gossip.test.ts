/**
 * Gossip-mode queues on one node with an injected clock: FIFO by HLC, visibility timeouts,
 * ack/nack, size/peek, dead letters, pop --wait, input checks; local consumers never share an item.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { InvalidKeyError, InvalidOptionError, InvalidReceiptError, StaleReceiptError } from '../../../src/core/errors.js'
import { Entry } from '../../../src/core/entry.js'
import { formatTimestamp } from '../../../src/core/hlc.js'
import type { Store } from '../../../src/core/store.js'
import { itemKey } from '../../../src/features/queues/layout.js'
import type { Mesh } from '../../../src/index.js'
import { start, stopAll, type Node } from '../../net/helpers.js'

let nodes: Node[] = []
afterEach(async () => { await stopAll(nodes); nodes = [] })

let now = 1_700_000_000_000
const clock = (): number => now
const text = (b: Uint8Array | undefined): string | undefined => b === undefined ? undefined : new TextDecoder().decode(b)

async function one (): Promise<Mesh> {
  const n = await start({ clock })
  nodes.push(n)
  return n.mesh
}

describe('gossip-mode queues', () => {
  it('FIFO; a popped item is hidden for its visibility timeout, then delivered again', async () => {
    const mesh = await one()
    const ids = []
    for (const x of ['a', 'b', 'c']) ids.push((await mesh.queues.push('jobs', x)).id)
    expect(await mesh.queues.size('jobs')).toBe(3)
    const a = await mesh.queues.pop('jobs', { visibilityTimeout: 1_000 })
    expect(text(a?.data)).toBe('a')
    expect(a?.id).toBe(ids[0])
    expect(a?.deliveries).toBe(1)
    expect((await mesh.queues.peek('jobs')).map(i => text(i.data))).toEqual(['b', 'c'])
    expect(text((await mesh.queues.pop('jobs'))?.data)).toBe('b')
    now += 1_000
    const again = await mesh.queues.pop('jobs')
    expect(again?.id).toBe(a?.id)
    expect(again?.deliveries).toBe(2)
    await mesh.queues.ack('jobs', again!.receipt)
    await mesh.queues.ack('jobs', a!.receipt) // already gone: fine
    expect(await mesh.queues.size('jobs')).toBe(2)
    // unrelated keys stay out of list
    expect(mesh.list().keys).toEqual([])
  })

  it('concurrent local consumers never get one item twice', async () => {
    const mesh = await one()
    for (let i = 0; i < 50; i++) await mesh.queues.push('w', `${i}`)
    const got = await Promise.all(Array.from({ length: 60 }, async () => mesh.queues.pop('w')))
    const ids = got.filter(g => g !== undefined).map(g => g.id)
    expect(ids).toHaveLength(50)
    expect(new Set(ids).size).toBe(50)
  })

  it('nack gives the item back now; a nack of a superseded claim is StaleReceiptError', async () => {
    const mesh = await one()
    await mesh.queues.push('q', 'x')
    const x = await mesh.queues.pop('q')
    expect(await mesh.queues.pop('q')).toBeUndefined()
    await mesh.queues.nack('q', x!.receipt)
    const y = await mesh.queues.pop('q')
    expect(y?.deliveries).toBe(2)
    await expect(mesh.queues.nack('q', x!.receipt)).rejects.toBeInstanceOf(StaleReceiptError)
    await expect(mesh.queues.ack('q', 'r1.nonsense')).rejects.toBeInstanceOf(InvalidReceiptError)
    await expect(mesh.queues.ack('q', y!.receipt, { mode: 'quorum' })).rejects.toBeInstanceOf(InvalidReceiptError)
  })

  it('an item delivered maxDeliveries times moves to <name>:dead', async () => {
    const mesh = await one()
    await mesh.queues.push('q', 'poison')
    await mesh.queues.push('q', 'fine')
    for (let i = 0; i < 3; i++) {
      expect(text((await mesh.queues.pop('q', { visibilityTimeout: 10, maxDeliveries: 3 }))?.data)).toBe('poison')
      now += 10
    }
    expect(text((await mesh.queues.pop('q', { maxDeliveries: 3 }))?.data)).toBe('fine')
    expect((await mesh.queues.peek('q:dead')).map(i => text(i.data))).toEqual(['poison'])
    expect(await mesh.queues.size('q')).toBe(1)
  })

  it('items expire at their TTL', async () => {
    const mesh = await one()
    await mesh.queues.push('q', 'short', { ttl: 100 })
    await mesh.queues.push('q', 'long')
    now += 100
    expect(await mesh.queues.size('q')).toBe(1)
    expect(text((await mesh.queues.pop('q'))?.data)).toBe('long')
  })

  it('pop --wait wakes on a push; ends empty after wait; aborts', async () => {
    const mesh = await one()
    const waiting = mesh.queues.pop('q', { wait: 10_000 })
    await mesh.queues.push('q', 'late')
    expect(text((await waiting)?.data)).toBe('late')
    expect(await mesh.queues.pop('q', { wait: 20 })).toBeUndefined()
    const ac = new AbortController()
    const aborted = mesh.queues.pop('q', { wait: 10_000, signal: ac.signal })
    ac.abort()
    await expect(aborted).rejects.toMatchObject({ name: 'AbortError' })
  })

  it('an item arriving late from another node, with an earlier HLC, is popped in its place', async () => {
    const mesh = await one()
    await mesh.queues.push('q', 'local')
    expect(await mesh.queues.size('q')).toBe(1) // the queue's index is built now
    const stamp = { wall: now - 1_000, counter: 0, node: 'elsewhere' }
    const late = new Entry({ key: itemKey('q', formatTimestamp(stamp)), value: new TextEncoder().encode('late'), wall: stamp.wall, counter: 0, origin: 'elsewhere', expiresAt: now + 60_000 })
    expect((mesh as unknown as { store: Store }).store.merge([late])).toEqual(['applied'])
    expect((await mesh.queues.peek('q')).map(i => text(i.data))).toEqual(['late', 'local'])
    expect(text((await mesh.queues.pop('q'))?.data)).toBe('late')
    const local = await mesh.queues.pop('q')
    await mesh.queues.ack('q', local!.receipt)
    expect(await mesh.queues.size('q')).toBe(1)
  })

  it('refuses bad input by name', async () => {
    const mesh = await one()
    await expect(mesh.queues.push('', 'x')).rejects.toBeInstanceOf(InvalidKeyError)
    await expect(mesh.queues.pop('q', { visibilityTimeout: 0 })).rejects.toBeInstanceOf(InvalidOptionError)
    await expect(mesh.queues.pop('q', { maxDeliveries: 1.5 })).rejects.toBeInstanceOf(InvalidOptionError)
    await expect(mesh.queues.pop('q', { mode: 'strong' as 'quorum' })).rejects.toBeInstanceOf(InvalidOptionError)
    await expect(mesh.queues.peek('q', { limit: 0 })).rejects.toBeInstanceOf(InvalidOptionError)
  })
})
