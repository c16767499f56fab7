/**
 * Coordination token with fencing: two agents take turns holding `deploy:prod`; the resource
 * (here a tiny "deploy target") refuses any write carrying a token older than one it has seen,
 * so an agent whose lease lapsed while it was paused cannot deploy late.
 *   npx tsx examples/coordination-token.ts
 */
import { LockUnavailableError } from '../src/index.js'
import { closeAll, localMesh } from './local-mesh.js'

const [a, b] = await localMesh('coordination', 2)

let highest = ''
const target = {
  deploy (token: string, who: string, version: string): void {
    if (token <= highest) throw new Error(`refused ${who}: stale token ${token.slice(0, 16)} (seen ${highest.slice(0, 16)})`)
    highest = token
    console.log(`deployed ${version} for ${who} with token ${token.slice(0, 16)}`)
  }
}

const first = await a.lock('deploy:prod', { ttl: 300, owner: 'agent-a' })
await b.lock('deploy:prod', { owner: 'agent-b' }).catch((err: Error) => {
  if (err instanceof LockUnavailableError) console.log('agent-b must wait:', err.message)
})
target.deploy(first.token, 'agent-a', 'v1')

// agent-a "pauses" past its ttl; agent-b waits for the lock and deploys
const second = await b.lock('deploy:prod', { ttl: 5_000, owner: 'agent-b', wait: 5_000 })
console.log('agent-a lease lost:', first.signal.aborted, (first.signal.reason as Error)?.name)
target.deploy(second.token, 'agent-b', 'v2')

// agent-a wakes up and tries to deploy with its old token: the resource refuses it
try {
  target.deploy(first.token, 'agent-a', 'v1-late')
} catch (err) {
  console.log((err as Error).message)
}
await second.release()
await closeAll([a, b])
