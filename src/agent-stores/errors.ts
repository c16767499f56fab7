/** The named errors of the agent stores (told apart by `err.name` or `instanceof`). */
import { MeshError } from '../index.js'

/**
 * A conditional `setState` or `clearState` (`ifVersion`) found the agent's state at another
 * version: another engine wrote it since it was read. Nothing was written; read again and retry
 * (`updateState` does).
 */
export class VersionConflictError extends MeshError {
  static override name = 'VersionConflictError'
  constructor (
    readonly agentId: string,
    /** The version the write was conditional on (null: "no state"). */
    readonly expected: string | null,
    /** The version found, when the store knows it (null: no state; undefined: not known). */
    readonly actual?: string | null,
    options?: ErrorOptions
  ) {
    const found = actual === undefined ? 'another version' : actual === null ? 'no state' : `version ${actual}`
    super(`the state of agent ${JSON.stringify(agentId)} is not at ${expected === null ? 'no state' : `version ${expected}`}: found ${found} (another writer changed it since it was read)`, options)
  }
}
