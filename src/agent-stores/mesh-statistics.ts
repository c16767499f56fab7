/**
 * Statistics on mesh counters: per agent, five counters in integer units (cost in micro-units,
 * input and output tokens, duration in microseconds, turns), so totals are exact whatever the
 * order increments arrive in. A turn with a `turnId` is first recorded under
 * `<prefix><agent>/turns/<turnId>` with `ifNotExists`: a second `addTurn` of that id finds it and
 * counts nothing.
 */
import { ConditionFailedError, DEFAULT_REPLICA_TIMEOUT_MS, type Mesh } from '../index.js'
import { MeshAgentStore, type MeshStoreOptions } from './mesh-keys.js'
import type { TokenUsage, TurnData, TurnStatisticsStore, TurnTotals } from './types.js'
import { checkAgentId, totalsOf, turnRecord, turnUnits, type TurnUnits, parseStored } from './values.js'

const FIELDS = ['costMicros', 'input', 'output', 'durationMicros', 'turns'] as const
type Field = typeof FIELDS[number]
type Sums = Record<Field, number>

class MeshStatisticsStore extends MeshAgentStore implements TurnStatisticsStore {
  private counter (agentId: string, field: Field): string {
    return `${this.root(agentId)}stats/${field}`
  }

  private turnsPrefix (agentId: string): string {
    return `${this.root(agentId)}turns/`
  }

  async addTurn (agentId: string, turn: TurnData): Promise<void> {
    checkAgentId(agentId)
    const u = turnUnits(turn)
    const { ttl, mode } = this.r
    if (u.turnId !== undefined) {
      try {
        await this.mesh.set(this.turnsPrefix(agentId) + encodeURIComponent(u.turnId), JSON.stringify(u), { ifNotExists: true, mode, ttl, ...this.replication() })
      } catch (err) {
        if (err instanceof ConditionFailedError) return // counted before (a retried request)
        throw err
      }
    }
    const by: Sums = { ...u, turns: 1 }
    await Promise.all(FIELDS.filter(f => by[f] !== 0 || f === 'turns').map(async f => this.mesh.counters.inc(this.counter(agentId, f), { by: by[f], ttl, mode })))
    await this.handOff()
  }

  /** Gossip mode: counters take no `replicas`, so hand this node's undelivered writes to a peer. */
  private async handOff (): Promise<void> {
    if (this.r.mode === 'gossip' && this.replication().replicas > 0) await this.mesh.flush({ timeout: this.r.replicaTimeout ?? DEFAULT_REPLICA_TIMEOUT_MS })
  }

  private async sums (agentId: string): Promise<Sums> {
    checkAgentId(agentId)
    const values = await Promise.all(FIELDS.map(async f => this.mesh.counters.get(this.counter(agentId, f), { mode: this.r.mode })))
    return Object.fromEntries(FIELDS.map((f, i) => [f, values[i]])) as Sums
  }

  async getTotals (agentId: string): Promise<TurnTotals> {
    return totalsOf(await this.sums(agentId))
  }

  async getTotalCost (agentId: string): Promise<number> {
    checkAgentId(agentId)
    return (await this.mesh.counters.get(this.counter(agentId, 'costMicros'), { mode: this.r.mode })) / 1_000_000
  }

  async getTotalTokens (agentId: string): Promise<TokenUsage> {
    checkAgentId(agentId)
    const [input, output] = await Promise.all((['input', 'output'] as const).map(async f => this.mesh.counters.get(this.counter(agentId, f), { mode: this.r.mode })))
    return { input, output }
  }

  async getTurns (agentId: string): Promise<Array<Required<TurnData>>> {
    checkAgentId(agentId)
    const turns: Array<Required<TurnData>> = []
    let cursor: string | undefined
    do {
      const page = this.mesh.list({ prefix: this.turnsPrefix(agentId), cursor, limit: 1_000 })
      for (const e of page.entries ?? []) {
        const u = parseStored(e.value, 'a turn record') as TurnUnits & { turnId: string }
        turns.push(turnRecord(u))
      }
      cursor = page.nextCursor
    } while (cursor !== undefined)
    return turns.sort((a, b) => a.turnId < b.turnId ? -1 : a.turnId > b.turnId ? 1 : 0)
  }

  /** Takes back what this node's view (or the quorum) counted, and deletes the turn records. */
  async clearStatistics (agentId: string): Promise<void> {
    const sums = await this.sums(agentId)
    const { ttl, mode } = this.r
    await Promise.all(FIELDS.filter(f => sums[f] !== 0).map(async f => this.mesh.counters.dec(this.counter(agentId, f), { by: sums[f], ttl, mode })))
    let cursor: string | undefined
    do {
      const page = this.mesh.list({ prefix: this.turnsPrefix(agentId), cursor, limit: 1_000 })
      await Promise.all(page.keys.map(async k => this.mesh.delete(k, { mode, ...this.replication() })))
      cursor = page.nextCursor
    } while (cursor !== undefined)
    await this.handOff()
  }
}

/** Cost, tokens and duration per agent over mesh counters (exact integer sums). */
export function createStatisticsStore (mesh: Mesh, options: MeshStoreOptions = {}): TurnStatisticsStore {
  return new MeshStatisticsStore(mesh, options)
}
