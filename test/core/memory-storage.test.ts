import { MemoryStorage } from '../../src/core/memory-storage.js'
import { runStorageTests } from './storage.conformance.js'

runStorageTests('MemoryStorage', async () => {
  const storage = new MemoryStorage()
  return { storage, reopen: async () => { await storage.close(); return storage.reopen() } }
})
