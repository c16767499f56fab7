/**
 * The CLI's streaming commands (heartbeat, leader elect, watch) against a real daemon: they last
 * as long as the process, end cleanly on SIGINT/SIGTERM (the daemon leaves or resigns for them at
 * once), and a `daemon stop` with streams open completes promptly and tells each of them.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const BIN = join(import.meta.dirname, '..', '..', '..', 'bin', 'meshkv.js')
const dir = mkdtempSync(join(tmpdir(), 'meshkv-streams-'))
const PORT = 20_000 + Math.floor(Math.random() * 20_000)
const env: NodeJS.ProcessEnv = { ...process.env, MESHKV_RUNTIME_DIR: dir, MESHKV_STATE_DIR: join(dir, 'state'), MESHKV_MDNS: 'false', MESHKV_LISTEN: '/ip4/127.0.0.1/tcp/0', MESHKV_HTTP: `127.0.0.1:${PORT}` }
const api = `http://127.0.0.1:${PORT}`

function meshkv (...args: string[]): { code: number, stdout: string, stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { env, encoding: 'utf8', timeout: 60_000 })
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr }
}

interface Running {
  child: ChildProcess
  /** Resolves with the first stdout JSON line `pick` accepts (rejects if the process exits first). */
  line: (pick: (o: Record<string, unknown>) => boolean) => Promise<Record<string, unknown>>
  exited: Promise<{ code: number | null, signal: NodeJS.Signals | null, stderr: string }>
}

const children = new Set<ChildProcess>()

/** A long-running `meshkv` command. */
function start (...args: string[]): Running {
  const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  children.add(child)
  const lines: Array<Record<string, unknown>> = []
  const waiters = new Set<() => void>()
  let out = ''
  let stderr = ''
  child.stdout!.setEncoding('utf8').on('data', (c: string) => {
    out += c
    let cut
    while ((cut = out.indexOf('\n')) >= 0) {
      lines.push(JSON.parse(out.slice(0, cut)) as Record<string, unknown>)
      out = out.slice(cut + 1)
    }
    for (const w of waiters) w()
  })
  child.stderr!.setEncoding('utf8').on('data', (c: string) => { stderr += c })
  const exited = new Promise<{ code: number | null, signal: NodeJS.Signals | null, stderr: string }>(resolve => {
    // 'close': after the output streams ended (their last data may follow 'exit')
    child.on('close', (code, signal) => { resolve({ code, signal, stderr }); for (const w of waiters) w() })
  })
  return {
    child,
    exited,
    line: async pick => {
      for (;;) {
        const found = lines.find(pick)
        if (found !== undefined) return found
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`meshkv ${args.join(' ')} exited (${child.exitCode ?? child.signalCode}) first: ${stderr}`)
        await new Promise<void>(resolve => { waiters.add(resolve) }).finally(() => waiters.clear())
      }
    }
  }
}

/** Polls `check` (an HTTP read of the daemon) until it holds; fails after `limitMs`. */
async function eventually (what: string, check: () => Promise<boolean>, limitMs = 15_000): Promise<void> {
  const deadline = Date.now() + limitMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${limitMs} ms: ${what}`)
    await new Promise(resolve => setTimeout(resolve, 50))
  }
}

const get = async (path: string): Promise<Record<string, unknown>> => (await fetch(`${api}${path}`)).json() as Promise<Record<string, unknown>>
type Members = { members: Array<{ id: string, expires_at: number }> }

beforeAll(() => {
  expect(meshkv('daemon', 'start').code).toBe(0)
})
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
  meshkv('daemon', 'stop')
  // a daemon that did not stop (a failed run) must not outlive the test
  try { process.kill(Number(readFileSync(join(dir, 'default.pid'), 'utf8')), 'SIGKILL') } catch {}
  rmSync(dir, { recursive: true, force: true })
})

describe('meshkv heartbeat', () => {
  it('beats while the process runs, and leaves at once on SIGINT', async () => {
    const hb = start('heartbeat', 'w-1', '--interval', '200ms', '--ttl', '60s')
    await hb.line(o => o.event === 'beating')
    // a later beat than the first one seen: it keeps beating (before: it exited within 0.5 s, and left)
    await eventually('w-1 is a member', async () => ((await get('/v1/members?prefix=w-1')) as Members).members.length === 1)
    const first = ((await get('/v1/members?prefix=w-1')) as Members).members[0].expires_at
    await eventually('w-1 beats again', async () => (((await get('/v1/members?prefix=w-1')) as Members).members[0]?.expires_at ?? 0) > first)
    expect(hb.child.exitCode).toBeNull()
    hb.child.kill('SIGINT')
    expect((await hb.exited).code).toBe(0)
    // gone at once, not when its 60 s TTL runs out
    await eventually('w-1 left', async () => ((await get('/v1/members?prefix=w-1')) as Members).members.length === 0)
  })
})

describe('meshkv leader elect', () => {
  it.each(['SIGTERM', 'SIGINT', 'SIGKILL'] as const)('leads while the process runs; %s resigns at once', async (signal) => {
    const group = `g-${signal}`
    const elect = start('leader', 'elect', group, '--ttl', '30s', '--id', 'cand')
    expect(await elect.line(o => o.event === 'elected')).toMatchObject({ group, id: 'cand' })
    expect(await get(`/v1/leaders/${group}`)).toMatchObject({ leader: 'cand' })
    elect.child.kill(signal)
    await elect.exited
    // resigned when its connection closed, long before the 30 s lease would run out
    await eventually(`nobody leads ${group}`, async () => (await get(`/v1/leaders/${group}`)).leader === null)
  })
})

describe('meshkv daemon stop with streams open', () => {
  it('completes promptly; each stream is told and exits', async () => {
    const watch = start('watch', 'x:')
    const hb = start('heartbeat', 'w-2', '--interval', '200ms')
    const elect = start('leader', 'elect', 'g-stop', '--id', 'cand-2')
    await hb.line(o => o.event === 'beating')
    await elect.line(o => o.event === 'elected')
    // the watch is open once a change it watches reaches it
    expect(meshkv('set', 'x:1', 'one').code).toBe(0)
    await watch.line(o => o.key === 'x:1')
    const stop = meshkv('daemon', 'stop')
    // (before: it gave up after 10 s and exited 3)
    expect(stop.code).toBe(0)
    expect(JSON.parse(stop.stdout)).toMatchObject({ stopped: true })
    // the daemon's own stop, from its log's timestamps (a CLI start on a loaded machine varies too much to time)
    const log = readFileSync(join(dir, 'default.log'), 'utf8').split('\n')
    const at = (word: string): number => Date.parse(log.filter(l => l.includes(`meshkv daemon: ${word}`)).pop()!.split(' ')[0])
    expect(at('stopped') - at('stopping')).toBeLessThan(3_000)
    const [w, h, e] = await Promise.all([watch.exited, hb.exited, elect.exited])
    expect(w.code).toBe(3)
    expect(JSON.parse(w.stderr.trim().split('\n').pop()!)).toMatchObject({ name: 'MeshClosedError' })
    expect(h.code).toBe(3)
    expect(e.code).toBe(4)
    expect(meshkv('daemon', 'status').code).toBe(1)
  })
})
