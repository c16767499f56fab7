/**
 * Ephemeral broadcast: a config change or announcement written once reaches every node, and every
 * listener is told; it expires on its own so stale announcements never linger.
 *   npx tsx examples/broadcast.ts
 */
import { closeAll, localMesh } from './local-mesh.js'

const nodes = await localMesh('broadcast', 4)
const [admin, ...listeners] = nodes

const received = listeners.map(async (m, i) => {
  for await (const e of m.watch({ prefix: 'config:' })) {
    if (e.type === 'set') return `listener ${i + 1} got ${e.key} = ${e.entry!.text()}`
  }
})
await admin.set('config:log-level', 'debug', { ttl: 30_000 })
for (const line of await Promise.all(received)) console.log(line)
await closeAll(nodes)
