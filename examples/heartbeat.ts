/**
 * Heartbeat / presence via TTL: each worker rewrites `presence:<id>` with a short TTL on an
 * interval. A worker that stops writing disappears from every node at the same instant, and the
 * `expire` event is the signal (circuit breakers and failure detectors work the same way).
 *   npx tsx examples/heartbeat.ts
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { closeAll, localMesh } from './local-mesh.js'

const [monitor, w1, w2] = await localMesh('presence', 3)
const beat = (mesh: typeof w1, id: string): NodeJS.Timeout => {
  const write = (): void => { mesh.set(`presence:${id}`, JSON.stringify({ pid: process.pid, at: Date.now() }), { ttl: 1_500 }).catch(() => {}) }
  write()
  return setInterval(write, 500)
}
const t1 = beat(w1, 'worker-1')
const t2 = beat(w2, 'worker-2')

const watching = (async () => {
  for await (const e of monitor.watch({ prefix: 'presence:' })) {
    if (e.type === 'expire') {
      console.log(`${e.key} went silent; live now:`, monitor.list({ prefix: 'presence:' }).keys)
      return
    }
  }
})()
await sleep(1_000)
console.log('live:', monitor.list({ prefix: 'presence:' }).keys)
console.log('worker-2 crashes (stops beating)…')
clearInterval(t2)
await watching
clearInterval(t1)
await closeAll([monitor, w1, w2])
