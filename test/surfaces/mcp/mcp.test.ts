/**
 * `meshkv mcp` through the MCP SDK's own client over stdio.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const BIN = join(import.meta.dirname, '..', '..', '..', 'bin', 'meshkv.js')
const dir = mkdtempSync(join(tmpdir(), 'meshkv-mcp-'))
const env = { ...process.env, MESHKV_RUNTIME_DIR: dir, MESHKV_STATE_DIR: join(dir, 'state'), MESHKV_MDNS: 'false', MESHKV_LISTEN: '/ip4/127.0.0.1/tcp/0' } as Record<string, string>
let client: Client

type ToolResult = { content: Array<{ type: string, text: string }>, isError?: boolean }
async function call (name: string, args: Record<string, unknown>): Promise<{ value: Record<string, unknown>, isError: boolean }> {
  const r = await client.callTool({ name, arguments: args }) as ToolResult
  return { value: JSON.parse(r.content[0].text) as Record<string, unknown>, isError: r.isError === true }
}

beforeAll(async () => {
  client = new Client({ name: 'meshkv-test', version: '1.0.0' })
  await client.connect(new StdioClientTransport({ command: process.execPath, args: [BIN, 'mcp'], env, stderr: 'ignore' }))
})
afterAll(async () => {
  await client.close()
  spawnSync(process.execPath, [BIN, 'daemon', 'stop'], { env })
  rmSync(dir, { recursive: true, force: true })
})

describe('meshkv mcp', () => {
  it('lists every tool with a described input schema', async () => {
    const { tools } = await client.listTools()
    expect(tools.map(t => t.name).sort()).toEqual([
      'meshkv_dec', 'meshkv_delete', 'meshkv_drop_open', 'meshkv_drop_seal', 'meshkv_exists', 'meshkv_get_counter', 'meshkv_inc', 'meshkv_list_keys',
      'meshkv_lock_acquire', 'meshkv_lock_release', 'meshkv_lock_status', 'meshkv_log_append', 'meshkv_log_range', 'meshkv_queue_ack',
      'meshkv_queue_nack', 'meshkv_queue_peek', 'meshkv_queue_pop', 'meshkv_queue_push', 'meshkv_queue_size', 'meshkv_retrieve', 'meshkv_sadd',
      'meshkv_scard', 'meshkv_sismember', 'meshkv_smembers', 'meshkv_srem', 'meshkv_store', 'meshkv_wait'
    ])
    const store = tools.find(t => t.name === 'meshkv_store')!
    expect(store.description).toMatch(/ttl_seconds/)
    expect(Object.keys(store.inputSchema.properties ?? {}).sort()).toEqual(['data', 'if_not_exists', 'if_value', 'key', 'mode', 'replicas', 'ttl_seconds'])
  })

  it('stores (with a generated key), retrieves, checks, lists and deletes', async () => {
    const stored = await call('meshkv_store', { data: 'the answer is 42', ttl_seconds: 60 })
    expect(stored.isError).toBe(false)
    const key = stored.value.key as string
    expect(key).toMatch(/^[0-9a-f-]{36}$/)
    expect(stored.value.expires_at).toBeGreaterThan(Date.now())
    // a lone daemon: confirmed by min(1, 0 connected peers) = 0 peers
    expect(stored.value).toMatchObject({ replicas: 0, confirmed: true })
    const retrieved = await call('meshkv_retrieve', { key })
    expect(retrieved.value).toMatchObject({ key, data: 'the answer is 42' })
    // epoch ms, like expires_at
    expect(retrieved.value.created_at).toBeGreaterThan(Date.now() - 60_000)
    expect(retrieved.value.created_at).toBeLessThanOrEqual(Date.now())
    expect((await call('meshkv_exists', { key })).value).toMatchObject({ exists: true })
    await call('meshkv_store', { key: 'notes/a', data: 'x', ttl_seconds: 60 })
    expect((await call('meshkv_list_keys', { prefix: 'notes/' })).value).toEqual({ keys: ['notes/a'] })
    expect((await call('meshkv_delete', { key })).value).toMatchObject({ deleted: true })
    const gone = await call('meshkv_retrieve', { key })
    expect(gone.isError).toBe(true)
    expect(gone.value).toMatchObject({ name: 'NotFoundError' })
  })

  it('waits for a key and times out with a named error', async () => {
    const waiting = call('meshkv_wait', { key: 'drop/result', timeout_seconds: 10 })
    await call('meshkv_store', { key: 'drop/result', data: 'done', ttl_seconds: 60 })
    expect((await waiting).value).toMatchObject({ data: 'done' })
    const late = await call('meshkv_wait', { key: 'drop/never', timeout_seconds: 0.2 })
    expect(late).toMatchObject({ isError: true, value: { name: 'WaitTimeoutError' } })
  })

  it('locks: acquire, refuse another owner, status, release', async () => {
    const got = await call('meshkv_lock_acquire', { name: 'deploy', ttl_seconds: 30 })
    expect(got.isError).toBe(false)
    expect(got.value.token).toBeTypeOf('string')
    const other = await call('meshkv_lock_acquire', { name: 'deploy', owner: 'other-agent' })
    expect(other).toMatchObject({ isError: true, value: { name: 'LockUnavailableError' } })
    // the hint names the tool's own parameter, not the CLI's --wait
    expect(other.value.hint).toContain('wait_seconds')
    expect((await call('meshkv_lock_status', { name: 'deploy' })).value).toMatchObject({ held: true, token: got.value.token })
    expect((await call('meshkv_lock_release', { name: 'deploy', owner: 'other-agent' })).isError).toBe(true)
    expect((await call('meshkv_lock_release', { name: 'deploy' })).isError).toBe(false)
    expect((await call('meshkv_lock_status', { name: 'deploy' })).value).toMatchObject({ held: false })
    // releasing it again: it is free, so nothing of ours was released
    expect(await call('meshkv_lock_release', { name: 'deploy' })).toMatchObject({ isError: true, value: { name: 'NotLockHolderError' } })
  })

  it('drops: seal returns a token that opens once with burn_after_read', async () => {
    const sealed = await call('meshkv_drop_seal', { data: 'secret for agent b', ttl_seconds: 60, burn_after_read: true })
    expect(sealed.value.token).toMatch(/^mkd1\./)
    expect((await call('meshkv_drop_open', { token: sealed.value.token })).value).toEqual({ data: 'secret for agent b' })
    expect(await call('meshkv_drop_open', { token: sealed.value.token })).toMatchObject({ isError: true, value: { name: 'DropNotFoundError' } })
  })

  it('refuses to store under or delete meshkv\'s own @meshkv/ keys', async () => {
    const key = '@meshkv/lease/deploy/ffffffffffff0000-evil/mallory/q'
    expect(await call('meshkv_store', { key, data: '' })).toMatchObject({ isError: true, value: { name: 'ReservedKeyError' } })
    expect(await call('meshkv_delete', { key })).toMatchObject({ isError: true, value: { name: 'ReservedKeyError' } })
  })

  it('counters and sets: inc, dec, get_counter, sadd, srem, smembers, sismember, scard', async () => {
    expect((await call('meshkv_inc', { key: 'hits' })).value).toEqual({ key: 'hits', value: 1 })
    expect((await call('meshkv_inc', { key: 'hits', by: 4, ttl_seconds: 60 })).value).toEqual({ key: 'hits', value: 5 })
    expect((await call('meshkv_dec', { key: 'hits' })).value).toEqual({ key: 'hits', value: 4 })
    expect((await call('meshkv_get_counter', { key: 'hits' })).value).toEqual({ key: 'hits', value: 4 })
    expect(await call('meshkv_dec', { key: 'hits', min: 0 })).toMatchObject({ isError: true, value: { name: 'InvalidOptionError' } })
    expect(await call('meshkv_inc', { key: 'hits', mode: 'quorum' })).toMatchObject({ isError: true, value: { name: 'QuorumNotConfiguredError' } })
    expect((await call('meshkv_sadd', { key: 'seen', members: ['a', 'b'] })).value).toEqual({ key: 'seen', added: 2 })
    expect((await call('meshkv_sadd', { key: 'seen', members: ['a'] })).value).toEqual({ key: 'seen', added: 0 })
    expect((await call('meshkv_sismember', { key: 'seen', member: 'a' })).value).toMatchObject({ is_member: true })
    expect((await call('meshkv_srem', { key: 'seen', members: ['a'] })).value).toEqual({ key: 'seen', removed: 1 })
    expect((await call('meshkv_smembers', { key: 'seen' })).value).toEqual({ key: 'seen', members: ['b'] })
    expect((await call('meshkv_scard', { key: 'seen' })).value).toEqual({ key: 'seen', size: 1 })
  })

  it('conditional store and delete: ConditionFailedError when the condition fails', async () => {
    expect((await call('meshkv_store', { key: 'cfg', data: 'v1', if_not_exists: true })).isError).toBe(false)
    expect(await call('meshkv_store', { key: 'cfg', data: 'v2', if_not_exists: true })).toMatchObject({ isError: true, value: { name: 'ConditionFailedError' } })
    expect((await call('meshkv_store', { key: 'cfg', data: 'v2', if_value: 'v1' })).isError).toBe(false)
    expect(await call('meshkv_delete', { key: 'cfg', if_value: 'v1' })).toMatchObject({ isError: true, value: { name: 'ConditionFailedError' } })
    expect((await call('meshkv_delete', { key: 'cfg', if_value: 'v2' })).value).toMatchObject({ deleted: true })
  })

  it('rejects bad arguments as tool errors', async () => {
    const r = await client.callTool({ name: 'meshkv_store', arguments: { data: 5 } }) as ToolResult
    expect(r.isError).toBe(true)
  })
})
