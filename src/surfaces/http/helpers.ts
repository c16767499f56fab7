/**
 * Request and response helpers the HTTP routes share: JSON bodies, integer parameters and
 * server-sent event streams. Bad input is a UsageError (a 400 through the error table).
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
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

/**
 * Starts a server-sent events response; returns a writer (false when the client is not keeping up:
 * wait for `drained()` before sending more), a promise that settles when the client goes, and a
 * signal that aborts then.
 */
export function sse (req: FastifyRequest, reply: FastifyReply): { send: (event: string, data: unknown) => boolean, drained: () => Promise<void>, closed: Promise<void>, signal: AbortSignal } {
  reply.hijack()
  const res = reply.raw
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' })
  res.write(': meshkv\n\n')
  const controller = new AbortController()
  const closed = new Promise<void>(resolve => {
    req.raw.on('close', () => { controller.abort(); resolve() })
  })
  return {
    send: (event, data) => res.writableEnded || res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`),
    drained: async () => new Promise<void>(resolve => {
      if (res.writableEnded || res.destroyed || !res.writableNeedDrain) { resolve(); return }
      const done = (): void => { res.off('drain', done); res.off('close', done); resolve() }
      res.on('drain', done)
      res.on('close', done)
    }),
    closed,
    signal: controller.signal
  }
}
