/**
 * Validation and encodings shared by every agent store implementation: agent ids, JSON values,
 * turns in integer micro-units, and the read-modify-write loop of `updateState`.
 */
import { AbortError, InvalidKeyError, InvalidOptionError, InvalidValueError } from '../index.js'
import { VersionConflictError } from './errors.js'
import { DEFAULT_PAGE_LIMIT, DEFAULT_UPDATE_ATTEMPTS, MAX_PAGE_LIMIT, type TurnData, type TurnTotals, type Versioned } from './types.js'

/** Longest agent id, in UTF-16 code units. */
export const MAX_AGENT_ID_LENGTH = 256
/** Integer units per currency unit of cost, and per millisecond of duration. */
export const MICROS = 1_000_000
export const DURATION_UNITS = 1_000

export function checkAgentId (agentId: unknown): asserts agentId is string {
  if (typeof agentId !== 'string' || agentId.length === 0 || agentId.length > MAX_AGENT_ID_LENGTH) {
    const got = typeof agentId === 'string' ? `${agentId.length} characters` : typeof agentId
    throw new InvalidKeyError(`an agent id must be a string of 1 to ${MAX_AGENT_ID_LENGTH} characters, got ${got}`)
  }
  if (agentId.includes('\0')) throw new InvalidKeyError('an agent id must not contain NUL')
}

/** The JSON text of a value; InvalidValueError when it has none (undefined, a function, a BigInt, a cycle). */
export function toJson (value: unknown, what: string): string {
  let text: string | undefined
  try {
    text = JSON.stringify(value)
  } catch (err) {
    throw new InvalidValueError(`${what} must be JSON-serialisable: ${(err as Error).message}`, { cause: err })
  }
  if (text === undefined) throw new InvalidValueError(`${what} must be JSON-serialisable, got ${typeof value}`)
  return text
}

/** A non-negative finite number as an integer count of 1/`units`; InvalidValueError otherwise. */
export function toUnits (value: unknown, units: number, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new InvalidValueError(`${what} must be a finite number >= 0, got ${String(value)}`)
  }
  const scaled = Math.round(value * units)
  if (!Number.isSafeInteger(scaled)) throw new InvalidValueError(`${what} is too large: ${value} (at most ${Number.MAX_SAFE_INTEGER / units})`)
  return scaled
}

function checkTokens (value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new InvalidValueError(`${what} must be a safe integer >= 0, got ${String(value)}`)
  }
  return value
}

/** A turn in integer units: what every implementation adds up (integers add exactly in any order). */
export interface TurnUnits {
  turnId?: string
  costMicros: number
  input: number
  output: number
  durationMicros: number
}

export function turnUnits (turn: TurnData): TurnUnits {
  if (typeof turn !== 'object' || turn === null) throw new InvalidValueError(`a turn must be an object, got ${turn === null ? 'null' : typeof turn}`)
  if (turn.turnId !== undefined && (typeof turn.turnId !== 'string' || turn.turnId.length === 0 || turn.turnId.length > MAX_AGENT_ID_LENGTH)) {
    throw new InvalidValueError(`turn.turnId must be a string of 1 to ${MAX_AGENT_ID_LENGTH} characters when given, got ${typeof turn.turnId === 'string' ? `${turn.turnId.length} characters` : typeof turn.turnId}`)
  }
  if (typeof turn.tokens !== 'object' || turn.tokens === null) throw new InvalidValueError('turn.tokens must be an object { input, output }')
  return {
    turnId: turn.turnId,
    costMicros: toUnits(turn.cost, MICROS, 'turn.cost'),
    input: checkTokens(turn.tokens.input, 'turn.tokens.input'),
    output: checkTokens(turn.tokens.output, 'turn.tokens.output'),
    durationMicros: toUnits(turn.durationMs, DURATION_UNITS, 'turn.durationMs')
  }
}

/** A recorded turn as the stores give it back (cost and duration rounded to their units). */
export function turnRecord (u: TurnUnits & { turnId: string }): Required<TurnData> {
  return { turnId: u.turnId, cost: u.costMicros / MICROS, tokens: { input: u.input, output: u.output }, durationMs: u.durationMicros / DURATION_UNITS }
}

export function totalsOf (sums: { costMicros: number, input: number, output: number, durationMicros: number, turns: number }): TurnTotals {
  return { cost: sums.costMicros / MICROS, tokens: { input: sums.input, output: sums.output }, durationMs: sums.durationMicros / DURATION_UNITS, turns: sums.turns }
}

export function checkPageLimit (limit: unknown): number {
  if (limit === undefined) return DEFAULT_PAGE_LIMIT
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_LIMIT) {
    throw new InvalidOptionError(`\`limit\` must be an integer from 1 to ${MAX_PAGE_LIMIT}, got ${String(limit)}`)
  }
  return limit
}

export function checkTtl (ttl: unknown): number | undefined {
  if (ttl === undefined || ttl === Infinity) return ttl as number | undefined
  if (typeof ttl !== 'number' || !Number.isFinite(ttl) || ttl <= 0) {
    throw new InvalidOptionError(`\`ttl\` must be a positive number of milliseconds or Infinity, got ${String(ttl)}`)
  }
  return ttl
}

export function checkIfVersion (ifVersion: unknown): void {
  if (ifVersion !== undefined && ifVersion !== null && (typeof ifVersion !== 'string' || ifVersion.length === 0)) {
    throw new InvalidOptionError(`\`ifVersion\` must be a version string from getVersioned, or null for "no state", got ${typeof ifVersion}`)
  }
}

export function throwIfAborted (signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw new AbortError('the operation was aborted')
}

/** updateState over any versioned store: read, apply, write on the version read, retry on conflict. */
export async function updateLoop<S> (
  agentId: string,
  fn: (current: S | undefined) => S,
  read: () => Promise<Versioned<S> | undefined>,
  write: (state: S, ifVersion: string | null) => Promise<unknown>,
  options: { attempts?: number, signal?: AbortSignal }
): Promise<S> {
  const attempts = options.attempts ?? DEFAULT_UPDATE_ATTEMPTS
  if (!Number.isInteger(attempts) || attempts < 1) throw new InvalidOptionError(`\`attempts\` must be an integer >= 1, got ${String(attempts)}`)
  for (let attempt = 1; ; attempt++) {
    throwIfAborted(options.signal)
    const current = await read()
    const next = fn(current?.state)
    try {
      await write(next, current?.version ?? null)
      return next
    } catch (err) {
      if (!(err instanceof VersionConflictError) || attempt >= attempts) throw err
    }
  }
}

const textDecoder = new TextDecoder('utf-8', { fatal: true })

/** Parses a value the stores wrote; InvalidValueError for one they could not have (another writer's key). */
export function parseStored (bytes: Uint8Array, what: string): unknown {
  try {
    return JSON.parse(textDecoder.decode(bytes))
  } catch (err) {
    throw new InvalidValueError(`${what} is not JSON written by the agent stores (another writer used its key?): ${(err as Error).message}`, { cause: err })
  }
}
