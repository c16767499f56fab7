/**
 * `watch()` is bounded: a consumer that falls more than `maxQueued` events (or `maxQueuedBytes`)
 * behind is cut off with WatchOverflowError and its queued events are dropped, as etcd cancels a
 * slow watcher; a consumer that keeps up is never cut off.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { EventQueue } from '../../src/api/watch.js'
import { InvalidOptionError, WatchOverflowError } from '../../src/index.js'
import { start, stopAll, type Node } from '../net/helpers.js'

let nodes: Node[] = []
afterEach(async () => { await stopAll(nodes); nodes = [] })

class Overflow extends Error {}

describe('EventQueue bounds', () => {
  it('drops what it holds and ends once a bound is passed; the consumer is told once, then done', async () => {
    let ended = 0
    const q = new EventQueue<number>(() => { ended++ }, undefined, { maxItems: 3, maxBytes: 1_000, sizeOf: () => 1, overflow: () => new Overflow() })
    for (let i = 0; i < 10; i++) q.push(i)
    expect(q.queued).toBe(0)
    expect(ended).toBe(1)
    await expect(q.next()).rejects.toBeInstanceOf(Overflow)
    expect(await q.next()).toEqual({ value: undefined, done: true })
  })

  it('counts bytes, and frees them as the consumer takes items', async () => {
    const q = new EventQueue<number>(() => {}, undefined, { maxItems: 100, maxBytes: 10, sizeOf: n => n, overflow: () => new Overflow() })
    q.push(4)
    q.push(4)
    expect(await q.next()).toEqual({ value: 4, done: false })
    q.push(6) // 4 + 6 = 10: at the bound, not past it
    expect(q.queued).toBe(2)
    q.push(1)
    expect(q.queued).toBe(0)
    await expect(q.next()).rejects.toBeInstanceOf(Overflow)
  })
})

describe('mesh.watch bounds', () => {
  it('a watcher more than maxQueued events behind gets WatchOverflowError and holds nothing', async () => {
    const n = await start({ syncIntervalMs: Infinity })
    nodes = [n]
    const slow = n.mesh.watch({ prefix: 'k/', maxQueued: 100 })
    for (let i = 0; i < 1_000; i++) await n.mesh.set(`k/${i}`, 'v')
    expect(n.mesh.stats().watches).toEqual({ active: 0, overflowed: 1 })
    await expect(slow.next()).rejects.toBeInstanceOf(WatchOverflowError)
    await expect(slow.next()).resolves.toEqual({ value: undefined, done: true })
  })

  it('a watcher that keeps up is never cut off', async () => {
    const n = await start({ syncIntervalMs: Infinity })
    nodes = [n]
    const seen: string[] = []
    const reading = (async () => {
      for await (const e of n.mesh.watch({ prefix: 'k/', maxQueued: 10 })) {
        seen.push(e.key)
        if (seen.length === 1_000) break
      }
    })()
    for (let i = 0; i < 1_000; i++) await n.mesh.set(`k/${i}`, 'v')
    await reading
    expect(seen).toHaveLength(1_000)
    expect(n.mesh.stats().watches).toEqual({ active: 0, overflowed: 0 })
  })

  it('maxQueuedBytes bounds the bytes held: large values overflow it with few events', async () => {
    const n = await start({ syncIntervalMs: Infinity })
    nodes = [n]
    const slow = n.mesh.watch({ maxQueuedBytes: 64 * 1024 })
    for (let i = 0; i < 20; i++) await n.mesh.set(`big/${i}`, new Uint8Array(8 * 1024))
    expect(n.mesh.stats().watches.overflowed).toBe(1)
    await expect(slow.next()).rejects.toBeInstanceOf(WatchOverflowError)
  })

  it('refuses bounds that are not positive numbers', async () => {
    const n = await start({ syncIntervalMs: Infinity })
    nodes = [n]
    expect(() => n.mesh.watch({ maxQueued: 0 })).toThrow(InvalidOptionError)
    expect(() => n.mesh.watch({ maxQueuedBytes: -1 })).toThrow(InvalidOptionError)
  })
})
