/**
 * Quorum-mode queues over the quorum engine: each operation is a change of the queue's state
 * register (quorum-state.ts), so one consumer holds an item at a time and every answer is exact.
 * An item's data is a register of its own, written before the item joins the state and read after
 * it is claimed: a pop costs two quorum rounds, a push two, an ack two.
 */
import { InvalidReceiptError, QueueFullError, QuorumUnavailableError, StaleReceiptError } from '../../core/errors.js'
import type { PeekedItem, PoppedItem, QueueHost } from './host.js'
import { deadQueueOf, encodeReceipt, type PopParams, type Receipt } from './layout.js'
import {
  ackChange, dataKey, dropData, getData, nackChange, pending, popChange, pushChange, putData, readChange,
  removeChange, stateKey, visibleItems
} from './quorum-state.js'

type Signal = { signal?: AbortSignal }

/** How many times an operation is tried while a majority answers but the register stays contended. @default 8 */
export const CONTENDED_ATTEMPTS = 8

/**
 * The quorum engine's change, tried again while the register is contended: a majority of the
 * members answered, but rounds were lost to other proposers (consumers on other nodes). Every
 * change here is safe to repeat after an answer in doubt: pushes and moves are idempotent by id,
 * acks and nacks find the item gone or done, a pop finds its own claim by its token. A minority
 * side (fewer than a majority answered) fails at once.
 */
function registers (h: QueueHost): QueueHost['quorum'] {
  return {
    change: async (key, change, o) => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await h.quorum.change(key, change, o)
        } catch (err) {
          const contended = err instanceof QuorumUnavailableError && err.answered * 2 > err.members
          if (!contended || attempt >= CONTENDED_ATTEMPTS || o?.signal?.aborted === true) throw err
          await new Promise(resolve => setTimeout(resolve, Math.random() * 20 * attempt))
        }
      }
    }
  }
}

export async function push (h: QueueHost, name: string, data: Uint8Array, ttl: number, o: Signal = {}): Promise<{ id: string }> {
  const id = h.stamp()
  const x = ttl === Infinity ? undefined : h.now() + ttl
  await registers(h).change(dataKey(name, id), putData(data, x), o)
  await add(h, name, id, x, o)
  return { id }
}

async function add (h: QueueHost, name: string, id: string, x: number | undefined, o: Signal): Promise<void> {
  const r = await registers(h).change(stateKey(name), pushChange({ id, x }, h.maxValueBytes), o)
  if (r === 'full') {
    await registers(h).change(dataKey(name, id), dropData(), o).catch(() => {})
    throw new QueueFullError(`quorum-mode queue ${JSON.stringify(name)} is full: its state register would outgrow maxValueBytes (${h.maxValueBytes} bytes, about ${Math.floor(h.maxValueBytes / 100)} items); drain it, or use gossip mode`)
  }
}

export async function pop (h: QueueHost, name: string, p: PopParams, o: Signal = {}): Promise<PoppedItem | undefined> {
  for (;;) {
    const r = await registers(h).change(stateKey(name), popChange(p.visibilityTimeout, p.maxDeliveries, popToken()), o)
    for (const id of r.dead) await moveDead(h, name, id, o)
    if (r.claimed === undefined) return undefined
    const { id, deliveries } = r.claimed
    const data = await registers(h).change(dataKey(name, id), getData(), o)
    if (data !== undefined) return { id, data, deliveries, receipt: encodeReceipt({ mode: 'quorum', id, deliveries }) }
    // its data expired (with the item, between the two rounds): drop it and try the next one
    await registers(h).change(stateKey(name), removeChange(id), o)
  }
}

/**
 * Moves an item marked dead to `<name>:dead` (the same id there, so a move retried after a crash
 * adds it once), then removes it here. A move cut short is finished by the next pop.
 */
async function moveDead (h: QueueHost, name: string, id: string, o: Signal): Promise<void> {
  const data = await registers(h).change(dataKey(name, id), getData(), o)
  if (data !== undefined) {
    const dead = deadQueueOf(name)
    await registers(h).change(dataKey(dead, id), putData(data, undefined), o)
    await add(h, dead, id, undefined, o)
  }
  await registers(h).change(stateKey(name), removeChange(id), o)
  await registers(h).change(dataKey(name, id), dropData(), o)
}

/** A token naming one pop (unique among a queue's claims in practice: 60 random bits). */
function popToken (): string {
  return Math.random().toString(36).slice(2, 14)
}

function quorumReceipt (r: Receipt): { id: string, deliveries: number } {
  if (r.mode !== 'quorum') throw new InvalidReceiptError('this receipt is from a gossip-mode pop: ack or nack it in gossip mode')
  return r
}

function stale (name: string, id: string): StaleReceiptError {
  return new StaleReceiptError(`item ${id} of queue ${JSON.stringify(name)} was popped again after this receipt's visibility timeout ran out: another consumer holds it now`)
}

/** Removes the item if this receipt is its latest delivery; an item already gone (acked, expired, dead-lettered): nothing to do. */
export async function ack (h: QueueHost, name: string, receipt: Receipt, o: Signal = {}): Promise<void> {
  const { id, deliveries } = quorumReceipt(receipt)
  const r = await registers(h).change(stateKey(name), ackChange(id, deliveries), o)
  if (r === 'stale') throw stale(name, id)
  if (r === 'done') await registers(h).change(dataKey(name, id), dropData(), o)
}

export async function nack (h: QueueHost, name: string, receipt: Receipt, o: Signal = {}): Promise<void> {
  const { id, deliveries } = quorumReceipt(receipt)
  if (await registers(h).change(stateKey(name), nackChange(id, deliveries), o) === 'stale') throw stale(name, id)
}

export async function size (h: QueueHost, name: string, o: Signal = {}): Promise<number> {
  return pending(await registers(h).change(stateKey(name), readChange(), o)).length
}

export async function peek (h: QueueHost, name: string, limit: number, o: Signal = {}): Promise<PeekedItem[]> {
  const items = visibleItems(await registers(h).change(stateKey(name), readChange(), o), h.now(), limit)
  const out: PeekedItem[] = []
  for (const i of items) {
    const data = await registers(h).change(dataKey(name, i.id), getData(), o)
    if (data !== undefined) out.push({ id: i.id, data, deliveries: i.d })
  }
  return out
}
