/**
 * The CLI end to end: spawned `meshkv` processes, two daemons joined in one mesh on loopback.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'

const BIN = join(import.meta.dirname, '..', '..', '..', 'bin', 'meshkv.js')
const dirs = [mkdtempSync(join(tmpdir(), 'meshkv-a-')), mkdtempSync(join(tmpdir(), 'meshkv-b-'))]
const base = { ...process.env, MESHKV_MDNS: 'false', MESHKV_LISTEN: '/ip4/127.0.0.1/tcp/0', MESHKV_SYNC_INTERVAL: '1s' }
const HTTP_PORT = 20_000 + Math.floor(Math.random() * 20_000)
// each daemon its own runtime and state directory (its identity lives in the latter)
const envA: NodeJS.ProcessEnv = { ...base, MESHKV_RUNTIME_DIR: dirs[0], MESHKV_STATE_DIR: join(dirs[0], 'state'), MESHKV_HTTP: `127.0.0.1:${HTTP_PORT}` }
let envB: NodeJS.ProcessEnv = { ...base, MESHKV_RUNTIME_DIR: dirs[1], MESHKV_STATE_DIR: join(dirs[1], 'state') }

function meshkv (env: NodeJS.ProcessEnv, ...args: string[]): { code: number, stdout: string, stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { env, encoding: 'utf8', timeout: 60_000 })
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr }
}
const json = (s: string): Record<string, unknown> => JSON.parse(s.trim().split('\n').pop() as string)

afterAll(() => {
  meshkv(envA, 'daemon', 'stop')
  meshkv(envB, 'daemon', 'stop')
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

describe('meshkv CLI', () => {
  it('starts a daemon on first use (saying so once on stderr), then sets and gets', () => {
    const set = meshkv(envA, 'set', 'greeting', 'hello world', '--ttl', '1m')
    expect(set.code).toBe(0)
    expect(set.stderr).toContain('started a daemon')
    expect(json(set.stdout)).toMatchObject({ key: 'greeting' })
    const get = meshkv(envA, 'get', 'greeting', '--format', 'value')
    expect(get).toMatchObject({ code: 0, stdout: 'hello world\n' })
    expect(get.stderr).toBe('')
    expect(json(meshkv(envA, 'get', 'greeting').stdout)).toMatchObject({ key: 'greeting', value: 'hello world' })
  })

  it('set and get print created_at alike: epoch milliseconds', () => {
    const set = json(meshkv(envA, 'set', 'stamped', 'x', '--ttl', '1m').stdout)
    const got = json(meshkv(envA, 'get', 'stamped').stdout)
    expect(typeof set.created_at).toBe('number')
    expect(got.created_at).toBe(set.created_at)
  })

  it('a value set through one daemon is read through another in the same mesh', () => {
    const status = json(meshkv(envA, 'status').stdout) as { addresses: string[] }
    const addr = status.addresses.find(a => a.startsWith('/ip4/127.0.0.1/'))!
    envB = { ...envB, MESHKV_BOOTSTRAP: addr }
    const waited = meshkv(envB, 'wait', 'greeting', '--timeout', '20s', '--format', 'value')
    expect(waited).toMatchObject({ code: 0, stdout: 'hello world\n' })
    expect(meshkv(envB, 'set', 'from-b', '42', '--ttl', '1m').code).toBe(0)
    expect(meshkv(envA, 'wait', 'from-b', '--timeout', '20s', '--format', 'value')).toMatchObject({ code: 0, stdout: '42\n' })
  })

  it('exit codes: 1 not found or false, 2 invalid arguments, 0 with --default', () => {
    const miss = meshkv(envA, 'get', 'missing')
    expect(miss.code).toBe(1)
    expect(json(miss.stderr)).toMatchObject({ name: 'NotFoundError', exitCode: 1 })
    expect(miss.stderr).toContain('"hint"')
    expect(meshkv(envA, 'get', 'missing', '--default', 'fallback', '--format', 'value')).toMatchObject({ code: 0, stdout: 'fallback\n' })
    expect(meshkv(envA, 'exists', 'greeting').code).toBe(0)
    expect(meshkv(envA, 'exists', 'missing').code).toBe(1)
    expect(meshkv(envA, 'set', 'k', 'v', '--ttl', 'soon').code).toBe(2)
    expect(meshkv(envA, 'set', 'k', 'v', '--ttl', '999999h').code).toBe(2)
    expect(meshkv(envA, 'get', 'k', '--format', 'xml').code).toBe(2)
    expect(meshkv(envA, 'frobnicate').code).toBe(2)
    expect(meshkv(envA, 'wait', 'never', '--timeout', '200ms').code).toBe(1)
    expect(meshkv(envA, 'set', 'greeting', 'again', '--if-not-exists').code).toBe(1)
  })

  it('del, list (json and keys), stdin values', () => {
    const piped = spawnSync(process.execPath, [BIN, 'set', 'doc:1', '-', '--ttl', '1m'], { env: envA, input: '{"a":1}', encoding: 'utf8' })
    expect(piped.status).toBe(0)
    meshkv(envA, 'set', 'doc:2', 'x', '--ttl', '1m')
    expect(json(meshkv(envA, 'list', 'doc:').stdout)).toEqual({ keys: ['doc:1', 'doc:2'] })
    expect(meshkv(envA, 'list', 'doc:', '--format', 'keys', '--limit', '1').stdout).toBe('doc:1\n')
    expect(meshkv(envA, 'get', 'doc:1', '--format', 'value').stdout).toBe('{"a":1}\n')
    expect(meshkv(envA, 'del', 'doc:2').code).toBe(0)
    expect(meshkv(envA, 'del', 'doc:2').code).toBe(1)
  })

  it('locks: exit 4 for another owner, release by a non-holder refused, check', () => {
    const first = meshkv(envA, 'lock', 'acquire', 'deploy', '--ttl', '30s')
    expect(first.code).toBe(0)
    expect(json(first.stdout)).toHaveProperty('token')
    const second = meshkv(envA, 'lock', 'acquire', 'deploy', '--ttl', '30s', '--owner', 'someone-else')
    expect(second.code).toBe(4)
    expect(json(second.stderr)).toMatchObject({ name: 'LockUnavailableError', exitCode: 4 })
    expect(meshkv(envA, 'lock', 'check', 'deploy').code).toBe(0)
    expect(meshkv(envA, 'lock', 'release', 'deploy', '--owner', 'someone-else').code).toBe(4)
    expect(meshkv(envA, 'lock', 'extend', 'deploy', '--ttl', '1m').code).toBe(0)
    expect(meshkv(envA, 'lock', 'release', 'deploy').code).toBe(0)
    expect(meshkv(envA, 'lock', 'check', 'deploy').code).toBe(1)
  })

  it('refuses to set or delete meshkv\'s own @meshkv/ keys (exit 2, ReservedKeyError)', () => {
    const forged = meshkv(envA, 'set', '@meshkv/lease/deploy/ffffffffffff0000-evil/mallory/q', '')
    expect(forged.code).toBe(2)
    expect(json(forged.stderr)).toMatchObject({ name: 'ReservedKeyError', exitCode: 2 })
    expect(json(meshkv(envA, 'del', '@meshkv/lease/deploy/ffffffffffff0000-evil/mallory/q').stderr)).toMatchObject({ name: 'ReservedKeyError' })
    expect(meshkv(envA, 'lock', 'acquire', 'deploy', '--ttl', '5s').code).toBe(0)
    expect(meshkv(envA, 'lock', 'release', 'deploy').code).toBe(0)
  })

  it('leaders and presence: elect --once, check, resign; heartbeat --once, members', () => {
    expect(meshkv(envA, 'leader', 'elect', 'nightly', '--once', '--ttl', '30s', '--id', 'a1').code).toBe(0)
    expect(meshkv(envA, 'leader', 'elect', 'nightly', '--once', '--id', 'a2').code).toBe(4)
    expect(json(meshkv(envA, 'leader', 'check', 'nightly').stdout)).toMatchObject({ leader: 'a1' })
    expect(meshkv(envA, 'leader', 'resign', 'nightly', '--id', 'a1').code).toBe(0)
    expect(meshkv(envA, 'leader', 'check', 'nightly').code).toBe(1)
    // issue 10, finding 8: elected twice by one id, one resign must leave no leader behind
    expect(meshkv(envA, 'leader', 'elect', 'weekly', '--once', '--ttl', '30s', '--id', 'a1').code).toBe(0)
    expect(meshkv(envA, 'leader', 'elect', 'weekly', '--once', '--ttl', '30s', '--id', 'a1').code).toBe(0)
    expect(meshkv(envA, 'leader', 'resign', 'weekly', '--id', 'a1').code).toBe(0)
    expect(meshkv(envA, 'leader', 'check', 'weekly').code).toBe(1)
    expect(meshkv(envA, 'heartbeat', 'worker-1', '--once', '--ttl', '30s').code).toBe(0)
    expect(json(meshkv(envA, 'members', 'worker-').stdout)).toMatchObject({ members: [{ id: 'worker-1' }] })
  })

  it('a REPRAM client pointed at the daemon\'s TCP port stores, retrieves, checks and lists', async () => {
    const base = `http://127.0.0.1:${HTTP_PORT}`
    const put = await fetch(`${base}/v1/data/${encodeURIComponent('repram/key')}`, { method: 'PUT', headers: { 'X-TTL': '120', 'Content-Type': 'application/octet-stream' }, body: 'from repram' })
    expect(put.status).toBe(201)
    const get = await fetch(`${base}/v1/data/${encodeURIComponent('repram/key')}`)
    expect(await get.text()).toBe('from repram')
    expect(Number(get.headers.get('X-Original-TTL'))).toBe(120)
    expect((await fetch(`${base}/v1/data/${encodeURIComponent('repram/key')}`, { method: 'HEAD' })).status).toBe(200)
    expect(await (await fetch(`${base}/v1/keys?prefix=repram/`)).json()).toEqual({ keys: ['repram/key'] })
    expect(meshkv(envA, 'get', 'repram/key', '--format', 'value').stdout).toBe('from repram\n')
  })

  it('keygen and drops: seal, open by token, open by private key, burn after read', () => {
    expect(meshkv(envA, 'keygen').stdout).toMatch(/^\/key\/swarm\/psk\/1\.0\.0\/\n\/base16\/\n[0-9a-f]{64}\n$/)
    const pair = json(meshkv(envA, 'keygen', '--drop').stdout) as { publicKey: string, privateKey: string }
    const sealed = json(meshkv(envA, 'drop', 'seal', 'open sesame', '--ttl', '1m', '--burn-after-read').stdout) as { token: string }
    expect(meshkv(envA, 'drop', 'open', sealed.token, '--format', 'value')).toMatchObject({ code: 0, stdout: 'open sesame\n' })
    expect(meshkv(envA, 'drop', 'open', sealed.token).code).toBe(1)
    expect(meshkv(envA, 'drop', 'open', 'garbage').code).toBe(2)
    expect(meshkv(envA, 'drop', 'seal', 'to you', '--to', pair.publicKey).code).toBe(0)
    expect(json(meshkv(envA, 'drop', 'open', '--private-key', pair.privateKey).stdout)).toEqual({ data: ['to you'], failed: [] })
  })

  it('--help on every command, with examples', () => {
    for (const args of [[], ['set'], ['get'], ['lock'], ['leader'], ['daemon'], ['watch']]) {
      const r = meshkv(envA, ...args, '--help')
      expect(r.code).toBe(0)
      expect(r.stdout).toMatch(/Usage: meshkv/)
    }
    expect(meshkv(envA, '--help').stdout).toContain('Exit codes')
    expect(meshkv(envA, 'lock', '--help').stdout).toContain('Examples')
  })

  it('daemon status and stop', () => {
    expect(json(meshkv(envA, 'daemon', 'status').stdout)).toMatchObject({ running: true, mesh: 'default' })
    expect(meshkv(envB, 'daemon', 'stop').code).toBe(0)
    expect(meshkv(envB, 'daemon', 'status').code).toBe(1)
  })

  it('keeps its identity in its state directory (mode 0600): the peer id survives a restart', () => {
    const file = join(dirs[0], 'state', 'identity.key')
    expect(statSync(file).mode & 0o777).toBe(0o600)
    const before = json(meshkv(envA, 'daemon', 'status').stdout).peer_id
    expect(before).toMatch(/^12D3KooW/)
    expect(meshkv(envA, 'daemon', 'stop').code).toBe(0)
    expect(json(meshkv(envA, 'status').stdout).peer_id).toBe(before) // restarted on first use
    expect(meshkv(envA, 'daemon', '--help').stdout).toContain('--state-dir')
  })

  it('is durable by default: 24 h, 7 d and infinite keys come back after a restart, under the same peer id', () => {
    expect(meshkv(envA, 'set', 'cache:day', 'one day', '--ttl', '24h').code).toBe(0)
    expect(meshkv(envA, 'set', 'analysis:repo-x', 'seven days', '--ttl', '7d').code).toBe(0) // the default --max-ttl allows it
    expect(meshkv(envA, 'set', 'config:forever', 'no expiry', '--ttl', 'inf').code).toBe(0)
    const before = json(meshkv(envA, 'daemon', 'status').stdout).peer_id
    expect(meshkv(envA, 'daemon', 'stop').code).toBe(0)
    expect(json(meshkv(envA, 'get', 'analysis:repo-x').stdout).value).toBe('seven days') // restarted on first use
    expect(json(meshkv(envA, 'get', 'cache:day').stdout).value).toBe('one day')
    expect(json(meshkv(envA, 'get', 'config:forever').stdout).value).toBe('no expiry')
    expect(json(meshkv(envA, 'daemon', 'status').stdout).peer_id).toBe(before)
    expect(meshkv(envA, 'daemon', '--help').stdout).toContain('--in-memory')
  })
})
