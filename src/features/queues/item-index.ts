/**
 * The live items of each gossip-mode queue this node pops from, in HLC order, kept up to date
 * from the store's events: a pop reads only live items, never the tombstones acked items leave
 * behind (kept for the tombstone retention), so its cost does not grow with the queue's history.
 */
import { QUEUE_PREFIX } from '../../core/keys.js'
import { lowerBound } from '../../core/key-index.js'

/** What the index hears: a store event. */
export interface ItemEvent { type: string, key: string }

interface QueueIndex {
  /** Live item ids, sorted (HLC order). */
  ids: string[]
}

export class ItemIndex {
  private readonly queues = new Map<string, QueueIndex>()

  /** The index of `name`, built on first use from `scan` (the live item ids in order). */
  of (name: string, scan: () => string[]): QueueIndex {
    let q = this.queues.get(name)
    if (q === undefined) {
      q = { ids: scan() }
      this.queues.set(name, q)
    }
    return q
  }

  /** Feeds a store event (any key; those outside queues are ignored at the cost of one prefix check). */
  observe (e: ItemEvent): void {
    if (!e.key.startsWith(QUEUE_PREFIX)) return
    const parts = e.key.slice(QUEUE_PREFIX.length).split('/')
    if (parts.length !== 3) return
    let name: string
    try {
      name = decodeURIComponent(parts[0])
    } catch {
      return
    }
    const q = this.queues.get(name)
    if (q === undefined) return
    const id = parts[2]
    if (parts[1] !== 'i') return
    const at = lowerBound(q.ids, id)
    const held = q.ids[at] === id
    if (e.type === 'set' && !held) q.ids.splice(at, 0, id)
    else if (e.type !== 'set' && held) q.ids.splice(at, 1)
  }
}
