/**
 * Scale (issue 15): `n` real nodes, each in a process of its own, joined by bootstrapping from the
 * first; `writes` writes on the first, one at a time, each timed until every other node has it
 * (set-to-visible at n nodes, with a shared clock: performance.timeOrigin + now(), the same on
 * one machine), and the gossip messages each node sent per write (gossipsub RPC messages,
 * relays included: O(D), gossipsub's mesh degree, rather than O(n)).
 * `npx tsx bench/scale.ts [nodes] [writes]`.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { GossipSub } from '@libp2p/gossipsub'
import { createMesh } from '../src/index.js'
import { summary } from './stats.js'

const now = (): number => performance.timeOrigin + performance.now()

type Msg = { kind: 'up', addr: string } | { kind: 'peers', n: number } | { kind: 'seen', key: string, at: number } | { kind: 'wrote', key: string, at: number } | { kind: 'sent', messages: number }

/** One node, in a child process: reports what it sees, writes when told. */
async function child (bootstrap: string | undefined): Promise<void> {
  const mesh = await createMesh({ listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, bootstrap: bootstrap !== undefined ? [bootstrap] : [] })
  let messages = 0
  const pubsub = (mesh.libp2p.services as { pubsub: GossipSub }).pubsub as unknown as { sendRpc: (id: string, rpc: { messages?: unknown[] }) => boolean }
  const send = pubsub.sendRpc.bind(pubsub)
  pubsub.sendRpc = (id, rpc) => { messages += rpc.messages?.length ?? 0; return send(id, rpc) }
  const tell = (m: Msg): void => { process.send?.(m) }
  void (async () => { for await (const e of mesh.watch({ prefix: 'scale:' })) if (e.type === 'set' && !e.local) tell({ kind: 'seen', key: e.key, at: now() }) })().catch(() => {})
  process.on('message', (m: { cmd: string, key?: string }) => {
    if (m.cmd === 'write') void mesh.set(m.key as string, 'x', { ttl: 600_000 }).then(() => {})
    if (m.cmd === 'peers') tell({ kind: 'peers', n: mesh.peers().length })
    if (m.cmd === 'sent') tell({ kind: 'sent', messages })
    if (m.cmd === 'stop') void mesh.close().finally(() => process.exit(0))
  })
  tell({ kind: 'up', addr: mesh.multiaddrs[0] })
}

function ask (c: ChildProcess, cmd: string, kind: Msg['kind']): Promise<Msg> {
  return new Promise(resolve => {
    const on = (m: Msg): void => { if (m.kind === kind) { c.off('message', on); resolve(m) } }
    c.on('message', on)
    c.send({ cmd })
  })
}

export async function benchScale (n: number, writes: number): Promise<{ nodes: number, visible: ReturnType<typeof summary>, messagesPerWritePerNode: ReturnType<typeof summary> }> {
  const me = fileURLToPath(import.meta.url)
  const start = (bootstrap?: string): ChildProcess => fork(me, ['child', ...(bootstrap !== undefined ? [bootstrap] : [])], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] })
  const up = async (c: ChildProcess): Promise<string> => new Promise(resolve => { c.once('message', (m: Msg) => { if (m.kind === 'up') resolve(m.addr) }) })
  const first = start()
  const addr = await up(first)
  const rest = Array.from({ length: n - 1 }, () => start(addr))
  await Promise.all(rest.map(up))
  const all = [first, ...rest]
  try {
    // every node has found peers beyond the bootstrap (peer exchange) and joined the topic
    for (let i = 0; i < 300; i++) {
      const counts = await Promise.all(all.map(async c => ((await ask(c, 'peers', 'peers')) as { n: number }).n))
      if (counts.every(x => x >= Math.min(n - 1, 6))) break
      await new Promise(resolve => setTimeout(resolve, 100))
    }
    const seen = new Map<string, number[]>()
    for (const c of rest) c.on('message', (m: Msg) => { if (m.kind === 'seen') seen.get(m.key)?.push(m.at) })
    const before = await Promise.all(all.map(async c => ((await ask(c, 'sent', 'sent')) as { messages: number }).messages))
    const samples: number[] = []
    for (let i = 0; i < writes + 10; i++) {
      const key = `scale:${i}`
      seen.set(key, [])
      const t = now()
      first.send({ cmd: 'write', key })
      const deadline = Date.now() + 10_000
      while ((seen.get(key) as number[]).length < n - 1 && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 1))
      const at = seen.get(key) as number[]
      if (at.length < n - 1) throw new Error(`write ${i} reached ${at.length} of ${n - 1} nodes in 10 s`)
      if (i >= 10) samples.push(Math.max(...at) - t)
      await new Promise(resolve => setTimeout(resolve, 5))
    }
    await new Promise(resolve => setTimeout(resolve, 500))
    const after = await Promise.all(all.map(async c => ((await ask(c, 'sent', 'sent')) as { messages: number }).messages))
    const perNode = after.map((x, i) => (x - before[i]) / (writes + 10))
    return { nodes: n, visible: summary(samples), messagesPerWritePerNode: summary(perNode) }
  } finally {
    for (const c of all) c.send({ cmd: 'stop' })
    await Promise.all(all.map(async c => new Promise(resolve => { c.once('exit', resolve); setTimeout(() => { c.kill(); resolve(undefined) }, 10_000) })))
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv[2] === 'child') {
    await child(process.argv[3])
  } else {
    console.log(JSON.stringify(await benchScale(Number(process.argv[2] ?? 10), Number(process.argv[3] ?? 200))))
    process.exit(0)
  }
}
