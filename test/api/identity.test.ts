import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { privateKeyFromProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { afterAll, describe, expect, it } from 'vitest'
import { loadIdentity } from '../../src/api/identity.js'
import { createMesh, InvalidOptionError } from '../../src/index.js'

const dir = mkdtempSync(join(tmpdir(), 'meshkv-identity-'))
afterAll(() => { rmSync(dir, { recursive: true, force: true }) })

describe('identityFile', () => {
  it('is created on first start (Ed25519, libp2p protobuf format, mode 0600, directory made), then read back', async () => {
    const file = join(dir, 'nested', 'state', 'identity.key')
    const first = await loadIdentity(file)
    expect(first.created).toBe(true)
    expect(first.privateKey.type).toBe('Ed25519')
    expect(statSync(file).mode & 0o777).toBe(0o600)
    expect(statSync(join(dir, 'nested', 'state')).mode & 0o777).toBe(0o700)
    expect(privateKeyFromProtobuf(readFileSync(file)).equals(first.privateKey)).toBe(true)
    const again = await loadIdentity(file)
    expect(again.created).toBe(false)
    expect(again.privateKey.equals(first.privateKey)).toBe(true)
  })

  it('two processes creating it at once end with one key', async () => {
    const file = join(dir, 'race.key')
    const [a, b] = await Promise.all([loadIdentity(file), loadIdentity(file)])
    expect(a.privateKey.equals(b.privateKey)).toBe(true)
    expect([a.created, b.created].filter(Boolean).length).toBe(1)
  })

  it('gives createMesh a peer id that survives a restart', async () => {
    const file = join(dir, 'mesh.key')
    const m1 = await createMesh({ identityFile: file, listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false })
    const id = m1.peerId
    await m1.close()
    const m2 = await createMesh({ identityFile: file, listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false })
    expect(m2.peerId).toBe(id)
    expect(peerIdFromPrivateKey(privateKeyFromProtobuf(readFileSync(file))).toString()).toBe(id)
    await m2.close()
  })

  it('a durable node (dataDir) keeps its identity there: same peer id after a restart, whose acceptor remembers its grants and so need not wait', async () => {
    const dataDir = join(dir, 'data')
    const m1 = await createMesh({ dataDir, listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false })
    expect(m1.stats().acceptor.recoveringUntil).toBeUndefined() // identity created on this start
    const id = m1.peerId
    await m1.close()
    expect(statSync(join(dataDir, 'identity.key')).mode & 0o777).toBe(0o600)
    const m2 = await createMesh({ dataDir, listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false })
    expect(m2.peerId).toBe(id)
    expect(m2.stats().acceptor.recoveringUntil).toBeUndefined() // its grants are in the data directory
    await m2.close()
  })

  it('a node whose identity file existed but which kept no acceptor state (no dataDir) still waits', async () => {
    const identityFile = join(dir, 'elsewhere.key')
    const m1 = await createMesh({ identityFile, listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false })
    await m1.close()
    const m2 = await createMesh({ identityFile, dataDir: join(dir, 'fresh-data'), listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false })
    expect(m2.stats().acceptor.recoveringUntil).toBeGreaterThan(Date.now())
    await m2.close()
  })

  it('refuses a corrupt file, an empty path, and identityFile together with privateKey (InvalidOptionError)', async () => {
    const bad = join(dir, 'bad.key')
    writeFileSync(bad, 'not a key')
    await expect(loadIdentity(bad)).rejects.toBeInstanceOf(InvalidOptionError)
    await expect(loadIdentity('')).rejects.toBeInstanceOf(InvalidOptionError)
    const { privateKey } = await loadIdentity(join(dir, 'other.key'))
    await expect(createMesh({ identityFile: join(dir, 'x.key'), privateKey, mdns: false })).rejects.toBeInstanceOf(InvalidOptionError)
  })
})
