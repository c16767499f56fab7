/**
 * `meshkv queue …`, `append` and `range` end to end through a daemon, with their exit codes;
 * the fast path and the full program answer alike.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { parseFast } from '../../../src/surfaces/cli/fast.js'

const BIN = join(import.meta.dirname, '..', '..', '..', 'bin', 'meshkv.js')
const dir = mkdtempSync(join(tmpdir(), 'meshkv-q-'))
const env: NodeJS.ProcessEnv = { ...process.env, MESHKV_MDNS: 'false', MESHKV_LISTEN: '/ip4/127.0.0.1/tcp/0', MESHKV_RUNTIME_DIR: dir, MESHKV_STATE_DIR: join(dir, 'state') }

function meshkv (...args: string[]): { code: number, stdout: string, stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { env, encoding: 'utf8', timeout: 60_000 })
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr }
}
const json = (s: string): Record<string, unknown> => JSON.parse(s.trim().split('\n').pop() as string)

afterAll(() => {
  meshkv('daemon', 'stop')
  rmSync(dir, { recursive: true, force: true })
})

describe('meshkv queue, append, range', () => {
  it('the fast path takes them', () => {
    expect(parseFast(['queue', 'pop', 'q', '--visibility-timeout', '5m'])?.command.path).toEqual(['queue', 'pop'])
    expect(parseFast(['append', 'log', 'x', '--ttl', '1d'])?.command.path).toEqual(['append'])
    expect(parseFast(['range', 'log', '--since', 'p'])?.command.path).toEqual(['range'])
  })

  it('push, pop (exit 1 when empty), ack, nack, size, peek', () => {
    expect(meshkv('queue', 'push', 'reviews', 'pr-101').code).toBe(0)
    expect(meshkv('queue', 'push', 'reviews', 'pr-102', '--format', 'value').stdout).toMatch(/^[0-9a-f]{16}-/)
    expect(meshkv('queue', 'size', 'reviews', '--format', 'value')).toMatchObject({ code: 0, stdout: '2\n' })
    const popped = meshkv('queue', 'pop', 'reviews', '--visibility-timeout', '5m')
    expect(popped.code).toBe(0)
    const item = json(popped.stdout) as { data: string, receipt: string, deliveries: number }
    expect(item).toMatchObject({ data: 'pr-101', deliveries: 1 })
    expect(json(meshkv('queue', 'peek', 'reviews').stdout)).toMatchObject({ items: [{ data: 'pr-102' }] })
    expect(meshkv('queue', 'ack', 'reviews', item.receipt).code).toBe(0)
    const second = json(meshkv('queue', 'pop', 'reviews').stdout) as { receipt: string }
    const empty = meshkv('queue', 'pop', 'reviews')
    expect(empty.code).toBe(1)
    expect(json(empty.stdout)).toEqual({ name: 'reviews', empty: true })
    expect(meshkv('queue', 'nack', 'reviews', second.receipt).code).toBe(0)
    expect(meshkv('queue', 'pop', 'reviews', '--format', 'value')).toMatchObject({ code: 0, stdout: 'pr-102\n' })
  })

  it('append and range, --since and --format value; exit 1 with nothing new', () => {
    const p1 = meshkv('append', 'chat:7', 'hello', '--format', 'value').stdout.trim()
    expect(meshkv('append', 'chat:7', 'world').code).toBe(0)
    expect(meshkv('range', 'chat:7', '--format', 'value')).toMatchObject({ code: 0, stdout: 'hello\nworld\n' })
    const after = json(meshkv('range', 'chat:7', '--since', p1).stdout) as { records: Array<{ data: string }>, next: string }
    expect(after.records.map(r => r.data)).toEqual(['world'])
    expect(meshkv('range', 'chat:7', '--since', after.next).code).toBe(1)
  })

  it('usage errors exit 2; a bad receipt exits 2', () => {
    expect(meshkv('queue', 'pop', 'q', '--mode', 'strong').code).toBe(2)
    expect(meshkv('queue', 'pop', 'q', '--max-deliveries', '0').code).toBe(2)
    expect(meshkv('queue', 'ack', 'q', 'garbage').code).toBe(2)
    expect(meshkv('range', 'log', '--since', 'garbage').code).toBe(2)
    const help = meshkv('queue', '--help')
    expect(help.stdout).toContain('pop')
    expect(help.stdout).toContain('visibility')
  })
})
