/**
 * What `createMesh({ dataDir })` adds to a node: the data directory opened (src/storage), the
 * options checked against it, and the quorum acceptor's state kept there (restored at start,
 * written before a grant is answered).
 */
import { ACCEPTOR_META, decodeAcceptorState, encodeAcceptorState, type AcceptorOptions } from '../core/acceptor.js'
import { InvalidOptionError } from '../core/errors.js'
import type { Store } from '../core/store.js'
import { openDataDir, type DataDir } from '../storage/data-dir.js'
import { LMDB_MAX_KEY_BYTES } from '../storage/lmdb.js'
import type { MeshOptions } from './options.js'

/** Opens `options.dataDir` (undefined without one). @throws InvalidOptionError, StorageError */
export function openDurable (options: MeshOptions): DataDir | undefined {
  if (options.dataDir === undefined) return undefined
  if (typeof options.dataDir !== 'string' || options.dataDir === '') {
    throw new InvalidOptionError(`\`dataDir\` must be a non-empty path, got ${JSON.stringify(options.dataDir)}`)
  }
  if (options.maxKeyBytes !== undefined && options.maxKeyBytes > LMDB_MAX_KEY_BYTES) {
    throw new InvalidOptionError(`\`maxKeyBytes\` must be at most ${LMDB_MAX_KEY_BYTES} with a \`dataDir\` (the on-disk store's key limit), got ${options.maxKeyBytes}`)
  }
  return openDataDir(options.dataDir)
}

/**
 * The acceptor of a durable node: restored from the data directory, and writing its state
 * (through the store's journal, one durable commit) before it answers a grant. A node whose
 * identity is new starts with an empty state written at once, so that its next start remembers
 * too; one whose stored state is missing or unreadable forgets, and waits as an in-memory one does.
 */
export function durableAcceptor (store: Store, created: boolean): Pick<AcceptorOptions, 'restored' | 'persist'> {
  const journal = store.journal
  if (journal === undefined) return {}
  const bytes = journal.storage.getMeta(ACCEPTOR_META)
  let restored = bytes === undefined ? undefined : decodeAcceptorState(bytes)
  if (restored === undefined && created) {
    restored = { locks: [] }
    journal.meta(ACCEPTOR_META, encodeAcceptorState(restored))
  }
  return {
    restored,
    persist: async state => {
      journal.meta(ACCEPTOR_META, encodeAcceptorState(state))
      await store.flush()
    }
  }
}
