/**
 * `meshkv mcp`: an MCP server on stdio whose tools call the local daemon's HTTP API (the same
 * client the CLI uses). Errors come back as tool errors carrying the error's name and reason.
 */
import { randomUUID } from 'node:crypto'
import { hostname } from 'node:os'
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js'
import { z } from 'zod'
import { connect, remoteError, type DaemonClient } from '../shared/client.js'
import { secondsToMs } from '../shared/duration.js'
import { hintFor } from '../shared/errors.js'
import { entryOf } from '../shared/output.js'
import { registerQueueTools } from './tools-queues.js'

type Result = { content: Array<{ type: 'text', text: string }>, isError?: boolean }

const ok = (value: unknown): Result => ({ content: [{ type: 'text', text: JSON.stringify(value) }] })

function toolError (err: unknown): Result {
  const name = err instanceof Error ? err.name : 'Error'
  return { isError: true, content: [{ type: 'text', text: JSON.stringify({ error: err instanceof Error ? err.message : String(err), name, hint: hintFor(err, 'mcp') }) }] }
}

const enc = encodeURIComponent

const MODE = z.enum(['gossip', 'quorum']).optional().describe('gossip (default: this node\'s view, always available) or quorum (exact, through a majority of the mesh\'s quorum members)')

/** Registers one tool: its input schema, and a run that calls the daemon. */
type Tool = <S extends z.ZodRawShape>(name: string, description: string, schema: S, run: (args: z.infer<z.ZodObject<S>>, c: DaemonClient) => Promise<unknown>) => void

/** Registers the meshkv tools on an MCP server, each a thin call to the daemon. */
export function registerTools (server: McpServer, client: () => Promise<DaemonClient>, owner: string): void {
  const tool: Tool = <S extends z.ZodRawShape>(name: string, description: string, schema: S, run: (args: z.infer<z.ZodObject<S>>, c: DaemonClient) => Promise<unknown>): void => {
    server.registerTool(name, { description, inputSchema: schema }, (async (args: z.infer<z.ZodObject<S>>) => {
      try {
        return ok(await run(args, await client()))
      } catch (err) {
        return toolError(err)
      }
    }) as never)
  }

  tool('meshkv_store', 'Store data in the shared mesh memory under a key, forgotten after ttl_seconds on every node. Omit the key to get a fresh random one (a dead drop). Overwrites silently. Returns the key, expires_at (epoch ms), and how many connected peers confirmed holding it (replicas; confirmed is false when fewer than asked did in time: it is stored here and keeps replicating).', {
    data: z.string().describe('The text to store (JSON is fine; the mesh never parses it)'),
    ttl_seconds: z.number().int().positive().optional().describe('Seconds until the data is forgotten everywhere (default: the daemon\'s, 1 hour)'),
    key: z.string().min(1).optional().describe('Key to store under; default a new UUID'),
    replicas: z.number().int().min(0).max(100).optional().describe('Connected peers that must confirm holding it before this returns (default 1, or fewer when fewer are connected; 0: this node only, fastest)'),
    if_not_exists: z.boolean().optional().describe('Store only when the key holds no data (else ConditionFailedError)'),
    if_value: z.string().optional().describe('Store only when the key holds exactly this (a compare-and-set with mode quorum; else ConditionFailedError)'),
    mode: MODE
  }, async ({ data, ttl_seconds: ttl, key, replicas, if_not_exists: ifNotExists, if_value: ifValue, mode }, c) => {
    const k = key ?? randomUUID()
    const r = await c.json<{ expires_at: number | null, replicas: number, confirmed: boolean }>('PUT', `/v1/data/${enc(k)}`, { body: Buffer.from(data, 'utf8'), query: { ttl, replicas, if_absent: ifNotExists === true ? '1' : undefined, if_value: ifValue, mode } })
    return { key: k, expires_at: r.expires_at, replicas: r.replicas, confirmed: r.confirmed }
  })

  tool('meshkv_retrieve', 'Read the data stored under a key. Fails with NotFoundError when the key is absent, deleted or expired.', {
    key: z.string().min(1).describe('The key to read')
  }, async ({ key }, c) => {
    const r = await c.request('GET', `/v1/data/${enc(key)}`)
    if (r.status !== 200) throw remoteError(r)
    return { key, data: r.body.toString('utf8'), created_at: entryOf(key, r).created_at, remaining_ttl_seconds: Number(r.headers['x-remaining-ttl'] ?? 0) }
  })

  tool('meshkv_exists', 'Check whether a key currently holds data, and how many seconds it has left.', {
    key: z.string().min(1).describe('The key to check')
  }, async ({ key }, c) => {
    const r = await c.request('HEAD', `/v1/data/${enc(key)}`)
    if (r.status !== 200 && r.status !== 404) throw remoteError(r)
    return { key, exists: r.status === 200, remaining_ttl_seconds: r.status === 200 ? Number(r.headers['x-remaining-ttl'] ?? 0) : 0 }
  })

  tool('meshkv_list_keys', 'List live keys in key order, optionally only those starting with a prefix.', {
    prefix: z.string().optional().describe('Only keys starting with this'),
    limit: z.number().int().positive().max(10_000).optional().describe('At most this many keys (default 1000)')
  }, async ({ prefix, limit }, c) => c.json('GET', '/v1/keys', { query: { prefix, limit: limit ?? 1000 } }))

  tool('meshkv_delete', 'Delete a key everywhere (a tombstone that replicates). deleted is false when it was already absent.', {
    key: z.string().min(1).describe('The key to delete'),
    if_value: z.string().optional().describe('Delete only when the key holds exactly this (else ConditionFailedError)'),
    mode: MODE
  }, async ({ key, if_value: ifValue, mode }, c) => {
    const r = await c.request('DELETE', `/v1/data/${enc(key)}`, { query: { if_value: ifValue, mode } })
    if (r.status !== 204 && r.status !== 202 && r.status !== 404) throw remoteError(r)
    return { key, deleted: r.status !== 404 }
  })

  tool('meshkv_wait', 'Wait until a key holds data (another agent\'s dead drop, a job result), then return it. Fails with WaitTimeoutError after timeout_seconds.', {
    key: z.string().min(1).describe('The key to wait for'),
    timeout_seconds: z.number().positive().max(3600).optional().describe('Give up after this many seconds (default 60)')
  }, async ({ key, timeout_seconds: t }, c) => {
    const r = await c.request('GET', `/v1/wait/${enc(key)}`, { query: { timeout: secondsToMs(t ?? 60) } })
    if (r.status !== 200) throw remoteError(r)
    return { key, data: r.body.toString('utf8'), remaining_ttl_seconds: Number(r.headers['x-remaining-ttl'] ?? 0) }
  })

  tool('meshkv_lock_acquire', 'Take a named lock for ttl_seconds. Returns a fencing token: pass it to the resource you guard. Fails with LockUnavailableError while another owner holds it (unless wait_seconds lets it wait).', {
    name: z.string().min(1).describe('Lock name, e.g. deploy:prod'),
    ttl_seconds: z.number().positive().max(86_400).optional().describe('Lease duration (default 30)'),
    owner: z.string().min(1).optional().describe(`Who holds it (default ${owner})`),
    wait_seconds: z.number().min(0).max(3600).optional().describe('Keep trying this long while another owner holds it (default 0)')
  }, async ({ name, ttl_seconds: ttl, owner: o, wait_seconds: wait }, c) =>
    c.json('POST', `/v1/locks/${enc(name)}/acquire`, { body: { ttl: secondsToMs(ttl ?? 30), owner: o ?? owner, wait: secondsToMs(wait) } }))

  tool('meshkv_lock_release', 'Release a lock you hold. Fails with NotLockHolderError for anyone but the holder.', {
    name: z.string().min(1).describe('Lock name'),
    owner: z.string().min(1).optional().describe(`The holder (default ${owner})`)
  }, async ({ name, owner: o }, c) => c.json('POST', `/v1/locks/${enc(name)}/release`, { body: { owner: o ?? owner } }))

  tool('meshkv_drop_seal', 'Seal data into an encrypted drop: the mesh stores only ciphertext, and only the returned token (or, with `to`, the holder of that public key\'s private key) can open it. Self-destructs after ttl_seconds, or at first read with burn_after_read.', {
    data: z.string().describe('The secret payload'),
    ttl_seconds: z.number().int().positive().optional().describe('Seconds until it self-destructs (default: the daemon\'s, 1 hour)'),
    burn_after_read: z.boolean().optional().describe('Delete it at the first successful open'),
    to: z.string().optional().describe('A recipient public key (base64url, from `meshkv keygen --drop`) instead of a token')
  }, async ({ data, ttl_seconds: ttl, burn_after_read: burn, to }, c) =>
    c.json('POST', '/v1/drops/seal', { body: { data, ttl: secondsToMs(ttl), burn_after_read: burn === true, to } }))

  tool('meshkv_drop_open', 'Open an encrypted drop with its token (or every drop sealed to a key pair, with private_key). Fails with DropNotFoundError for a wrong, expired or already-burnt token.', {
    token: z.string().optional().describe('The token meshkv_drop_seal returned'),
    private_key: z.string().optional().describe('A private key (base64url) to open the drops sealed to its public key'),
    wait_seconds: z.number().min(0).max(3600).optional().describe('Wait this long for the drop to arrive')
  }, async ({ token, private_key: privateKey, wait_seconds: wait }, c) =>
    c.json('POST', '/v1/drops/open', { body: { token, private_key: privateKey, wait: secondsToMs(wait) } }))

  tool('meshkv_lock_status', 'Who holds a lock: held, owner, token, expires_at (epoch ms).', {
    name: z.string().min(1).describe('Lock name')
  }, async ({ name }, c) => c.json('GET', `/v1/locks/${enc(name)}`))

  registerTypeTools(tool)
  registerQueueTools(tool)
}

/** Counters and sets: kvstore's inc/dec/get-counter and sadd/srem/smembers/sismember/scard. */
function registerTypeTools (tool: Tool): void {
  tool('meshkv_inc', 'Add to a shared counter (default 1) and return its value after. mode gossip (default): never loses an increment, the value is this node\'s view; mode quorum: exact, so values are unique (request ids). The counter is forgotten ttl_seconds after its last update.', {
    key: z.string().min(1).describe('Counter name'),
    by: z.number().int().optional().describe('How much to add (default 1; negative subtracts)'),
    ttl_seconds: z.number().int().positive().optional().describe('Seconds the counter lives after its last update (default: the daemon\'s)'),
    mode: MODE
  }, async ({ key, by, ttl_seconds: ttl, mode }, c) => c.json('POST', `/v1/counters/${enc(key)}/inc`, { body: { by, ttl: secondsToMs(ttl), mode } }))

  tool('meshkv_dec', 'Subtract from a shared counter (default 1) and return its value after. With min (mode quorum only) it fails with CounterBoundError instead of going below min, leaving the counter unchanged (semaphores, rate limits).', {
    key: z.string().min(1).describe('Counter name'),
    by: z.number().int().optional().describe('How much to subtract (default 1)'),
    min: z.number().int().optional().describe('Refuse to go below this (needs mode quorum)'),
    ttl_seconds: z.number().int().positive().optional().describe('Seconds the counter lives after its last update'),
    mode: MODE
  }, async ({ key, by, min, ttl_seconds: ttl, mode }, c) => c.json('POST', `/v1/counters/${enc(key)}/dec`, { body: { by, min, ttl: secondsToMs(ttl), mode } }))

  tool('meshkv_get_counter', 'Read a shared counter (0 when absent or expired).', {
    key: z.string().min(1).describe('Counter name'),
    mode: MODE
  }, async ({ key, mode }, c) => c.json('GET', `/v1/counters/${enc(key)}`, { query: { mode } }))

  tool('meshkv_sadd', 'Add members to a shared set (each forgotten ttl_seconds after it was last added). added: how many were new (this node\'s view; exact with mode quorum: dedup of webhooks, votes).', {
    key: z.string().min(1).describe('Set name'),
    members: z.array(z.string().min(1)).min(1).max(10_000).describe('Members to add'),
    ttl_seconds: z.number().int().positive().optional().describe('Seconds each member lives (default: the daemon\'s)'),
    mode: MODE
  }, async ({ key, members, ttl_seconds: ttl, mode }, c) => c.json('POST', `/v1/sets/${enc(key)}/add`, { body: { members, ttl: secondsToMs(ttl), mode } }))

  tool('meshkv_srem', 'Remove members from a shared set. removed: how many were there.', {
    key: z.string().min(1).describe('Set name'),
    members: z.array(z.string().min(1)).min(1).max(10_000).describe('Members to remove'),
    mode: MODE
  }, async ({ key, members, mode }, c) => c.json('POST', `/v1/sets/${enc(key)}/remove`, { body: { members, mode } }))

  tool('meshkv_smembers', 'List the members of a shared set, sorted.', {
    key: z.string().min(1).describe('Set name'),
    mode: MODE
  }, async ({ key, mode }, c) => c.json('GET', `/v1/sets/${enc(key)}`, { query: { mode } }))

  tool('meshkv_sismember', 'Whether a member is in a shared set (is_member).', {
    key: z.string().min(1).describe('Set name'),
    member: z.string().min(1).describe('The member'),
    mode: MODE
  }, async ({ key, member, mode }, c) => c.json('GET', `/v1/sets/${enc(key)}/members/${enc(member)}`, { query: { mode } }))

  tool('meshkv_scard', 'How many members a shared set has (size).', {
    key: z.string().min(1).describe('Set name'),
    mode: MODE
  }, async ({ key, mode }, c) => c.json('GET', `/v1/sets/${enc(key)}/size`, { query: { mode } }))
}

export async function serveMcp (options: { mesh: string }): Promise<void> {
  const server = new McpServer({ name: 'meshkv', version: '0.1.0' })
  let client: Promise<DaemonClient> | undefined
  registerTools(server, async () => { client ??= connect({ mesh: options.mesh, surface: 'mcp' }); return client }, `mcp:${hostname()}:${process.pid}`)
  await server.connect(new StdioServerTransport())
}
