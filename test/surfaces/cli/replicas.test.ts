/**
 * `meshkv set` and `del` with `--replicas`: they return once that many connected peers (default
 * 1, at most as many as are connected) confirm the write; when the confirmation does not come in
 * time the write stays applied, the JSON is printed, and the command fails with
 * ReplicationTimeoutError (exit 3).
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'

const BIN = join(import.meta.dirname, '..', '..', '..', 'bin', 'meshkv.js')
const dir = mkdtempSync(join(tmpdir(), 'meshkv-replicas-'))
const at = (name: string): NodeJS.ProcessEnv => ({ ...process.env, MESHKV_RUNTIME_DIR: join(dir, name), MESHKV_STATE_DIR: join(dir, `${name}-state`), MESHKV_LISTEN: '/ip4/127.0.0.1/tcp/0', MESHKV_MDNS: 'false' })
const envFull = at('full')
const HTTP = 20_000 + Math.floor(Math.random() * 20_000)
let envB: NodeJS.ProcessEnv = at('writer')

function meshkv (env: NodeJS.ProcessEnv, ...args: string[]): { code: number, stdout: string, stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { env, encoding: 'utf8', timeout: 60_000 })
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr }
}
const last = (s: string): Record<string, unknown> => JSON.parse(s.trim().split('\n').pop() as string)

afterAll(() => {
  for (const [env, name] of [[envB, 'writer'], [envFull, 'full']] as const) {
    meshkv(env, 'daemon', 'stop')
    try { process.kill(Number(readFileSync(join(dir, name, 'default.pid'), 'utf8')), 'SIGKILL') } catch {}
  }
  rmSync(dir, { recursive: true, force: true })
})

describe('meshkv set / del --replicas', () => {
  it('confirmed by the peers asked for, or exit 3 with the write applied', async () => {
    // the only peer is full (one key): it refuses new keys, so it never confirms one
    expect(meshkv(envFull, 'daemon', 'start', '--max-entries', '1').code).toBe(0)
    expect(meshkv(envFull, 'set', 'mine', 'x', '--replicas', '0').code).toBe(0)
    const addr = (last(meshkv(envFull, 'status').stdout).addresses as string[])[0]
    envB = { ...envB, MESHKV_BOOTSTRAP: addr }
    expect(meshkv(envB, 'daemon', 'start', '--http', `127.0.0.1:${HTTP}`).code).toBe(0)
    const deadline = Date.now() + 30_000
    while (((await (await fetch(`http://127.0.0.1:${HTTP}/v1/peers`)).json()) as { peers: string[] }).peers.length === 0) {
      if (Date.now() > deadline) throw new Error('the writer never connected to the full peer')
      await new Promise(resolve => setTimeout(resolve, 50))
    }

    const local = meshkv(envB, 'set', 'k', 'v', '--replicas', '0')
    expect(local.code).toBe(0)
    expect(last(local.stdout)).toMatchObject({ key: 'k', replicas: 0, confirmed: true })

    const unconfirmed = meshkv(envB, 'set', 'k2', 'v') // default: one peer must confirm
    expect(unconfirmed.code).toBe(3)
    expect(last(unconfirmed.stdout)).toMatchObject({ key: 'k2', replicas: 0, confirmed: false })
    expect(last(unconfirmed.stderr)).toMatchObject({ name: 'ReplicationTimeoutError', exitCode: 3 })
    expect(meshkv(envB, 'get', 'k2', '--format', 'value').stdout).toBe('v\n')

    const del = meshkv(envB, 'del', 'k2', '--replicas', '1')
    expect(del.code).toBe(3)
    expect(last(del.stdout)).toEqual({ key: 'k2', deleted: true })
    expect(meshkv(envB, 'exists', 'k2').code).toBe(1)
    expect(meshkv(envB, 'del', 'k', '--replicas', '0').code).toBe(0)

    expect(meshkv(envB, 'set', 'k3', 'v', '--replicas', 'two').code).toBe(2)
  }, 120_000)
})
