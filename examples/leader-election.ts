/**
 * Leader election: three agents campaign for `singleton-job`; one leads and renews automatically,
 * the others wait. When the leader resigns (or crashes and its lease expires), a waiting agent
 * takes over. `leader.signal` tells a leader it lost the role.
 *   npx tsx examples/leader-election.ts
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { closeAll, localMesh } from './local-mesh.js'

const agents = await localMesh('election', 3)
const campaigns = agents.map(async (mesh, i) => {
  const leadership = await mesh.elect('singleton-job', { id: `agent-${i}`, ttl: 2_000, wait: Infinity })
  console.log(`agent-${i} leads (term token ${leadership.token.slice(0, 16)}); everyone sees leader = ${agents[(i + 1) % 3].leader('singleton-job') ?? '(propagating)'}`)
  await sleep(500) // do the singleton work
  await leadership.resign()
  console.log(`agent-${i} resigned`)
})
await Promise.all(campaigns)
await closeAll(agents)
