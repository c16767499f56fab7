/**
 * Dead drop: one agent leaves a result under an agreed key; another picks it up whenever it gets
 * there, and the drop forgets itself after its TTL whether or not anyone came.
 *   npx tsx examples/dead-drop.ts
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { closeAll, localMesh } from './local-mesh.js'

const [producer, consumer] = await localMesh('dead-drop', 2)

// the consumer starts waiting before the drop exists
const pickup = consumer.waitFor('drop:report-2026-11', { timeout: 10_000 })

await producer.set('drop:report-2026-11', JSON.stringify({ findings: 3, url: 'file:///tmp/report.md' }), { ttl: 5 * 60_000 })
const entry = await pickup
console.log('consumer picked up:', entry.json(), 'from', entry.origin.slice(-8))
console.log('it forgets itself at', new Date(entry.expiresAt!).toISOString())

// picked up: delete it so nobody else acts on it (a tombstone that replicates like a write)
await consumer.delete('drop:report-2026-11')
while (producer.has('drop:report-2026-11')) await sleep(10)
console.log('drop removed on every node')
await closeAll([producer, consumer])
