/**
 * A node's data directory: `store/` (the LMDB environment: versions, the HLC high-water mark,
 * the acceptor's grants), `identity.key` (the node's private key) and `LOCK` (the pid of the
 * process that has it open: one node per directory).
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { StorageError } from '../core/errors.js'
import { LmdbStorage } from './lmdb.js'

export interface DataDir {
  readonly path: string
  readonly storage: LmdbStorage
  /** Where the node's identity key is kept. */
  readonly identityFile: string
  /** Closes the storage and releases the directory. Idempotent. */
  close: () => Promise<void>
}

/**
 * Opens (creating it if need be) a data directory for this process.
 * @throws StorageError when another live process has it open, or it cannot be opened.
 */
export function openDataDir (path: string): DataDir {
  try {
    mkdirSync(path, { recursive: true, mode: 0o700 })
  } catch (err) {
    throw new StorageError(`cannot create the data directory ${path}: ${(err as Error).message}`, { cause: err })
  }
  const lock = join(path, 'LOCK')
  takeLock(lock)
  let storage: LmdbStorage
  try {
    storage = new LmdbStorage(join(path, 'store'))
  } catch (err) {
    rmSync(lock, { force: true })
    throw err
  }
  let closing: Promise<void> | undefined
  return {
    path,
    storage,
    identityFile: join(path, 'identity.key'),
    close: async () => {
      closing ??= (async () => {
        await storage.close()
        rmSync(lock, { force: true })
      })()
      return closing
    }
  }
}

/** Writes our pid into `LOCK`; refuses while the pid in it is another live process. A stale lock (`kill -9`) is taken over. */
function takeLock (lock: string): void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lock, 'wx', 0o600)
      writeSync(fd, String(process.pid))
      closeSync(fd)
      return
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new StorageError(`cannot lock the data directory (${lock}): ${(err as Error).message}`, { cause: err })
    }
    let pid = NaN
    try { pid = Number(readFileSync(lock, 'utf8').trim()) } catch {}
    if (Number.isInteger(pid) && pid > 0 && alive(pid)) {
      throw new StorageError(`the data directory ${lock.slice(0, -5)} is in use by process ${pid}${pid === process.pid ? ' (this one: another mesh has it open)' : ''}`)
    }
    rmSync(lock, { force: true }) // stale: its process is gone
  }
  throw new StorageError(`cannot lock the data directory (${lock}): another process keeps taking it`)
}

function alive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}
