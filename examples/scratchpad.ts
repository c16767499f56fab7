/**
 * Scratchpad: agents working on one task share notes under a prefix; any of them lists the pad
 * in key order, page by page.
 *   npx tsx examples/scratchpad.ts
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { closeAll, localMesh } from './local-mesh.js'

const agents = await localMesh('scratchpad', 3)
const task = 'task:refactor-auth'

await agents[0].set(`${task}/notes/001`, 'auth middleware lives in src/http/auth.ts', { ttl: 3_600_000 })
await agents[1].set(`${task}/notes/002`, 'tokens are validated twice; remove the second pass', { ttl: 3_600_000 })
await agents[2].set(`${task}/notes/003`, 'tests: test/http/auth.test.ts covers expiry', { ttl: 3_600_000 })
await agents[1].set(`${task}/owner`, 'agent-2', { ttl: 3_600_000 })

// wait until agent 0 sees all three notes, then read the pad two entries at a time
while (agents[0].list({ prefix: `${task}/notes/` }).keys.length < 3) await sleep(10)
let cursor: string | undefined
do {
  const page = agents[0].list({ prefix: `${task}/notes/`, limit: 2, cursor })
  for (const e of page.entries ?? []) console.log(e.key, '→', e.text())
  cursor = page.nextCursor
} while (cursor !== undefined)
console.log('owner:', agents[0].get(`${task}/owner`)?.text())
await closeAll(agents)
