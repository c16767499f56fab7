/**
 * Work claiming by 5 agents: a queue of review items; each agent takes the lock of the next free
 * item (without waiting), works on it, marks it done, and moves on. Every item is done exactly
 * once, with no coordinator.
 *   npx tsx examples/work-claiming.ts
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { LockUnavailableError, type Mesh } from '../src/index.js'
import { closeAll, localMesh } from './local-mesh.js'

const agents = await localMesh('review-queue', 5)
const items = Array.from({ length: 12 }, (_, i) => `pr-${100 + i}`)
for (const item of items) await agents[0].set(`todo:${item}`, item, { ttl: 600_000 })
await Promise.all(agents.map(async m => { for (const item of items) await m.waitFor(`todo:${item}`) }))

async function work (mesh: Mesh, name: string): Promise<string[]> {
  const mine: string[] = []
  for (const item of items) {
    if (mesh.has(`done:${item}`)) continue
    let lease
    try {
      lease = await mesh.lock(`review:${item}`, { ttl: 10_000, owner: name })
    } catch (err) {
      if (err instanceof LockUnavailableError) continue // someone else has it
      throw err
    }
    if (!mesh.has(`done:${item}`)) {
      await sleep(20) // review…
      await mesh.set(`done:${item}`, name, { ttl: 600_000 })
      mine.push(item)
    }
    await lease.release()
  }
  return mine
}

const done = await Promise.all(agents.map(async (m, i) => work(m, `agent-${i}`)))
done.forEach((list, i) => console.log(`agent-${i} reviewed ${list.join(', ') || 'nothing'}`))
const all = done.flat()
console.log(`${all.length} reviews for ${items.length} items; duplicates: ${all.length - new Set(all).size}`)
await closeAll(agents)
