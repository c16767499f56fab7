/**
 * Issue 13's acceptance on real daemons (each its own process): 5 daemons that are each other's
 * quorum members; 20 concurrent `meshkv inc --mode quorum` against each give the 100 values
 * 1..100, each once; `dec --min 0` from every daemon at once never takes the counter below zero.
 */
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const BIN = join(import.meta.dirname, '..', '..', '..', 'bin', 'meshkv.js')
const N = 5
const root = mkdtempSync(join(tmpdir(), 'meshkv-quorum5-'))

interface Daemon { env: NodeJS.ProcessEnv, port: number, peer?: string }
const daemons: Daemon[] = []

function runSync (d: Daemon, ...args: string[]): { code: number, stdout: string, stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { env: d.env, encoding: 'utf8', timeout: 60_000 })
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr }
}

async function run (d: Daemon, ...args: string[]): Promise<{ code: number, stdout: string, stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: d.env })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (b: Buffer) => { stdout += b.toString('utf8') })
    child.stderr.on('data', (b: Buffer) => { stderr += b.toString('utf8') })
    child.on('error', reject)
    child.on('close', code => resolve({ code: code ?? -1, stdout, stderr }))
  })
}

async function freePort (): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.on('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolve(port))
    })
  })
}

const status = (d: Daemon): { peer_id: string, peers: string[] } => JSON.parse(runSync(d, 'status').stdout)

beforeAll(async () => {
  for (let i = 0; i < N; i++) {
    const dir = join(root, `d${i}`)
    const port = await freePort()
    daemons.push({ port, env: { ...process.env, MESHKV_MDNS: 'false', MESHKV_LISTEN: `/ip4/127.0.0.1/tcp/${port}`, MESHKV_RUNTIME_DIR: dir, MESHKV_STATE_DIR: join(dir, 'state'), MESHKV_CLI_PATH: undefined } })
  }
  // first start: each daemon makes its identity; then all restart as each other's quorum members
  for (const d of daemons) {
    d.peer = status(d).peer_id
    expect(runSync(d, 'daemon', 'stop').code).toBe(0)
  }
  const members = daemons.map(d => d.peer).join(',')
  const first = `/ip4/127.0.0.1/tcp/${daemons[0].port}/p2p/${daemons[0].peer as string}`
  for (const [i, d] of daemons.entries()) {
    d.env = { ...d.env, MESHKV_QUORUM_MEMBERS: members, ...(i === 0 ? {} : { MESHKV_BOOTSTRAP: first }) }
    expect(status(d).peer_id).toBe(d.peer)
  }
  // every daemon connected to every other (bootstrap, then peer exchange)
  const deadline = Date.now() + 60_000
  while (!daemons.every(d => status(d).peers.length === N - 1)) {
    if (Date.now() > deadline) throw new Error(`the daemons did not connect: ${JSON.stringify(daemons.map(d => status(d).peers.length))}`)
    await new Promise(resolve => setTimeout(resolve, 250))
  }
}, 180_000)

afterAll(() => {
  for (const d of daemons) runSync(d, 'daemon', 'stop')
  rmSync(root, { recursive: true, force: true })
})

describe('5 daemons in quorum mode', () => {
  it('20 concurrent `inc --mode quorum` against each give 100 distinct values, 1..100', async () => {
    const runs = await Promise.all(daemons.flatMap(d => Array.from({ length: 20 }, async () => run(d, 'inc', 'request-id', '--mode', 'quorum', '--format', 'value'))))
    for (const r of runs) expect(r, r.stderr).toMatchObject({ code: 0 })
    const values = runs.map(r => Number(r.stdout.trim())).sort((a, b) => a - b)
    expect(values).toEqual(Array.from({ length: 100 }, (_, i) => i + 1))
    for (const d of daemons) expect(runSync(d, 'get-counter', 'request-id', '--mode', 'quorum', '--format', 'value').stdout).toBe('100\n')
  }, 240_000)

  it('`dec --min 0` from every daemon at once takes exactly the permits there were, never below zero', async () => {
    expect(runSync(daemons[0], 'inc', 'permits', '--by', '7', '--mode', 'quorum', '--format', 'value').stdout).toBe('7\n')
    const runs = await Promise.all(daemons.flatMap(d => Array.from({ length: 4 }, async () => run(d, 'dec', 'permits', '--min', '0', '--mode', 'quorum', '--format', 'value'))))
    const taken = runs.filter(r => r.code === 0)
    const refused = runs.filter(r => r.code !== 0)
    expect(taken).toHaveLength(7)
    expect(taken.map(r => Number(r.stdout.trim())).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6])
    for (const r of refused) expect(JSON.parse(r.stderr.trim().split('\n').pop() as string)).toMatchObject({ name: 'CounterBoundError', exitCode: 1 })
    expect(runSync(daemons[3], 'get-counter', 'permits', '--mode', 'quorum', '--format', 'value').stdout).toBe('0\n')
  }, 240_000)
})
