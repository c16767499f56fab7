/**
 * Options every meshkv-backed agent store takes, and where each agent's data lives on the mesh:
 * `<prefix><agent id>/…` with the agent id (and turn id) URI-encoded, so no id can reach into
 * another's keys (`a/turns/x` is `a%2Fturns%2Fx`).
 */
import { InvalidOptionError, type Mesh } from '../index.js'
import { checkTtl } from './values.js'

/** What every meshkv agent store takes. */
export interface MeshStoreOptions {
  /** Every key of the store starts with this. @default 'agents/' */
  prefix?: string
  /**
   * How long an agent's data lives after it was written, in ms (each message `ttl` after it was
   * added; statistics and state `ttl` after their last write); `Infinity` never expires.
   * @default the mesh's `maxTtlMs` (24 hours by default): an agent idle for a day is forgotten
   */
  ttl?: number
  /**
   * Statistics and state: `gossip` (this node's view; conditional writes checked on this node's
   * replica) or `quorum` (exact totals and a linearizable compare-and-set through the mesh's quorum
   * members; the mesh needs `quorum: { members }`). Messages are on logs, which are gossip-only.
   * @default 'gossip'
   */
  mode?: 'gossip' | 'quorum'
  /**
   * A write (`addMessage`, `addTurn`, `setState`, the clears) resolves once this many connected
   * peers have applied it (and, on a durable node, once it is on disk). With fewer peers connected
   * it waits for those there are (a node alone: applied, and on disk with a data directory), as
   * meshkv's HTTP API does. 1: what an engine acknowledged survives its crash (kill -9) at once.
   * Counters take no `replicas`: in gossip mode `addTurn` hands this node's undelivered writes to
   * a peer (`mesh.flush`) when `replicas` > 0; in quorum mode a majority of the members holds them.
   * @default 1
   */
  replicas?: number
  /** How long to wait for the `replicas` acks (then ReplicationTimeoutError; the write stays applied). @default 5_000 */
  replicaTimeout?: number
}

/** Writes wait for this many peers by default. */
export const DEFAULT_AGENT_REPLICAS = 1

export const DEFAULT_AGENT_PREFIX = 'agents/'

export interface Resolved { prefix: string, ttl: number, mode: 'gossip' | 'quorum', replicas: number, replicaTimeout?: number }

export function resolve (mesh: Mesh, options: MeshStoreOptions): Resolved {
  const prefix = options.prefix ?? DEFAULT_AGENT_PREFIX
  if (typeof prefix !== 'string' || prefix.startsWith('@')) {
    throw new InvalidOptionError(`\`prefix\` must be a string not starting with @ (meshkv's own keys), got ${JSON.stringify(prefix)}`)
  }
  const mode = options.mode ?? 'gossip'
  if (mode !== 'gossip' && mode !== 'quorum') throw new InvalidOptionError(`\`mode\` must be 'gossip' or 'quorum', got ${JSON.stringify(mode)}`)
  const replicas = options.replicas ?? DEFAULT_AGENT_REPLICAS
  if (!Number.isInteger(replicas) || replicas < 0 || replicas > 1_000) throw new InvalidOptionError(`\`replicas\` must be a whole number of peers from 0 to 1000, got ${String(replicas)}`)
  return { prefix, ttl: checkTtl(options.ttl) ?? mesh.limits.maxTtlMs, mode, replicas, replicaTimeout: options.replicaTimeout }
}

/** The replication options of a write now: `replicas`, or as many peers as are connected. */
export function replication (mesh: Mesh, r: Resolved): { replicas: number, replicaTimeout?: number } {
  return { replicas: Math.min(r.replicas, mesh.peers().length), replicaTimeout: r.replicaTimeout }
}

/** `<prefix><encoded agent id>/` */
export function agentRoot (r: Resolved, agentId: string): string {
  return `${r.prefix}${encodeURIComponent(agentId)}/`
}

/** What the meshkv agent stores share: the mesh, their options resolved, where an agent's data lives, how far a write goes. */
export abstract class MeshAgentStore {
  protected readonly r: Resolved

  constructor (protected readonly mesh: Mesh, options: MeshStoreOptions) {
    this.r = resolve(mesh, options)
  }

  /** `<prefix><encoded agent id>/` */
  protected root (agentId: string): string {
    return agentRoot(this.r, agentId)
  }

  /** The replication options of a write now: `replicas`, or as many peers as are connected. */
  protected replication (): { replicas: number, replicaTimeout?: number } {
    return replication(this.mesh, this.r)
  }
}
