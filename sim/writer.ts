/**
 * A writer in its own process, for the crash scenario and the durability tests: joins the mesh
 * through `bootstrap`, waits for a peer, then awaits `set` `count` times (with `replicas`) and
 * prints `ack <key> <hlc>` on stdout after each one resolves (stdout to a pipe is synchronous on
 * Linux, so a line read is a write acknowledged). Then, by `end`: `exit` calls process.exit(0)
 * at once (no close), `close` awaits close() first, `hang` waits to be killed.
 *
 *   node --import tsx sim/writer.ts '{"bootstrap":["/ip4/…/p2p/…"],"count":1000,"replicas":1}'
 */
import { createMesh } from '../src/index.js'

export interface WriterSpec {
  bootstrap: string[]
  count: number
  replicas: number
  /** Key prefix. @default 'w/' */
  prefix?: string
  /** Bytes per value; values are `v<i>` padded. @default small */
  valueBytes?: number
  end?: 'exit' | 'close' | 'hang'
  name?: string
}

async function main (spec: WriterSpec): Promise<void> {
  const mesh = await createMesh({ name: spec.name ?? 'default', listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, bootstrap: spec.bootstrap })
  const until = Date.now() + 90_000
  while (mesh.peers().length < Math.max(spec.replicas, 1)) {
    if (Date.now() > until) throw new Error('no peer joined within 90 s')
    await new Promise(resolve => setTimeout(resolve, 10))
  }
  process.stdout.write(`ready ${mesh.peerId}\n`)
  const prefix = spec.prefix ?? 'w/'
  for (let i = 0; i < spec.count; i++) {
    const value = spec.valueBytes === undefined ? `v${i}` : new Uint8Array(spec.valueBytes).fill(i % 256)
    const e = await mesh.set(`${prefix}${i}`, value, { replicas: spec.replicas, ttl: 600_000 })
    process.stdout.write(`ack ${e.key} ${e.hlc}\n`)
  }
  // let every ack line out before the process ends (this waits for stdout, not for the mesh)
  await new Promise(resolve => process.stdout.write('done\n', resolve))
  if (spec.end === 'hang') await new Promise(() => {})
  if (spec.end === 'close') await mesh.close()
  process.exit(0)
}

main(JSON.parse(process.argv[2] ?? '{}') as WriterSpec).catch(err => {
  process.stderr.write(`writer: ${(err as Error).stack ?? String(err)}\n`)
  process.exit(1)
})
