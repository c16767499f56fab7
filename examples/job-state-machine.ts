/**
 * Job state machine: a job's state lives under `job:<id>`; a coordinator moves it from queued to
 * running to done, every agent watches the transitions, and finished jobs forget themselves.
 *   npx tsx examples/job-state-machine.ts
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { closeAll, localMesh } from './local-mesh.js'

type State = 'queued' | 'running' | 'done'
const [coordinator, worker, observer] = await localMesh('jobs', 3)

const seen: string[] = []
const ac = new AbortController()
const watching = (async () => {
  for await (const e of observer.watch({ prefix: 'job:', signal: ac.signal })) {
    if (e.type === 'set') seen.push(`${e.key}: ${(e.entry!.json() as { state: State }).state}`)
  }
})()

await coordinator.set('job:7', JSON.stringify({ state: 'queued' satisfies State }), { ttl: 600_000 })
const queued = await worker.waitFor('job:7')
console.log('worker sees', queued.json())
await worker.set('job:7', JSON.stringify({ state: 'running' satisfies State, worker: worker.peerId.slice(-8) }), { ttl: 600_000 })
// ... the work ...
await worker.set('job:7', JSON.stringify({ state: 'done' satisfies State, result: 42 }), { ttl: 60_000 }) // done jobs forget sooner
while (seen.length < 3) await sleep(10)
ac.abort()
await watching
console.log('observer saw transitions:', seen)
await closeAll([coordinator, worker, observer])
