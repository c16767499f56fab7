/**
 * The CLI's errors as docs/cli.md promises them: JSON on stderr `{ error, name, hint, exitCode }`,
 * argument errors included (exit 2, a one-line hint), hints that fit what the caller did.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'

const ROOT = join(import.meta.dirname, '..', '..', '..')
const BIN = join(ROOT, 'bin', 'meshkv.js')
const dir = mkdtempSync(join(tmpdir(), 'meshkv-errors-'))
const env = { ...process.env, MESHKV_RUNTIME_DIR: dir, MESHKV_MDNS: 'false', MESHKV_LISTEN: '/ip4/127.0.0.1/tcp/0', MESHKV_OWNER: 'me' }

function meshkv (...args: string[]): { code: number | null, stdout: string, stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { env, encoding: 'utf8', timeout: 60_000 })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}
/** The one JSON error line on stderr (the daemon's start notice aside). */
function error (stderr: string): Record<string, unknown> {
  const lines = stderr.split('\n').filter(l => l !== '' && !l.startsWith('meshkv: started a daemon'))
  expect(lines).toHaveLength(1)
  return JSON.parse(lines[0]) as Record<string, unknown>
}

afterAll(() => {
  meshkv('daemon', 'stop')
  rmSync(dir, { recursive: true, force: true })
})

describe('argument errors', () => {
  it.each([
    [['frobnicate'], /unknown command 'frobnicate'/, 'meshkv --help'],
    [['get'], /missing required argument 'key'/, 'meshkv get --help'],
    [['get', 'a', 'b'], /too many arguments/, 'meshkv get --help'],
    [['get', 'k', '--frob'], /unknown option '--frob'/, 'meshkv get --help'],
    [['set', 'k', 'v', '--ttl'], /argument missing/, 'meshkv set --help'],
    [['lock', 'frob', 'x'], /unknown command 'frob'/, 'meshkv lock --help'],
    [['lock'], /lock needs a command: acquire, release/, 'meshkv lock --help'],
    [[], /meshkv needs a command: set, get/, 'meshkv --help']
  ])('%j: one JSON line on stderr, exit 2, a one-line hint to the help', (args, message, help) => {
    const r = meshkv(...args)
    expect(r.code).toBe(2)
    expect(r.stdout).toBe('')
    const e = error(r.stderr)
    expect(e).toMatchObject({ name: 'UsageError', exitCode: 2 })
    expect(e.error).toMatch(message)
    expect(String(e.error)).not.toContain('\n')
    expect(String(e.hint)).not.toContain('\n')
    expect(e.hint).toContain(help)
  })

  it('--help still prints the help, on stdout, exit 0', () => {
    const r = meshkv('get', '--help')
    expect(r).toMatchObject({ code: 0, stderr: '' })
    expect(r.stdout).toMatch(/^Usage: meshkv get/)
  })
})

describe('--version', () => {
  it('prints the version from package.json', () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }
    expect(meshkv('--version')).toMatchObject({ code: 0, stdout: `${version}\n` })
    expect(meshkv('-V').stdout).toBe(`${version}\n`)
  })
})

describe('hints that fit what was done', () => {
  it('lock acquire: "pass --wait" without a wait; once --wait ran out, not that again', () => {
    expect(meshkv('lock', 'acquire', 'deploy', '--owner', 'holder', '--ttl', '30s').code).toBe(0)
    const now = meshkv('lock', 'acquire', 'deploy')
    expect(now.code).toBe(4)
    expect(error(now.stderr)).toMatchObject({ name: 'LockUnavailableError', hint: expect.stringContaining('pass --wait') })
    const waited = meshkv('lock', 'acquire', 'deploy', '--wait', '300ms')
    expect(waited.code).toBe(4)
    const e = error(waited.stderr)
    expect(e).toMatchObject({ name: 'LockUnavailableError', exitCode: 4 })
    expect(e.hint).toMatch(/--wait ran out/)
    expect(e.hint).not.toContain('pass --wait')
    expect(e.error).toMatch(/waited 300 ms/)
  })

  it('lock release of a free lock: refused (exit 4, NotLockHolderError), as for a lock held by another', () => {
    const r = meshkv('lock', 'release', 'never-taken')
    expect(r.code).toBe(4)
    expect(r.stdout).toBe('')
    expect(error(r.stderr)).toMatchObject({ name: 'NotLockHolderError', error: expect.stringContaining('not held') })
    expect(meshkv('lock', 'release', 'deploy').code).toBe(4)
  })

  it('leader resign by a non-leader speaks of leaders and --id', () => {
    const nobody = meshkv('leader', 'resign', 'reports')
    expect(nobody.code).toBe(4)
    const e = error(nobody.stderr)
    expect(e).toMatchObject({ name: 'NotLeaderError', error: 'me does not lead group reports: nobody does' })
    expect(e.hint).toContain('--id')
    expect(JSON.stringify(e)).not.toMatch(/@election|--owner/)
    expect(meshkv('leader', 'elect', 'reports', '--once', '--id', 'boss', '--ttl', '30s').code).toBe(0)
    expect(error(meshkv('leader', 'resign', 'reports').stderr)).toMatchObject({ name: 'NotLeaderError', error: 'me does not lead group reports: boss does' })
    expect(meshkv('leader', 'resign', 'reports', '--id', 'boss').code).toBe(0)
  })
})
