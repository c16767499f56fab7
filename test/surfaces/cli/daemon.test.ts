/**
 * The daemon's lifecycle from the command line: `daemon start` takes every `daemon run` option
 * (one list), reports a bad one with its own name and exit code, leaves a running daemon alone;
 * `POST /v1/shutdown` over TCP stops the daemon with the bearer token and is refused without one.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'

const BIN = join(import.meta.dirname, '..', '..', '..', 'bin', 'meshkv.js')
const dir = mkdtempSync(join(tmpdir(), 'meshkv-daemon-'))
const env: NodeJS.ProcessEnv = { ...process.env, MESHKV_RUNTIME_DIR: dir, XDG_STATE_HOME: join(dir, 'state') }
delete env.MESHKV_HTTP
const port = (): number => 20_000 + Math.floor(Math.random() * 20_000)

function meshkv (...args: string[]): { code: number, stdout: string, stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { env, encoding: 'utf8', timeout: 60_000 })
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr }
}
const last = (s: string): Record<string, unknown> => JSON.parse(s.trim().split('\n').pop() as string)

/** Polls until `check` holds; fails after `limitMs`. */
async function eventually (what: string, check: () => boolean | Promise<boolean>, limitMs = 20_000): Promise<void> {
  const deadline = Date.now() + limitMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${limitMs} ms: ${what}`)
    await new Promise(resolve => setTimeout(resolve, 50))
  }
}

const local = ['--listen', '/ip4/127.0.0.1/tcp/0', '--no-mdns']

afterAll(() => {
  for (const mesh of ['default', 'open', 'bad']) {
    meshkv('--mesh', mesh, 'daemon', 'stop')
    try { process.kill(Number(readFileSync(join(dir, `${mesh}.pid`), 'utf8')), 'SIGKILL') } catch {}
  }
  rmSync(dir, { recursive: true, force: true })
})

describe('meshkv daemon start', () => {
  const httpPort = port()
  const token = join(dir, 'token')
  writeFileSync(token, 's3cret\n')

  it('takes every run option: a store limit, a TCP API with a token, the listen address', async () => {
    const started = meshkv('daemon', 'start', ...local, '--max-entries', '3', '--http', `127.0.0.1:${httpPort}`, '--token-file', token, '--sync-interval', '2s')
    expect(started.code).toBe(0)
    expect(last(started.stdout)).toMatchObject({ status: 'ok', started: true })
    for (const k of ['a', 'b', 'c']) expect(meshkv('set', k, 'v').code).toBe(0)
    const full = meshkv('set', 'd', 'v')
    expect(full.code).toBe(3)
    expect(last(full.stderr)).toMatchObject({ name: 'StoreFullError' })
    const health = await fetch(`http://127.0.0.1:${httpPort}/v1/health`, { headers: { authorization: 'Bearer s3cret' } })
    expect(health.status).toBe(200)
    expect(((await (await fetch(`http://127.0.0.1:${httpPort}/v1/status`, { headers: { authorization: 'Bearer s3cret' } })).json()) as { addresses: string[] }).addresses.every(a => a.startsWith('/ip4/127.0.0.1/'))).toBe(true)
  })

  it('leaves a running daemon alone, and says that the options were not applied', () => {
    const again = meshkv('daemon', 'start', '--max-entries', '100')
    expect(again.code).toBe(0)
    expect(last(again.stdout)).toMatchObject({ started: false })
    expect(again.stderr).toContain('not applied')
  })

  it('a TCP shutdown needs the bearer token, then stops the daemon', async () => {
    const url = `http://127.0.0.1:${httpPort}/v1/shutdown`
    expect((await fetch(url, { method: 'POST' })).status).toBe(401)
    expect(meshkv('daemon', 'status').code).toBe(0)
    const stop = await fetch(url, { method: 'POST', headers: { authorization: 'Bearer s3cret' } })
    expect(stop.status).toBe(200)
    expect(await stop.json()).toEqual({ status: 'stopping' })
    // the whole daemon stops: its process exits and removes its pid file
    await eventually('the daemon stopped', () => { try { readFileSync(join(dir, 'default.pid')); return false } catch { return true } })
    expect(meshkv('daemon', 'status').code).toBe(1)
  })

  it('a TCP API without a token refuses shutdown (403), and the daemon runs on', async () => {
    const open = port()
    expect(meshkv('--mesh', 'open', 'daemon', 'start', ...local, '--http', `127.0.0.1:${open}`).code).toBe(0)
    const refused = await fetch(`http://127.0.0.1:${open}/v1/shutdown`, { method: 'POST' })
    expect(refused.status).toBe(403)
    expect(await refused.json()).toMatchObject({ name: 'ForbiddenError', exitCode: 3 })
    expect((await fetch(`http://127.0.0.1:${open}/v1/health`)).status).toBe(200)
    expect(meshkv('--mesh', 'open', 'daemon', 'stop').code).toBe(0)
  })

  it('a bad option is reported with its own name and exit code', () => {
    const bad = meshkv('--mesh', 'bad', 'daemon', 'start', ...local, '--max-entries', 'lots')
    expect(bad.code).toBe(2)
    expect(last(bad.stderr)).toMatchObject({ name: 'UsageError' })
    expect(last(bad.stderr).error).toContain('--max-entries')
    const garbage = meshkv('--mesh', 'bad', 'daemon', 'start', '--no-mdns', '--listen', 'not-a-multiaddr')
    expect(garbage.code).toBe(2)
    expect(last(garbage.stderr)).toMatchObject({ name: 'InvalidOptionError' })
    expect(meshkv('--mesh', 'bad', 'daemon', 'status').code).toBe(1)
  })
})

describe('a fresh daemon', () => {
  it('answers its first read once it has caught up: a key its peer holds is there', async () => {
    const at = (name: string): NodeJS.ProcessEnv => ({ ...env, MESHKV_RUNTIME_DIR: join(dir, name), MESHKV_STATE_DIR: join(dir, `${name}-state`), MESHKV_LISTEN: '/ip4/127.0.0.1/tcp/0', MESHKV_MDNS: 'false' })
    const run = (e: NodeJS.ProcessEnv, ...args: string[]): { code: number, stdout: string, stderr: string } => {
      const r = spawnSync(process.execPath, [BIN, ...args], { env: e, encoding: 'utf8', timeout: 60_000 })
      return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr }
    }
    const envA = at('holder')
    const httpA = port()
    expect(run(envA, 'daemon', 'start', '--http', `127.0.0.1:${httpA}`).code).toBe(0)
    try {
      for (let i = 0; i < 50; i++) expect((await fetch(`http://127.0.0.1:${httpA}/v1/data/held-${i}?ttl=600`, { method: 'PUT', body: `v${i}` })).status).toBe(201)
      const addr = (last(run(envA, 'status').stdout).addresses as string[])[0]
      // the first command starts B's daemon (bootstrapped from A) and reads at once; the bound is
      // generous for a loaded machine (the default is 5 s)
      const envB = { ...at('fresh'), MESHKV_BOOTSTRAP: addr, MESHKV_CATCH_UP: '60s' }
      try {
        const got = run(envB, 'get', 'held-49', '--format', 'value')
        expect(got.stderr).toContain('started a daemon')
        expect({ code: got.code, stdout: got.stdout }).toEqual({ code: 0, stdout: 'v49\n' })
        expect(last(run(envB, 'status').stdout)).toMatchObject({ caught_up: true })
        expect(last(run(envB, 'list', 'held-').stdout).keys).toHaveLength(50)
      } finally {
        run(envB, 'daemon', 'stop')
      }
    } finally {
      run(envA, 'daemon', 'stop')
    }
  })
})
