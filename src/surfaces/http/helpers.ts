/**
 * Request helpers the HTTP routes share: JSON bodies and integer parameters (streams and waits
 * that outlast the request: streams.ts). Bad input is a UsageError (a 400 through the error table).
 */
import type { FastifyRequest } from 'fastify'
import { UsageError } from '../shared/errors.js'

/** Parses a JSON request body (empty: {}); a bad one is a 400. */
export function jsonBody (req: FastifyRequest): Record<string, unknown> {
  const raw = req.body as Buffer | undefined
  if (raw === undefined || raw.length === 0) return {}
  try {
    const v = JSON.parse(raw.toString('utf8')) as unknown
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object')
    return v as Record<string, unknown>
  } catch (err) {
    throw new UsageError(`request body must be a JSON object: ${(err as Error).message}`)
  }
}

/** A non-negative integer from a query string or header, or undefined when absent. */
export function intParam (name: string, value: unknown): number | undefined {
  if (value === undefined || value === '') return undefined
  const n = Number(value)
  if (!Number.isFinite(n) || n < 0 || !Number.isInteger(n)) throw new UsageError(`\`${name}\` must be a non-negative integer, got ${JSON.stringify(value)}`)
  return n
}
