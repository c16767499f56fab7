/**
 * Counters, sets and conditional writes from the command line (kvstore's names), end to end
 * through a spawned daemon: output, `--format value`, exit codes; the fast path answers as the
 * full program does.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { parseFast } from '../../../src/surfaces/cli/fast.js'

const BIN = join(import.meta.dirname, '..', '..', '..', 'bin', 'meshkv.js')
const dir = mkdtempSync(join(tmpdir(), 'meshkv-types-'))
const env: NodeJS.ProcessEnv = { ...process.env, MESHKV_MDNS: 'false', MESHKV_LISTEN: '/ip4/127.0.0.1/tcp/0', MESHKV_RUNTIME_DIR: dir, MESHKV_STATE_DIR: join(dir, 'state') }

function meshkv (path: 'fast' | 'full', ...args: string[]): { code: number, stdout: string, stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { env: { ...env, MESHKV_CLI_PATH: path }, encoding: 'utf8', timeout: 60_000 })
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr }
}
const run = (...args: string[]): { code: number, stdout: string, stderr: string } => meshkv('fast', ...args)
const json = (s: string): Record<string, unknown> => JSON.parse(s.trim().split('\n').pop() as string)

afterAll(() => {
  meshkv('full', 'daemon', 'stop')
  rmSync(dir, { recursive: true, force: true })
})

// a second daemon that is its own quorum (MESHKV_QUORUM_MEMBERS: its peer id)
const qdir = mkdtempSync(join(tmpdir(), 'meshkv-types-q-'))
let qenv: NodeJS.ProcessEnv = { ...env, MESHKV_RUNTIME_DIR: qdir, MESHKV_STATE_DIR: join(qdir, 'state') }
const q = (...args: string[]): { code: number, stdout: string, stderr: string } => {
  const r = spawnSync(process.execPath, [BIN, ...args], { env: qenv, encoding: 'utf8', timeout: 60_000 })
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr }
}
afterAll(() => {
  q('daemon', 'stop')
  rmSync(qdir, { recursive: true, force: true })
})

describe('parseFast takes the data-type commands', () => {
  it('with their options, sadd and srem with one or more members', () => {
    const call = (...argv: string[]): unknown => {
      const c = parseFast(argv)
      return c === undefined ? undefined : { path: c.command.path.join(' '), args: c.args, opts: c.opts }
    }
    expect(call('inc', 'k', '--by', '5', '--ttl', '1m')).toEqual({ path: 'inc', args: ['k'], opts: { by: '5', ttl: '1m', mode: undefined, format: 'json' } })
    expect(call('sadd', 's', 'a', 'b', 'c', '--mode', 'quorum')).toMatchObject({ path: 'sadd', args: ['s', 'a', 'b', 'c'], opts: { mode: 'quorum' } })
    expect(call('sadd', 's')).toBeUndefined()
    expect(call('sismember', 's', 'a', 'b')).toBeUndefined()
    expect(call('dec', 'k', '--by', '-1')).toBeUndefined() // a value that starts with -: the full program
    expect(call('set', 'k', 'v', '--if-value', 'old', '--mode', 'quorum')).toMatchObject({ path: 'set', opts: { ifValue: 'old', mode: 'quorum' } })
  })
})

describe('meshkv counters, sets, conditional writes', () => {
  it('inc, dec, get-counter: the value after, --format value, --by', () => {
    expect(run('inc', 'hits').code).toBe(0) // starts the daemon
    expect(json(run('inc', 'hits').stdout)).toEqual({ key: 'hits', value: 2 })
    expect(run('inc', 'hits', '--by', '10', '--format', 'value').stdout).toBe('12\n')
    expect(meshkv('full', 'dec', 'hits', '--by', '-3', '--format', 'value').stdout).toBe('15\n')
    expect(run('dec', 'hits', '--format', 'value').stdout).toBe('14\n')
    expect(run('get-counter', 'hits', '--format', 'value')).toMatchObject({ code: 0, stdout: '14\n' })
    expect(run('get-counter', 'never', '--format', 'value').stdout).toBe('0\n')
    expect(run('inc', 'hits', '--by', '1.5').code).toBe(2)
    expect(run('inc', 'hits', '--mode', 'strong').code).toBe(2)
  })

  it('dec --min needs quorum mode (exit 2 in gossip mode)', () => {
    const r = run('dec', 'hits', '--min', '0')
    expect(r.code).toBe(2)
    expect(json(r.stderr)).toMatchObject({ name: 'InvalidOptionError' })
  })

  it('sadd: exit 0 when a member was new, 1 when all were there; srem, smembers, sismember, scard', () => {
    expect(run('sadd', 'seen', 'a', 'b')).toMatchObject({ code: 0, stdout: '{"key":"seen","added":2}\n' })
    expect(run('sadd', 'seen', 'a').code).toBe(1)
    expect(run('sadd', 'seen', 'a', 'c', '--format', 'value')).toMatchObject({ code: 0, stdout: '1\n' })
    expect(run('smembers', 'seen', '--format', 'value').stdout).toBe('a\nb\nc\n')
    expect(json(run('smembers', 'seen').stdout)).toEqual({ key: 'seen', members: ['a', 'b', 'c'] })
    expect(run('sismember', 'seen', 'b').code).toBe(0)
    expect(run('sismember', 'seen', 'z').code).toBe(1)
    expect(run('scard', 'seen', '--format', 'value').stdout).toBe('3\n')
    expect(run('srem', 'seen', 'b', 'z')).toMatchObject({ code: 0, stdout: '{"key":"seen","removed":1}\n' })
    expect(run('srem', 'seen', 'b').code).toBe(1)
    expect(run('scard', 'seen', '--format', 'value').stdout).toBe('2\n')
    expect(run('smembers', 'empty', '--format', 'value')).toMatchObject({ code: 0, stdout: '' })
  })

  it('set --if-value, --if-not-exists, del --if-value: exit 1 (ConditionFailedError) when the condition fails', () => {
    expect(run('set', 'cfg', 'v1', '--if-not-exists').code).toBe(0)
    const refused = run('set', 'cfg', 'v2', '--if-not-exists')
    expect(refused.code).toBe(1)
    expect(json(refused.stderr)).toMatchObject({ name: 'ConditionFailedError' })
    expect(run('set', 'cfg', 'v2', '--if-value', 'nope').code).toBe(1)
    expect(run('set', 'cfg', 'v2', '--if-value', 'v1').code).toBe(0)
    expect(run('get', 'cfg', '--format', 'value').stdout).toBe('v2\n')
    expect(run('del', 'cfg', '--if-value', 'v1').code).toBe(1)
    expect(json(run('del', 'cfg', '--if-value', 'v2').stdout)).toMatchObject({ key: 'cfg', deleted: true })
    expect(run('get', 'cfg').code).toBe(1)
  })

  it('the fast path and the full program answer alike', () => {
    meshkv('full', 'sadd', 'ss', 'x') // so that both see it already there
    for (const args of [['inc', 'same'], ['get-counter', 'same', '--format', 'value'], ['sadd', 'ss', 'x'], ['sismember', 'ss', 'y'], ['smembers', 'ss'], ['scard', 'ss'], ['set', 'c2', 'x', '--if-value', 'y']]) {
      const fast = meshkv('fast', ...args)
      const full = meshkv('full', ...args)
      const norm = (r: { code: number, stdout: string, stderr: string }): unknown => ({ code: r.code, stdout: r.stdout.replace(/"value":\d+/, '"value":N').replace(/"added":\d/, '"added":N').replace(/^\d+\n$/, 'N'), stderr: r.stderr })
      expect(norm(fast), args.join(' ')).toEqual(norm(full))
    }
  })
})

describe('meshkv counters, sets, conditional writes in quorum mode', () => {
  it('inc gives exact values, dec --min 0 exits 1 (CounterBoundError) at the bound, sadd is exact, set --if-value is a compare-and-set', () => {
    const peer = json(q('status').stdout).peer_id as string
    expect(q('daemon', 'stop').code).toBe(0)
    qenv = { ...qenv, MESHKV_QUORUM_MEMBERS: peer }
    expect(q('inc', 'ids', '--mode', 'quorum', '--format', 'value').stdout).toBe('1\n')
    expect(q('inc', 'ids', '--mode', 'quorum', '--format', 'value').stdout).toBe('2\n')
    expect(q('dec', 'ids', '--by', '2', '--min', '0', '--mode', 'quorum', '--format', 'value')).toMatchObject({ code: 0, stdout: '0\n' })
    const refused = q('dec', 'ids', '--min', '0', '--mode', 'quorum')
    expect(refused.code).toBe(1)
    expect(json(refused.stderr)).toMatchObject({ name: 'CounterBoundError' })
    expect(q('get-counter', 'ids', '--mode', 'quorum', '--format', 'value').stdout).toBe('0\n')
    expect(q('get-counter', 'ids', '--format', 'value').stdout).toBe('0\n') // the gossip counter is another
    expect(q('sadd', 'votes', 'p1', 'p2', '--mode', 'quorum').code).toBe(0)
    expect(q('sadd', 'votes', 'p1', '--mode', 'quorum').code).toBe(1)
    expect(q('scard', 'votes', '--mode', 'quorum', '--format', 'value').stdout).toBe('2\n')
    expect(q('set', 'state', 'idle', '--if-not-exists', '--mode', 'quorum').code).toBe(0)
    expect(q('set', 'state', 'running', '--if-value', 'busy', '--mode', 'quorum').code).toBe(1)
    expect(q('set', 'state', 'running', '--if-value', 'idle', '--mode', 'quorum').code).toBe(0)
    expect(q('get', 'state', '--format', 'value').stdout).toBe('running\n')
    expect(q('del', 'state', '--if-value', 'running', '--mode', 'quorum').code).toBe(0)
  })
})
