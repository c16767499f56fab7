/**
 * The quorum engine of a mesh without quorum members: quorum-mode operations of the data types
 * are refused (QuorumNotConfiguredError).
 */
import { QuorumNotConfiguredError } from '../core/errors.js'
import type { QuorumHost } from '../core/quorum.js'

export const NO_QUORUM: QuorumHost = {
  configured: false,
  change: async () => { throw new QuorumNotConfiguredError('quorum mode needs the mesh\'s quorum members (createMesh({ quorum: { members: [peer ids] } }))') }
}
