/**
 * A stateless agent engine: holds nothing of its own between requests. Everything an agent has
 * lives in the agent stores over the mesh node this process embeds (loopback, no mDNS, a data
 * directory so a restart resumes). Any engine serves any agent and any turn; a retried turn is
 * answered from the history, not handled twice.
 *
 *   POST /turn  {"agentId", "turn", "content"}  -> {"reply"}
 *   GET  /dump?agentId=…                        -> {"messages", "turns", "totals", "state"}
 *
 * Env: FLEET_MESH (mesh name), FLEET_DATA (data directory), FLEET_BOOTSTRAP (comma-separated
 * multiaddrs), FLEET_MODE ('gossip' | 'quorum'), FLEET_MEMBERS (quorum peer ids), FLEET_KEY
 * (base64 protobuf private key). Prints `ready <http port> <multiaddr>` once it serves, and
 * `thinking|counted <agent> <turn>` as it handles a turn. Fault injection for the example's
 * kills and checks: FLEET_STALL_AFTER_COUNT=<turn> stalls after that turn's answer and statistics
 * are written, before its state (where the second kill lands); FLEET_PLANT=no-turn-id counts turns without their id (a planted bug the
 * example must catch).
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { privateKeyFromProtobuf } from '@libp2p/crypto/keys'
import { createMesh, type MeshOptions } from '../../src/index.js'
import { createSessionStore, createStateStore, createStatisticsStore } from '../../src/agent-stores/index.js'
import { complete, script, type Message } from './driver.js'

interface FleetState { turns: number[] }

const env = process.env
const mode = env.FLEET_MODE === 'quorum' ? 'quorum' : 'gossip'
const options: MeshOptions = {
  name: env.FLEET_MESH ?? 'agent-fleet',
  listen: ['/ip4/127.0.0.1/tcp/0'],
  mdns: false,
  bootstrap: (env.FLEET_BOOTSTRAP ?? '').split(',').filter(a => a !== ''),
  dataDir: env.FLEET_DATA,
  syncIntervalMs: 1_000
}
if (env.FLEET_KEY !== undefined) options.privateKey = privateKeyFromProtobuf(Buffer.from(env.FLEET_KEY, 'base64'))
if (mode === 'quorum') (options as Record<string, unknown>).quorum = { members: (env.FLEET_MEMBERS ?? '').split(',') }

const mesh = await createMesh(options)
// every write waits for every peer connected (2 of 3 engines): whichever engine serves the
// next request holds what this one acknowledged, even if this one dies right after
const storeOptions = { mode, replicas: 2 } as const
const session = createSessionStore<Message>(mesh, storeOptions)
const statistics = createStatisticsStore(mesh, storeOptions)
const state = createStateStore<FleetState>(mesh, storeOptions)

const turnId = (turn: number): string => `turn-${String(turn).padStart(4, '0')}`

/** Handles turn `turn` of `agentId`, or answers it again if an engine already did (a retry). */
async function handle (agentId: string, turn: number, content: string): Promise<string> {
  let history = await session.getMessages(agentId)
  let answer = history.find(m => m.role === 'assistant' && m.turn === turn)
  if (answer === undefined) {
    if (!history.some(m => m.role === 'user' && m.turn === turn)) {
      await session.addMessage(agentId, { role: 'user', turn, content })
      history = await session.getMessages(agentId)
    }
    const asked = history.slice(0, history.findIndex(m => m.role === 'user' && m.turn === turn) + 1)
    console.log(`thinking ${agentId} ${turn}`)
    const reply = await complete(turn, asked)
    answer = { role: 'assistant', turn, content: reply.content }
    await session.addMessage(agentId, answer)
  }
  // idempotent: a turn already counted counts nothing, a turn already in the state is not added
  const asked = history.slice(0, history.findIndex(m => m.role === 'user' && m.turn === turn) + 1)
  const { tokens, cost, durationMs } = script(turn, asked)
  await statistics.addTurn(agentId, { turnId: env.FLEET_PLANT === 'no-turn-id' ? undefined : turnId(turn), cost, tokens, durationMs })
  console.log(`counted ${agentId} ${turn}`)
  if (env.FLEET_STALL_AFTER_COUNT === String(turn)) await sleep(10_000)
  await state.updateState(agentId, s => s?.turns.includes(turn) === true ? s : { turns: [...(s?.turns ?? []), turn] })
  return answer.content
}

async function body (req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = []
  for await (const c of req) chunks.push(c as Buffer)
  return JSON.parse(Buffer.concat(chunks).toString('utf8'))
}

function send (res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value))
}

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://engine')
  const run = async (): Promise<void> => {
    if (req.method === 'POST' && url.pathname === '/turn') {
      const { agentId, turn, content } = await body(req) as { agentId: string, turn: number, content: string }
      send(res, 200, { reply: await handle(agentId, turn, content) })
    } else if (req.method === 'GET' && url.pathname === '/dump') {
      const agentId = url.searchParams.get('agentId') ?? ''
      send(res, 200, {
        messages: await session.getMessages(agentId),
        turns: await statistics.getTurns(agentId),
        totals: await statistics.getTotals(agentId),
        state: await state.getState(agentId)
      })
    } else {
      send(res, 404, { error: 'not found' })
    }
  }
  run().catch(err => send(res, 500, { error: (err as Error).name, message: (err as Error).message }))
})

// a restarted engine serves once it holds the mesh's state (its first anti-entropy round)
await mesh.ready({ timeout: 15_000 }).catch(() => {})
server.listen(0, '127.0.0.1', () => {
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  console.log(`ready ${port} ${mesh.multiaddrs[0]}`)
})

const stop = (): void => {
  server.close()
  mesh.close().finally(() => process.exit(0))
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
