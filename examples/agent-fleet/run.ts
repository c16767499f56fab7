/**
 * `npm run example:fleet`: three stateless engine processes (engine.ts, each embedding a mesh
 * node on loopback) behind a round-robin balancer (node:http), and a client holding a 50-turn
 * conversation with one agent through it. Twice an engine is killed with SIGKILL in the middle of
 * a request and restarted on its data directory: the one thinking about turn FLEET_KILL_AT (during
 * the model call), and the one that has just written the answer and the statistics of turn
 * FLEET_KILL_COUNTED_AT (before the state). The client retries a turn it got no answer for. At the end
 * every engine must hold every acknowledged message, every turn's statistics, exact totals and the
 * full state, identical on all three: the example says so and exits 0, or says what differs and
 * exits 1.
 *
 *   FLEET_TURNS=50 FLEET_KILL_AT=20 FLEET_KILL_COUNTED_AT=35 npm run example:fleet
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { isDeepStrictEqual } from 'node:util'
import { generateKeyPair, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { script, userSays, type Message } from './driver.js'

const here = dirname(fileURLToPath(import.meta.url))
const TURNS = Number(process.env.FLEET_TURNS ?? 50)
const KILL_AT = Number(process.env.FLEET_KILL_AT ?? 20)
const KILL_COUNTED_AT = Number(process.env.FLEET_KILL_COUNTED_AT ?? 35)
const AGENT = 'agent-7'
const MESH = `agent-fleet-${randomUUID().slice(0, 8)}`
const root = mkdtempSync(join(tmpdir(), 'meshkv-fleet-'))
/** quorum: statistics and state through the three engines as quorum members (their identities are made first); gossip: replica-local conditions. */
const MODE = process.env.FLEET_MODE === 'gossip' ? 'gossip' : 'quorum'
const keys = await Promise.all([0, 1, 2].map(async () => generateKeyPair('Ed25519')))
const members = keys.map(k => peerIdFromPrivateKey(k).toString()).join(',')

interface Engine { index: number, process: ChildProcess, port: number, addr: string, alive: boolean }
const engines: Engine[] = []

/** Starts engine `index` (on its own data directory); resolves once it serves. */
async function startEngine (index: number, bootstrap: string[]): Promise<Engine> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'engine.ts')], {
    env: { ...process.env, FLEET_MESH: MESH, FLEET_DATA: join(root, `engine-${index}`), FLEET_BOOTSTRAP: bootstrap.join(','), FLEET_MODE: MODE, FLEET_MEMBERS: members, FLEET_KEY: Buffer.from(privateKeyToProtobuf(keys[index])).toString('base64'), FLEET_STALL_AFTER_COUNT: String(KILL_COUNTED_AT) },
    stdio: ['ignore', 'pipe', 'inherit']
  })
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! })
    child.once('exit', code => reject(new Error(`engine ${index} exited (${String(code)}) before it was ready`)))
    lines.on('line', line => {
      const [word, a, b] = line.split(' ')
      if (word === 'ready') {
        const engine = { index, process: child, port: Number(a), addr: b, alive: true }
        child.removeAllListeners('exit')
        child.once('exit', () => { engine.alive = false })
        engines[index] = engine
        console.log(`engine ${index}: pid ${String(child.pid)}, http ${a}`)
        resolve(engine)
      } else if ((word === 'thinking' && Number(b) === KILL_AT) || (word === 'counted' && Number(b) === KILL_COUNTED_AT)) {
        kill(index, `${word === 'thinking' ? 'while it thinks about' : 'after it wrote the answer and statistics of'} turn ${b}`)
      }
    })
  })
}

// ---- the kills: an engine dies mid-request (kill -9), then restarts on its data directory -------
const restarts: Array<Promise<void>> = []
const done = new Set<string>()
function kill (index: number, when: string): void {
  if (done.has(when)) return // once: the engine retrying the turn lives
  done.add(when)
  const victim = engines[index]
  console.log(`engine ${index}: kill -9 ${when}`)
  victim.process.kill('SIGKILL')
  victim.alive = false
  restarts.push((async () => {
    await sleep(500)
    const others = engines.filter(e => e.index !== index).map(e => e.addr)
    await startEngine(index, others)
    console.log(`engine ${index}: restarted on its data directory`)
  })())
}

// ---- the balancer: round robin; an engine that refuses the connection is skipped -------------
let next = 0
const balancer = createServer((req: IncomingMessage, res: ServerResponse) => {
  const chunks: Buffer[] = []
  req.on('data', (c: Buffer) => chunks.push(c))
  req.on('end', () => {
    const tryEngine = (attempt: number): void => {
      if (attempt >= engines.length) { res.writeHead(503).end(); return }
      const e = engines[next++ % engines.length]
      if (!e.alive) { tryEngine(attempt + 1); return }
      const up = request({ host: '127.0.0.1', port: e.port, method: req.method, path: req.url, headers: req.headers }, r => {
        res.writeHead(r.statusCode ?? 502, r.headers)
        r.pipe(res)
      })
      up.on('error', (err: NodeJS.ErrnoException) => {
        // refused: the request never reached it, try the next one; reset mid-request: tell the client
        if (err.code === 'ECONNREFUSED') tryEngine(attempt + 1)
        else if (!res.headersSent) res.writeHead(502).end()
      })
      up.end(Buffer.concat(chunks))
    }
    tryEngine(0)
  })
})

async function call (method: string, path: string, body?: unknown): Promise<{ status: number, json?: any }> {
  const address = balancer.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body) })
  const text = await res.text()
  return { status: res.status, json: res.status === 200 ? JSON.parse(text) : undefined }
}

async function engineDump (e: Engine): Promise<any> {
  const res = await fetch(`http://127.0.0.1:${e.port}/dump?agentId=${AGENT}`)
  return res.json()
}

// ---- the run -----------------------------------------------------------------------------------
async function main (): Promise<boolean> {
  await new Promise<void>(resolve => balancer.listen(0, '127.0.0.1', resolve))
  const first = await startEngine(0, [])
  await Promise.all([1, 2].map(async i => startEngine(i, [first.addr])))

  // the client: one conversation, a turn at a time; a turn without an answer is sent again
  const acknowledged: Message[] = []
  let retries = 0
  const started = Date.now()
  for (let turn = 1; turn <= TURNS; turn++) {
    const content = userSays(turn)
    for (let attempt = 1; ; attempt++) {
      const { status, json } = await call('POST', '/turn', { agentId: AGENT, turn, content })
      if (status === 200) {
        acknowledged.push({ role: 'user', turn, content }, { role: 'assistant', turn, content: json.reply })
        break
      }
      if (attempt > 20) throw new Error(`turn ${turn}: no answer after ${attempt} attempts (last status ${status})`)
      retries++
      await sleep(100)
    }
  }
  await Promise.all(restarts)
  console.log(`client (${MODE} mode): ${TURNS} turns acknowledged (${acknowledged.length} messages) in ${((Date.now() - started) / 1000).toFixed(1)} s, ${retries} retried`)

  // what every engine must hold: the acknowledged messages, each turn's statistics from the
  // script (the history each turn saw is the acknowledged one before it), exact totals, the state
  const expectedTurns = Array.from({ length: TURNS }, (_, i) => {
    const turn = i + 1
    const r = script(turn, acknowledged.slice(0, 2 * i + 1))
    return { turnId: `turn-${String(turn).padStart(4, '0')}`, cost: Math.round(r.cost * 1e6) / 1e6, tokens: r.tokens, durationMs: Math.round(r.durationMs * 1e3) / 1e3 }
  })
  const micros = expectedTurns.reduce((s, t) => s + Math.round(t.cost * 1e6), 0)
  const expectedTotals = {
    cost: micros / 1e6,
    tokens: { input: expectedTurns.reduce((s, t) => s + t.tokens.input, 0), output: expectedTurns.reduce((s, t) => s + t.tokens.output, 0) },
    durationMs: expectedTurns.reduce((s, t) => s + Math.round(t.durationMs * 1e3), 0) / 1e3,
    turns: TURNS
  }
  const expected = { messages: acknowledged, turns: expectedTurns, totals: expectedTotals, state: { turns: expectedTurns.map((_, i) => i + 1) } }

  // replicas converge: poll each engine's own view (its local replica) until it matches, bounded
  const deadline = Date.now() + Number(process.env.FLEET_CONVERGE_MS ?? 30_000)
  let dumps: any[] = []
  const checking = Date.now()
  while (Date.now() < deadline) {
    dumps = await Promise.all(engines.map(engineDump))
    if (dumps.every(d => isDeepStrictEqual(d, expected))) break
    await sleep(250)
  }
  console.log(`replicas checked after ${((Date.now() - checking) / 1000).toFixed(1)} s`)
  let ok = true
  for (const [i, d] of dumps.entries()) {
    const lost = acknowledged.filter(m => !d.messages.some((h: Message) => isDeepStrictEqual(h, m))).length
    const extra = d.messages.length - acknowledged.length + lost
    const turnsOk = isDeepStrictEqual(d.turns, expected.turns)
    const totalsOk = isDeepStrictEqual(d.totals, expected.totals)
    const stateOk = isDeepStrictEqual(d.state, expected.state)
    const orderOk = isDeepStrictEqual(d.messages, acknowledged)
    console.log(`engine ${i}: ${d.messages.length} messages, ${lost} lost, ${extra} extra, order ${orderOk ? 'ok' : 'DIFFERS'}; ` +
      `${d.turns.length} turns' statistics ${turnsOk ? 'ok' : 'DIFFER'}; totals ${JSON.stringify(d.totals)} ${totalsOk ? 'exact' : `!= ${JSON.stringify(expected.totals)}`}; ` +
      `state ${stateOk ? `ok (${d.state.turns.length} turns)` : `DIFFERS: ${JSON.stringify(d.state)}`}`)
    ok &&= lost === 0 && extra === 0 && orderOk && turnsOk && totalsOk && stateOk
  }
  const identical = dumps.every(d => isDeepStrictEqual(d, dumps[0]))
  console.log(ok && identical
    ? `OK: every acknowledged message (${acknowledged.length}) and every turn's statistics (${TURNS}) are present and identical on all ${engines.length} engines; totals exact; no state update lost across ${restarts.length} kill -9s`
    : 'FAILED: the engines do not all hold what the client was acknowledged')
  return ok && identical
}

let passed = false
try {
  passed = await main()
} catch (err) {
  console.error(err)
} finally {
  await Promise.allSettled(restarts)
  await Promise.all(engines.map(async e => {
    if (!e.alive) return
    const exited = new Promise(resolve => e.process.once('exit', resolve))
    e.process.kill('SIGTERM')
    await Promise.race([exited, sleep(10_000).then(() => e.process.kill('SIGKILL'))])
  }))
  balancer.close()
  rmSync(root, { recursive: true, force: true })
}
process.exit(passed ? 0 : 1)
