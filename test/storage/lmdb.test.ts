import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { LmdbStorage } from '../../src/storage/lmdb.js'
import { runStorageTests } from '../core/storage.conformance.js'

runStorageTests('LmdbStorage', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'meshkv-lmdb-'))
  let storage = new LmdbStorage(dir)
  return {
    storage,
    reopen: async () => { await storage.close(); storage = new LmdbStorage(dir); return storage },
    teardown: async () => { await storage.close(); rmSync(dir, { recursive: true, force: true }) }
  }
})
