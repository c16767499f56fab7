/**
 * The `mode` of a data-type operation (logs, queues), validated once: `'gossip'` (the default:
 * always available, answers from the local view) or `'quorum'` (linearizable through the mesh's
 * quorum members). Pure.
 */
import { InvalidOptionError } from '../core/errors.js'

export type DataMode = 'gossip' | 'quorum'

/** @default 'gossip' */
export const DEFAULT_DATA_MODE: DataMode = 'gossip'

export function checkMode (mode: unknown): DataMode {
  if (mode === undefined) return DEFAULT_DATA_MODE
  if (mode !== 'gossip' && mode !== 'quorum') throw new InvalidOptionError(`\`mode\` must be 'gossip' or 'quorum', got ${JSON.stringify(mode)}`)
  return mode
}
