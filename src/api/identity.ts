/**
 * A persistent node identity: an Ed25519 private key in libp2p's protobuf key format, in a file
 * of mode 0600 created on first start. Whether the key was created now tells the quorum acceptor
 * whether it may have granted leases before (see core/acceptor.ts).
 */
import { randomBytes } from 'node:crypto'
import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { InvalidOptionError } from '../core/errors.js'

export interface Identity {
  privateKey: PrivateKey
  /** True when the key was made just now: nothing was ever done under this identity before. */
  created: boolean
}

/** Reads the identity in `file`, or creates it (and its directory, mode 0700) when there is none. */
export async function loadIdentity (file: unknown): Promise<Identity> {
  if (typeof file !== 'string' || file === '') {
    throw new InvalidOptionError(`\`identityFile\` must be a non-empty path, got ${JSON.stringify(file)}`)
  }
  const existing = await read(file)
  if (existing !== undefined) return { privateKey: existing, created: false }
  const privateKey = await generateKeyPair('Ed25519')
  try {
    await mkdir(dirname(file), { recursive: true, mode: 0o700 })
    // written aside, then linked into place: a crash never leaves a torn key file, and of two
    // processes creating it at once one wins and the other reads the winner's key
    const tmp = `${file}.${randomBytes(8).toString('hex')}.tmp`
    await writeFile(tmp, privateKeyToProtobuf(privateKey), { mode: 0o600, flag: 'wx', flush: true })
    try {
      await link(tmp, file)
    } finally {
      await rm(tmp, { force: true })
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      const winner = await read(file)
      if (winner !== undefined) return { privateKey: winner, created: false }
    }
    throw new InvalidOptionError(`\`identityFile\` ${file} cannot be created: ${(err as Error).message}`)
  }
  return { privateKey, created: true }
}

async function read (file: string): Promise<PrivateKey | undefined> {
  let bytes: Uint8Array
  try {
    bytes = await readFile(file)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new InvalidOptionError(`\`identityFile\` ${file} cannot be read: ${(err as Error).message}`)
  }
  try {
    return privateKeyFromProtobuf(bytes)
  } catch (err) {
    throw new InvalidOptionError(`\`identityFile\` ${file} is not a libp2p private key (protobuf format, as meshkv writes it): ${(err as Error).message}`)
  }
}
