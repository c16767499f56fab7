/**
 * `npm start`: a local mesh of three embedded nodes on loopback. Shows a write replicating, a TTL
 * expiring on every node at the same instant, and a partition with writes on both sides healing.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { createMesh, type Mesh } from '../src/index.js'
import { Gate } from '../sim/gate.js'

const t0 = Date.now()
const log = (msg: string): void => { console.log(`[${String(Date.now() - t0).padStart(5)} ms] ${msg}`) }
const until = async (cond: () => boolean, timeoutMs = 15_000): Promise<void> => {
  const end = Date.now() + timeoutMs
  while (!cond()) {
    if (Date.now() > end) throw new Error('the demo timed out waiting for the mesh')
    await sleep(10)
  }
}

const gates = [new Gate(), new Gate(), new Gate()]
const common = { name: 'demo', listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, syncIntervalMs: 1_000 }
const a = await createMesh({ ...common, connectionGater: gates[0] })
const b = await createMesh({ ...common, connectionGater: gates[1], bootstrap: [a.multiaddrs[0]] })
const c = await createMesh({ ...common, connectionGater: gates[2], bootstrap: [a.multiaddrs[0]] })
const nodes: Array<[string, Mesh]> = [['A', a], ['B', b], ['C', c]]
for (const [n, m] of nodes) log(`node ${n} is ${m.peerId.slice(-8)} at ${m.multiaddrs[0]}`)
await b.dial(c.multiaddrs[0])
await Promise.all(nodes.map(async ([, m]) => m.waitForPeers(2, { timeout: 30_000 })))
log('all three nodes joined mesh "demo"')

console.log('\n1. A write on A replicates')
const start = performance.now()
await a.set('task:42', JSON.stringify({ state: 'running', by: 'agent-a' }), { ttl: 60_000 })
await Promise.all([b.waitFor('task:42'), c.waitFor('task:42')])
log(`B and C read ${c.get('task:42')?.text()} after ${(performance.now() - start).toFixed(2)} ms`)

console.log('\n2. A TTL expires on every node at the same instant')
const hb = await a.set('heartbeat:agent-a', 'alive', { ttl: 1_500 })
await until(() => nodes.every(([, m]) => m.has('heartbeat:agent-a')))
log(`heartbeat written with ttl 1500 ms; expires at ${new Date(hb.expiresAt!).toISOString()} on every node`)
await Promise.all(nodes.map(async ([n, m]) => {
  for await (const e of m.watch({ prefix: 'heartbeat:' })) {
    if (e.type === 'expire') { log(`node ${n}: heartbeat:agent-a expired (${Date.now() - hb.expiresAt!} ms after expiresAt)`); break }
  }
}))

console.log('\n3. A partition with writes on both sides heals')
for (const g of [gates[0], gates[1]]) g.blocked.add(c.peerId)
gates[2].blocked.add(a.peerId).add(b.peerId)
await a.libp2p.hangUp(c.libp2p.peerId)
await b.libp2p.hangUp(c.libp2p.peerId)
await until(() => c.peers().length === 0)
log('C is cut off from A and B')
await a.set('config:mode', 'blue')
await c.set('config:mode', 'green')
await c.set('only-on-c', 'written during the partition')
await until(() => b.get('config:mode')?.text() === 'blue')
log(`during the partition: A and B read config:mode=${b.get('config:mode')?.text()}, C reads ${c.get('config:mode')?.text()}`)
for (const g of gates) g.blocked.clear()
const healed = Date.now()
log('partition healed; the nodes redial each other and run anti-entropy')
await until(() => new Set(nodes.map(([, m]) => m.stats().digest)).size === 1)
log(`converged ${Date.now() - healed} ms after the heal: every node reads config:mode=${a.get('config:mode')?.text()} (the write with the greater HLC) and only-on-c=${a.get('only-on-c')?.text() !== undefined ? 'present' : 'missing'}`)
for (const [n, m] of nodes) {
  const s = m.stats()
  log(`node ${n}: ${s.entries} entries, ${s.tombstones} tombstones, digest ${s.digest}, ${s.syncs.initiated + s.syncs.served} sync rounds`)
}
await Promise.all(nodes.map(async ([, m]) => m.close()))
log('closed')
