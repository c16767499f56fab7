/**
 * What the features get injected to use quorum mode: linearizable read-modify-write of registers
 * agreed on by a majority of the mesh's quorum members (CASPaxos, see caspaxos.ts). Register
 * keys are the features' own (`counter/<key>`, `set/<key>`, `queue/<name>…`, `kv/<key>`), apart
 * from the gossip store's keys.
 */
import type { Change } from './caspaxos.js'

export type { Change, RegisterState } from './caspaxos.js'
export { UNCHANGED } from './caspaxos.js'

export interface QuorumHost {
  /**
   * Linearizable read-modify-write of register `key`: `change` is applied to the register's
   * current state (undefined when empty or expired) and its `next` committed by a majority of the
   * quorum members, exactly once; resolves with its `result`. `change` must be pure: it may run
   * more than once. Rejects with QuorumUnavailableError when no majority answers (or contention
   * outlasts the operation's time limit), with AbortError on `signal`, and with
   * QuorumNotConfiguredError when the mesh has no `quorum: { members }`.
   */
  change: <R>(key: string, change: Change<R>, options?: { signal?: AbortSignal }) => Promise<R>
  /** Whether quorum mode is configured on this mesh (else features throw QuorumNotConfiguredError for mode: 'quorum'). */
  readonly configured: boolean
}

/** Least backoff cap after a lost round, ms. */
const MIN_BACKOFF_MS = 5
/**
 * Most backoff after a lost round, ms: large enough that five proposers whose rounds take a few
 * hundred ms (a loaded machine) spread out; a 1 s cap kept them colliding for a whole operation.
 */
const MAX_BACKOFF_MS = 4_000

/**
 * How long a proposer waits before its next round after losing one (`attempt` two-phase rounds
 * lost so far; 0: a refused one-round-trip accept, a stale cached ballot rather than contention,
 * retried at once): uniform in [0, cap), cap = the lost round's duration (at least 5 ms) doubled
 * per attempt, at most 4 s, and short enough that one more round fits in `leftMs`, the operation's
 * time left. Undefined when even that does not fit: the operation gives up. `random` is uniform in
 * [0, 1). The network host (src/api/quorum.ts) and the simulator (sim/cp.ts) both wait this long.
 */
export function quorumBackoffMs (attempt: number, roundMs: number, leftMs: number, random: number): number | undefined {
  if (attempt === 0) return 0
  const round = Math.max(MIN_BACKOFF_MS, roundMs)
  const wait = Math.min(random * Math.min(MAX_BACKOFF_MS, round * 2 ** Math.min(attempt, 10)), leftMs - round)
  return wait < 0 ? undefined : wait
}

/** The longest register key, in UTF-8 bytes (a durable acceptor keys its slots by it on LMDB). */
export const MAX_REGISTER_KEY_BYTES = 1_978

/** The UTF-8 length of a register key when it is a valid one (a non-empty string, at most MAX_REGISTER_KEY_BYTES), else undefined. */
export function registerKeyBytes (key: unknown): number | undefined {
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_REGISTER_KEY_BYTES) return undefined
  const n = new TextEncoder().encode(key).byteLength
  return n <= MAX_REGISTER_KEY_BYTES ? n : undefined
}
