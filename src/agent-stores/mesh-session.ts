/**
 * Message history on a mesh log per agent (`mesh.logs`): `addMessage` appends the message's JSON,
 * `getMessages` and `pageMessages` read the log in position (HLC) order, the same on every node,
 * `watchMessages` follows it, `clearMessages` clears it.
 */
import type { Mesh } from '../index.js'
import { MeshAgentStore, type MeshStoreOptions } from './mesh-keys.js'
import type { MessagePage, PageOptions, PagedSessionStore, StoredMessage, WatchMessagesOptions } from './types.js'
import { checkAgentId, checkPageLimit, throwIfAborted, toJson, parseStored } from './values.js'

class MeshSessionStore<M> extends MeshAgentStore implements PagedSessionStore<M> {
  private logKey (agentId: string): string {
    checkAgentId(agentId)
    return `${this.root(agentId)}messages`
  }

  async addMessage (agentId: string, message: M): Promise<void> {
    const key = this.logKey(agentId)
    const json = toJson(message, 'a message')
    await this.mesh.logs.append(key, json, { ttl: this.r.ttl, ...this.replication() })
  }

  async getMessages (agentId: string): Promise<M[]> {
    const records = await this.mesh.logs.range(this.logKey(agentId))
    return records.map(r => parseStored(r.data, 'a stored message') as M)
  }

  async clearMessages (agentId: string): Promise<void> {
    await this.mesh.logs.clear(this.logKey(agentId))
  }

  async pageMessages (agentId: string, options: PageOptions = {}): Promise<MessagePage<M>> {
    const key = this.logKey(agentId)
    const limit = checkPageLimit(options.limit)
    throwIfAborted(options.signal)
    const records = await this.mesh.logs.range(key, { since: options.after, limit: limit + 1 })
    const messages = records.slice(0, limit).map(r => ({ cursor: r.position, message: parseStored(r.data, 'a stored message') as M }))
    return records.length > limit ? { messages, next: messages[messages.length - 1].cursor } : { messages }
  }

  async * watchMessages (agentId: string, options: WatchMessagesOptions = {}): AsyncIterable<StoredMessage<M>> {
    const key = this.logKey(agentId)
    let since = options.after
    if (since === undefined) {
      // only new messages: from the last one held now (the log's watch replays from its start)
      const held = await this.mesh.logs.range(key)
      since = held[held.length - 1]?.position
    }
    for await (const r of this.mesh.logs.watch(key, { since, signal: options.signal })) {
      yield { cursor: r.position, message: parseStored(r.data, 'a stored message') as M }
    }
  }
}

/**
 * Message history over the mesh: one log per agent. Every engine embedding a node of the mesh
 * reads and appends the same histories; see docs/agent-stores.md for the guarantees.
 */
export function createSessionStore<M = unknown> (mesh: Mesh, options: MeshStoreOptions = {}): PagedSessionStore<M> {
  return new MeshSessionStore<M>(mesh, options)
}
