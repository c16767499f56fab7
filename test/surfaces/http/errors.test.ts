/**
 * Errors over HTTP say what an HTTP client can do (its parameter names, not the CLI's flags), and
 * the daemon's own clients (CLI, MCP) get hints in their words; metrics have Prometheus types.
 */
import { describe, expect, it } from 'vitest'
import { gatewayPerFile } from './gateway.js'

const gw = gatewayPerFile()

const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number, body: Record<string, unknown> }> => {
  const r = await fetch(`${gw.base}${path}`, { method, headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers }, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) })
  return { status: r.status, body: await r.json() as Record<string, unknown> }
}
const CLI_FLAG = /--[a-z]|see --help/

describe('HTTP error hints are worded for HTTP', () => {
  it('a TTL the mesh refuses: the hint names ?ttl= and X-TTL in seconds, no CLI units or --help', async () => {
    const r = await call('PUT', '/v1/data/k?ttl=99999999', 'v')
    expect(r).toMatchObject({ status: 400, body: { name: 'InvalidTtlError' } })
    expect(r.body.hint).not.toMatch(CLI_FLAG)
    expect(r.body.hint).not.toMatch(/30s|10m|2h/)
    expect(r.body.hint).toContain('?ttl=')
  })

  it('a bad parameter points to docs/http.md, not --help', async () => {
    const r = await call('PUT', '/v1/data/k?ttl=abc', 'v')
    expect(r).toMatchObject({ status: 400, body: { name: 'UsageError' } })
    expect(r.body.hint).not.toMatch(CLI_FLAG)
    expect(r.body.hint).toContain('docs/http.md')
  })

  it('the CLI and MCP, saying who they are, get hints in their own words', async () => {
    expect((await call('PUT', '/v1/data/k?ttl=99999999', 'v', { 'x-meshkv-surface': 'cli' })).body.hint).toMatch(/30s, 10m/)
    await call('POST', '/v1/locks/busy/acquire', { owner: 'holder', ttl: 30_000 })
    expect((await call('POST', '/v1/locks/busy/acquire', { owner: 'other' }, { 'x-meshkv-surface': 'cli' })).body.hint).toContain('--wait')
    expect((await call('POST', '/v1/locks/busy/acquire', { owner: 'other' }, { 'x-meshkv-surface': 'mcp' })).body.hint).toContain('wait_seconds')
  })

  it('a held lock: "send wait" at first, and once a wait ran out, not that again', async () => {
    await call('POST', '/v1/locks/held/acquire', { owner: 'holder', ttl: 30_000 })
    const now = await call('POST', '/v1/locks/held/acquire', { owner: 'other' })
    expect(now).toMatchObject({ status: 409, body: { name: 'LockUnavailableError', exitCode: 4 } })
    expect(now.body.hint).toContain('`wait`')
    expect(now.body.hint).not.toMatch(CLI_FLAG)
    const waited = await call('POST', '/v1/locks/held/acquire', { owner: 'other', wait: 200 })
    expect(waited).toMatchObject({ status: 409, body: { name: 'LockUnavailableError' } })
    expect(waited.body.hint).toMatch(/ran out/)
    expect(waited.body.hint).not.toMatch(/send `wait`|pass --wait/)
    const cli = await call('POST', '/v1/locks/held/acquire', { owner: 'other', wait: 200 }, { 'x-meshkv-surface': 'cli' })
    expect(cli.body.hint).toMatch(/--wait ran out/)
    expect(cli.body.hint).not.toContain('pass --wait')
  })
})

describe('releasing and resigning what one does not hold', () => {
  it('releasing a free lock is refused like releasing another\'s: NotLockHolderError, not released: true', async () => {
    const r = await call('POST', '/v1/locks/never-taken/release', { owner: 'me' })
    expect(r).toMatchObject({ status: 409, body: { name: 'NotLockHolderError', exitCode: 4 } })
    expect(r.body.error).toContain('not held')
  })

  it('resigning a group one does not lead speaks of leaders, not of @election locks and owners', async () => {
    const nobody = await call('POST', '/v1/leaders/g1/resign', { id: 'me' })
    expect(nobody).toMatchObject({ status: 409, body: { name: 'NotLeaderError', exitCode: 4 } })
    expect(nobody.body.error).toMatch(/me does not lead group g1: nobody does/)
    await call('POST', '/v1/leaders/g1/elect', { id: 'boss', once: true, ttl: 30_000 })
    const other = await call('POST', '/v1/leaders/g1/resign', { id: 'me' }, { 'x-meshkv-surface': 'cli' })
    expect(other).toMatchObject({ status: 409, body: { name: 'NotLeaderError' } })
    expect(other.body.error).toMatch(/boss does/)
    for (const text of [String(other.body.error), String(other.body.hint), String(nobody.body.hint)]) {
      expect(text).not.toMatch(/@election|--owner|lock /)
    }
    expect(await call('POST', '/v1/leaders/g1/resign', { id: 'boss' })).toMatchObject({ status: 200, body: { resigned: true } })
  })
})

describe('Prometheus metrics', () => {
  it('monotonic counts are counters, levels are gauges', async () => {
    const text = await (await fetch(`${gw.base}/v1/metrics`)).text()
    for (const name of ['meshkv_gossip_messages_in_total', 'meshkv_gossip_messages_out_total', 'meshkv_sync_rounds_initiated_total', 'meshkv_expired_total', 'meshkv_rejected_total']) {
      expect(text).toContain(`# TYPE ${name} counter`)
    }
    for (const name of ['meshkv_entries', 'meshkv_tombstones', 'meshkv_bytes', 'meshkv_peers']) expect(text).toContain(`# TYPE ${name} gauge`)
    expect(text).toMatch(/^meshkv_rejected_total\{reason="malformed"\} 0$/m)
    await call('PUT', '/v1/data/counted?ttl=60', 'v')
    const again = await (await fetch(`${gw.base}/v1/metrics`)).text()
    const out = (t: string): number => Number(/^meshkv_gossip_messages_out_total (\d+)$/m.exec(t)?.[1])
    expect(out(again)).toBeGreaterThanOrEqual(out(text))
  })
})
