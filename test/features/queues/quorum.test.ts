/**
 * Quorum-mode queues over an in-memory linearizable register map (the engine's stand-in): FIFO,
 * visibility timeouts on the injected clock, ack/nack receipts, dead letters, the size bound, and
 * a model check that no item is ever held by two consumers at once and none is lost.
 */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { InvalidReceiptError, QueueFullError, StaleReceiptError } from '../../../src/core/errors.js'
import { Queues } from '../../../src/features/queues/queues.js'
import { fakeQueueHost } from './fake-quorum.js'

const text = (b: Uint8Array): string => new TextDecoder().decode(b)
const Q = { mode: 'quorum' } as const

function setup (options: { maxValueBytes?: number } = {}): { queues: Queues, clock: { now: number } } {
  const clock = { now: 1_000_000 }
  return { queues: new Queues(fakeQueueHost(() => clock.now, options)), clock }
}

describe('quorum-mode queues (fake engine)', () => {
  it('FIFO; a popped item is hidden until its visibility timeout, then delivered again', async () => {
    const { queues, clock } = setup()
    for (const x of ['a', 'b', 'c']) await queues.push('jobs', x, Q)
    expect(await queues.size('jobs', Q)).toBe(3)
    const a = await queues.pop('jobs', { ...Q, visibilityTimeout: 1_000 })
    expect(a && text(a.data)).toBe('a')
    expect(a?.deliveries).toBe(1)
    expect((await queues.peek('jobs', Q)).map(i => text(i.data))).toEqual(['b', 'c'])
    const b = await queues.pop('jobs', { ...Q, visibilityTimeout: 1_000 })
    expect(b && text(b.data)).toBe('b')
    clock.now += 1_000
    const again = await queues.pop('jobs', Q)
    expect(again?.id).toBe(a?.id)
    expect(again?.deliveries).toBe(2)
    // the first receipt is stale now: that consumer's ack is refused, the new holder's works
    await expect(queues.ack('jobs', a!.receipt, Q)).rejects.toBeInstanceOf(StaleReceiptError)
    await queues.ack('jobs', again!.receipt, Q)
    await queues.ack('jobs', again!.receipt, Q) // repeats safely
    expect(await queues.size('jobs', Q)).toBe(2)
  })

  it('nack gives an item back at once; receipts of the other mode or garbled ones are refused by name', async () => {
    const { queues } = setup()
    await queues.push('q', 'x', Q)
    const x = await queues.pop('q', Q)
    expect(await queues.pop('q', Q)).toBeUndefined()
    await queues.nack('q', x!.receipt, Q)
    const y = await queues.pop('q', Q)
    expect(y?.deliveries).toBe(2)
    await expect(queues.nack('q', x!.receipt, Q)).rejects.toBeInstanceOf(StaleReceiptError)
    await expect(queues.ack('q', 'garbage', Q)).rejects.toBeInstanceOf(InvalidReceiptError)
    await expect(queues.ack('q', y!.receipt)).rejects.toBeInstanceOf(InvalidReceiptError)
  })

  it('an item delivered maxDeliveries times goes to <name>:dead, once', async () => {
    const { queues, clock } = setup()
    await queues.push('q', 'poison', Q)
    await queues.push('q', 'fine', Q)
    for (let i = 0; i < 2; i++) {
      const p = await queues.pop('q', { ...Q, visibilityTimeout: 10, maxDeliveries: 2 })
      expect(p && text(p.data)).toBe('poison')
      clock.now += 10
    }
    const next = await queues.pop('q', { ...Q, maxDeliveries: 2 })
    expect(next && text(next.data)).toBe('fine')
    expect(await queues.size('q:dead', Q)).toBe(1)
    expect((await queues.peek('q:dead', Q)).map(i => text(i.data))).toEqual(['poison'])
    expect(await queues.size('q', Q)).toBe(1)
  })

  it('items expire at their TTL; the state register is bounded (QueueFullError)', async () => {
    const { queues, clock } = setup({ maxValueBytes: 2_000 })
    await queues.push('q', 'short', { ...Q, ttl: 100 })
    clock.now += 100
    expect(await queues.size('q', Q)).toBe(0)
    expect(await queues.pop('q', Q)).toBeUndefined()
    await expect((async () => { for (let i = 0; i < 100; i++) await queues.push('q', `${i}`, Q) })()).rejects.toBeInstanceOf(QueueFullError)
  })

  it('pop --wait in quorum mode finds an item pushed while it waits', async () => {
    const { queues } = setup()
    const waiting = queues.pop('q', { ...Q, wait: 5_000 })
    await new Promise(resolve => setTimeout(resolve, 30))
    await queues.push('q', 'late', Q)
    const got = await waiting
    expect(got && text(got.data)).toBe('late')
  })

  it('model check: concurrent consumers never hold one item at once, and no item is lost', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.oneof(
        fc.record({ op: fc.constant('push' as const) }),
        fc.record({ op: fc.constant('pop' as const), consumers: fc.integer({ min: 1, max: 4 }), vt: fc.integer({ min: 1, max: 50 }) }),
        fc.record({ op: fc.constant('ack' as const), pick: fc.nat() }),
        fc.record({ op: fc.constant('nack' as const), pick: fc.nat() }),
        fc.record({ op: fc.constant('tick' as const), ms: fc.integer({ min: 1, max: 60 }) })
      ), { maxLength: 60 }),
      async ops => {
        const { queues, clock } = setup()
        const pushed = new Set<string>()
        const acked = new Set<string>()
        const held = new Map<string, { receipt: string, until: number }>()
        for (const o of ops) {
          if (o.op === 'push') pushed.add((await queues.push('m', 'x', { ...Q, ttl: Infinity })).id)
          if (o.op === 'pop') {
            const got = await Promise.all(Array.from({ length: o.consumers }, async () => queues.pop('m', { ...Q, visibilityTimeout: o.vt })))
            for (const g of got) {
              if (g === undefined) continue
              const h = held.get(g.id)
              // never handed out while another delivery of it is still inside its timeout
              expect(h === undefined || h.until <= clock.now).toBe(true)
              held.set(g.id, { receipt: g.receipt, until: clock.now + o.vt })
            }
          }
          if ((o.op === 'ack' || o.op === 'nack') && held.size > 0) {
            const [id, h] = [...held.entries()][o.pick % held.size]
            const live = h.until > clock.now
            try {
              if (o.op === 'ack') await queues.ack('m', h.receipt, Q)
              else await queues.nack('m', h.receipt, Q)
              if (o.op === 'ack') acked.add(id)
              held.delete(id)
            } catch (err) {
              // only a delivery whose timeout ran out can have been superseded
              expect(err).toBeInstanceOf(StaleReceiptError)
              expect(live).toBe(false)
            }
          }
          if (o.op === 'tick') clock.now += o.ms
        }
        expect(await queues.size('m', Q)).toBe(pushed.size - acked.size)
      }
    ), { numRuns: 200 })
  })
})
