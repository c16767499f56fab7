/**
 * What a run records, for the checker: every write, every version a node applied, every event a
 * watcher saw, every read, every fault, and the replicas' final state. The same shape serves the
 * deterministic simulator and the real-node nemesis.
 */
import type { Entry } from '../src/core/entry.js'

/** A node incarnation: a restarted node is a new incarnation with an empty memory. */
export type NodeId = string

export type Op =
  | { kind: 'write', t: number, node: NodeId, version: Entry }
  | { kind: 'apply', t: number, node: NodeId, version: Entry }
  | { kind: 'event', t: number, node: NodeId, type: 'set' | 'delete' | 'expire', version: Entry }
  | { kind: 'read', t: number, node: NodeId, key: string, value: Entry | undefined }
  | { kind: 'fault', t: number, what: string }

export interface FinalReplica {
  node: NodeId
  /** The node's clock minus true time at the check. */
  skew: number
  digest: string
  /** Visible value of every key of the run (undefined = absent). */
  visible: Map<string, Entry | undefined>
}

export interface History {
  ops: Op[]
  /** Every key the workload touched. */
  keys: string[]
  /** Incarnations alive at the end, with their final state, read at `checkedAt`. */
  final: FinalReplica[]
  /** True time of the final read. */
  checkedAt: number
  /** Bound on any node's clock offset from true time. */
  skewBoundMs: number
  /** Slack for timers (an expiry event may come this late after the instant). */
  timerSlackMs: number
  /** Tombstone retention: max(maxTtlMs, tombstoneGraceMs). */
  retentionMs: number
  /**
   * Whether `apply` ops are recorded for every version a node applied (the simulator), or only
   * writes, events and reads are known (real nodes).
   */
  exactApplies: boolean
}

/** Collects ops in time order. */
export class Recorder {
  readonly ops: Op[] = []

  write (t: number, node: NodeId, version: Entry): void { this.ops.push({ kind: 'write', t, node, version }) }
  apply (t: number, node: NodeId, version: Entry): void { this.ops.push({ kind: 'apply', t, node, version }) }
  event (t: number, node: NodeId, type: 'set' | 'delete' | 'expire', version: Entry): void { this.ops.push({ kind: 'event', t, node, type, version }) }
  read (t: number, node: NodeId, key: string, value: Entry | undefined): void { this.ops.push({ kind: 'read', t, node, key, value }) }
  fault (t: number, what: string): void { this.ops.push({ kind: 'fault', t, what }) }
}

/** A short, stable label of a version for reports. */
export function label (v: Entry | undefined): string {
  if (v === undefined) return 'absent'
  const what = v.deleted ? 'DEL' : JSON.stringify(v.text())
  return `${what}@${v.wall}.${v.counter}.${v.origin}${v.expiresAt !== undefined ? ` exp ${v.expiresAt}` : ''}`
}
