/**
 * Every parameter of the HTTP API, validated once, by JSON schema (fastify's Ajv), before a route
 * runs: query strings, headers, path parameters and JSON bodies. Nothing is coerced: a query value
 * is a string matched by a pattern (so ` 5`, `0x10` and `1e3` are not seconds), a parameter given
 * twice is refused (not silently merged or ignored), an unknown parameter or body field is refused,
 * and JSON numbers must be JSON numbers. Each refusal is a 400 UsageError naming the parameter.
 */
import type { FastifyReply, FastifyRequest, FastifySchema } from 'fastify'
import { UsageError } from '../shared/errors.js'

type Schema = Record<string, unknown>

/** Options for fastify's Ajv: validate only, never coerce, fill in or drop anything. */
export const AJV_OPTIONS = { coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: false, verbose: true, allowUnionTypes: true } as const

// ---- query string and header values (strings) ------------------------------------------------

export const SECONDS = { type: 'string', pattern: '^(?:[1-9][0-9]{0,9}|inf)$', description: 'a whole number of seconds, 1 or more, digits only (or inf)' }
export const COUNT = { type: 'string', pattern: '^(?:0|[1-9][0-9]{0,9})$', description: 'a whole number, digits only' }
const MILLIS = { type: 'string', pattern: '^(?:0|[1-9][0-9]{0,9})$', description: 'a whole number of milliseconds, digits only' }
export const TEXT = { type: 'string', description: 'a string' }
const FLAG = { type: 'string', enum: ['1', 'true', '0', 'false'], description: 'one of 1, true, 0, false' }

/** A query string of these parameters only, each at most once. */
export const query = (properties: Record<string, Schema>): Schema => ({ type: 'object', properties, additionalProperties: false })
const NO_QUERY = query({})

// ---- JSON bodies ------------------------------------------------------------------------------

export const MS = { type: 'integer', minimum: 0, maximum: 2 ** 31 - 1, description: 'a whole number of milliseconds' }
/** Milliseconds, or "inf" (a JSON number cannot be Infinity): pattern applies to strings, bounds to numbers. */
const MS_OR_INF = { type: ['integer', 'string'], minimum: 0, maximum: 2 ** 31 - 1, pattern: '^inf$', description: 'a whole number of milliseconds, or "inf"' }
export const STRING = { type: 'string', description: 'a string' }
const BOOLEAN = { type: 'boolean', description: 'true or false' }
/** A counter amount: a safe integer (a JSON number). */
const INTEGER = { type: 'integer', minimum: Number.MIN_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER, description: 'a whole number (a safe integer)' }
/** How an operation is decided (a query value or a JSON field). */
const MODE = { type: 'string', enum: ['gossip', 'quorum'], description: 'gossip or quorum' }
/** Set members: 1 to 10,000 strings. */
const MEMBERS = { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1, maxItems: 10_000, description: 'an array of 1 to 10,000 non-empty strings' }

/** A JSON object body of these fields only (`null` counts as absent). */
export const body = (properties: Record<string, Schema>, required: string[] = []): Schema => ({ type: 'object', properties, required, additionalProperties: false })

/** Path parameters: non-empty strings (the mesh checks names and keys further). */
export const params = (...names: string[]): Schema => ({
  type: 'object',
  properties: Object.fromEntries(names.map(n => [n, { type: 'string', minLength: 1, description: 'a non-empty name' }])),
  required: names
})

/**
 * The body of a PUT's 201/202: written by a compiled serializer (fast-json-stringify) rather than
 * JSON.stringify, on the hottest route. Every field the route returns must be listed here.
 */
const WRITTEN = {
  type: 'object',
  properties: {
    key: { type: 'string' },
    hlc: { type: 'string' },
    created_at: { type: 'number' },
    expires_at: { type: ['number', 'null'] },
    origin: { type: 'string' },
    replicas: { type: 'integer' },
    confirmed: { type: 'boolean' }
  }
}

/** The schema of each route, by `METHOD path` as registered. */
export const SCHEMAS = {
  putData: { querystring: query({ ttl: SECONDS, if_absent: FLAG, if_value: TEXT, mode: MODE, replicas: COUNT }), headers: { type: 'object', properties: { 'x-ttl': SECONDS, 'x-replicas': COUNT } }, response: { 201: WRITTEN, 202: WRITTEN } },
  readData: { querystring: NO_QUERY },
  deleteData: { querystring: query({ replicas: COUNT, if_value: TEXT, mode: MODE }), headers: { type: 'object', properties: { 'x-replicas': COUNT } } },
  keys: { querystring: query({ prefix: TEXT, limit: COUNT, cursor: TEXT }) },
  wait: { querystring: query({ timeout: MILLIS }) },
  watch: { querystring: query({ prefix: TEXT }) },
  members: { querystring: query({ prefix: TEXT }) },
  plain: { querystring: NO_QUERY },
  lockStatus: { querystring: NO_QUERY, params: params('name') },
  acquire: { querystring: NO_QUERY, params: params('name'), body: body({ ttl: MS, owner: STRING, wait: MS_OR_INF }) },
  extend: { querystring: NO_QUERY, params: params('name'), body: body({ ttl: MS, owner: STRING }) },
  release: { querystring: NO_QUERY, params: params('name'), body: body({ owner: STRING }) },
  leader: { querystring: NO_QUERY, params: params('group') },
  elect: { querystring: NO_QUERY, params: params('group'), body: body({ ttl: MS, id: STRING, wait: MS_OR_INF, once: BOOLEAN }) },
  resign: { querystring: NO_QUERY, params: params('group'), body: body({ id: STRING }) },
  heartbeat: { querystring: NO_QUERY, params: params('id'), body: body({ interval: MS, ttl: MS, data: STRING, once: BOOLEAN }) },
  seal: { querystring: NO_QUERY, body: body({ data: STRING, ttl: MS, burn_after_read: BOOLEAN, to: STRING }, ['data']) },
  open: { querystring: NO_QUERY, body: body({ token: STRING, private_key: STRING, wait: MS }) },
  counter: { querystring: query({ mode: MODE }), params: params('key') },
  inc: { querystring: NO_QUERY, params: params('key'), body: body({ by: INTEGER, ttl: MS_OR_INF, mode: MODE }) },
  dec: { querystring: NO_QUERY, params: params('key'), body: body({ by: INTEGER, min: INTEGER, ttl: MS_OR_INF, mode: MODE }) },
  setRead: { querystring: query({ mode: MODE }), params: params('key') },
  setHas: { querystring: query({ mode: MODE }), params: params('key', 'member') },
  setAdd: { querystring: NO_QUERY, params: params('key'), body: body({ members: MEMBERS, ttl: MS_OR_INF, mode: MODE }, ['members']) },
  setRemove: { querystring: NO_QUERY, params: params('key'), body: body({ members: MEMBERS, mode: MODE }, ['members']) }
} satisfies Record<string, FastifySchema>

/** Milliseconds from a validated MS_OR_INF field. */
export const msOrInf = (v: unknown): number | undefined => v === 'inf' ? Infinity : v as number | undefined

/**
 * Route option `preValidation` of a JSON route: the raw body (every body arrives as bytes) parsed
 * into an object for the body schema; empty is `{}`, `null` fields are absent.
 */
export async function parseJsonBody (req: FastifyRequest, _reply: FastifyReply): Promise<void> {
  const raw = req.body as Buffer | undefined
  if (raw === undefined || raw.length === 0) { req.body = {}; return }
  let v: unknown
  try {
    v = JSON.parse(raw.toString('utf8'))
  } catch (err) {
    throw new UsageError(`the request body must be a JSON object: ${(err as Error).message}`)
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new UsageError(`the request body must be a JSON object, got ${Array.isArray(v) ? 'an array' : JSON.stringify(v)?.slice(0, 40)}`)
  req.body = Object.fromEntries(Object.entries(v).filter(([, x]) => x !== null))
}

const WHERE: Record<string, string> = { querystring: 'query parameter', headers: 'header', params: 'path parameter', body: 'field of the JSON body' }

interface AjvError {
  keyword: string
  instancePath: string
  params: Record<string, unknown>
  message?: string
  data?: unknown
  parentSchema?: { description?: string }
}

/** fastify's `schemaErrorFormatter`: the first error, as a UsageError naming the parameter. */
export function schemaError (errors: readonly AjvError[], context: string): Error {
  const e = errors[0]
  const where = WHERE[context] ?? context
  const name = e.instancePath.replace(/^\//, '').replace(/~1/g, '/').replace(/~0/g, '~')
  switch (e.keyword) {
    case 'additionalProperties':
      return new UsageError(`unknown ${where} \`${String(e.params.additionalProperty)}\``)
    case 'required':
      return new UsageError(`the ${where} \`${String(e.params.missingProperty)}\` is required`)
    case 'type':
      if (Array.isArray(e.data) && context !== 'body') return new UsageError(`the ${where} \`${name}\` is given ${e.data.length} times; give it once`)
      if (name === '') return new UsageError(`the ${context === 'body' ? 'request body' : where + 's'} must be a JSON object`)
      break
  }
  const expected = e.parentSchema?.description ?? e.message ?? 'valid'
  return new UsageError(`the ${where} \`${name}\` must be ${expected}, got ${JSON.stringify(e.data)?.slice(0, 80) ?? String(e.data)}`)
}
