/**
 * Conversation state in one mesh key per agent, `<prefix><agent>/state`, holding
 * `{"v": version, "s": state}`. A version is random per write, so a state cleared and set again
 * never matches an old version. `setState(…, { ifVersion })` is a conditional write on the exact
 * value read (`ifValue`, or `ifNotExists` for `null`): in quorum mode a linearizable
 * compare-and-set through the quorum members, so two engines cannot both write on one version; in
 * gossip mode it is checked on this node's replica only.
 */
import { randomUUID } from 'node:crypto'
import { ConditionFailedError, InvalidValueError, type Mesh } from '../index.js'
import { VersionConflictError } from './errors.js'
import { MeshAgentStore, type MeshStoreOptions } from './mesh-keys.js'
import type { SetStateOptions, Versioned, VersionedStateStore } from './types.js'
import { checkAgentId, checkIfVersion, throwIfAborted, toJson, updateLoop, parseStored } from './values.js'

interface Held { version: string, state: unknown, bytes: Uint8Array }

class MeshStateStore<S> extends MeshAgentStore implements VersionedStateStore<S> {
  private key (agentId: string): string {
    checkAgentId(agentId)
    return `${this.root(agentId)}state`
  }

  private held (key: string): Held | undefined {
    const e = this.mesh.get(key)
    if (e === undefined) return undefined
    const held = parseStored(e.value, 'a stored state') as { v?: unknown, s?: unknown } | null
    if (typeof held !== 'object' || held === null || typeof held.v !== 'string' || !('s' in held)) {
      throw new InvalidValueError(`the value of ${key} is not a state written by the agent stores ({"v": version, "s": state})`)
    }
    return { version: held.v, state: held.s, bytes: e.value }
  }

  async getVersioned (agentId: string): Promise<Versioned<S> | undefined> {
    const held = this.held(this.key(agentId))
    return held === undefined ? undefined : { state: held.state as S, version: held.version }
  }

  async getState (agentId: string): Promise<S | undefined> {
    return (await this.getVersioned(agentId))?.state
  }

  /** The condition for a write on `ifVersion`, from the value this node holds. */
  private condition (agentId: string, key: string, options: SetStateOptions): { ifNotExists?: true, ifValue?: Uint8Array } {
    checkIfVersion(options.ifVersion)
    throwIfAborted(options.signal)
    if (options.ifVersion === undefined) return {}
    if (options.ifVersion === null) return { ifNotExists: true }
    const held = this.held(key)
    // another version here (or none): the write would fail; a version this node has not seen yet
    // cannot be compared byte for byte, so it fails too (read again: updateState does)
    if (held?.version !== options.ifVersion) throw new VersionConflictError(agentId, options.ifVersion, held?.version ?? null)
    return { ifValue: held.bytes }
  }

  async putState (agentId: string, state: S, options: SetStateOptions = {}): Promise<string> {
    const key = this.key(agentId)
    const version = randomUUID()
    const value = `{"v":${JSON.stringify(version)},"s":${toJson(state, 'a state')}}`
    const condition = this.condition(agentId, key, options)
    try {
      await this.mesh.set(key, value, { ...condition, ...this.replication(), ttl: this.r.ttl, mode: this.r.mode, signal: options.signal })
    } catch (err) {
      if (err instanceof ConditionFailedError) throw new VersionConflictError(agentId, options.ifVersion ?? null, undefined, { cause: err })
      throw err
    }
    return version
  }

  async setState (agentId: string, state: S, options: SetStateOptions = {}): Promise<void> {
    await this.putState(agentId, state, options)
  }

  async updateState (agentId: string, fn: (current: S | undefined) => S, options: { attempts?: number, signal?: AbortSignal } = {}): Promise<S> {
    checkAgentId(agentId)
    let backoff = 2
    return updateLoop(agentId, fn, async () => this.getVersioned(agentId), async (state, ifVersion) => {
      try {
        return await this.putState(agentId, state, { ifVersion, signal: options.signal })
      } catch (err) {
        // the winner's value may not have reached this node yet: give it a moment before reading again
        if (err instanceof VersionConflictError) await new Promise(resolve => setTimeout(resolve, backoff * (0.5 + Math.random())))
        backoff = Math.min(backoff * 2, 250)
        throw err
      }
    }, options)
  }

  async clearState (agentId: string, options: SetStateOptions = {}): Promise<void> {
    const key = this.key(agentId)
    const condition = this.condition(agentId, key, options)
    if (condition.ifNotExists === true) {
      if (this.held(key) !== undefined) throw new VersionConflictError(agentId, null, this.held(key)?.version)
      return
    }
    try {
      await this.mesh.delete(key, { ifValue: condition.ifValue, ...this.replication(), mode: this.r.mode, signal: options.signal })
    } catch (err) {
      if (err instanceof ConditionFailedError) throw new VersionConflictError(agentId, options.ifVersion ?? null, undefined, { cause: err })
      throw err
    }
  }
}

/** Conversation state per agent over the mesh, versioned for conditional writes. */
export function createStateStore<S = unknown> (mesh: Mesh, options: MeshStoreOptions = {}): VersionedStateStore<S> {
  return new MeshStateStore<S>(mesh, options)
}
