import { describe, expect, it } from 'vitest'
import { DropTamperedError, InvalidTokenError } from '../../../src/core/errors.js'
import { generateDropKeyPair, keysOf, newSecret, openBytes, openWithPrivateKey, rendezvousSecret, sealBytes, sealToPublicKey, secretOf, tokenOf } from '../../../src/features/drops/crypto.js'

describe('drop cryptography', () => {
  it('round-trips, and the storage key reveals nothing (different per secret, no secret bytes)', () => {
    const secret = newSecret()
    const keys = keysOf(secret)
    const sealed = sealBytes(keys, new TextEncoder().encode('launch codes'), true)
    expect(openBytes(keys, sealed)).toMatchObject({ burnAfterRead: true })
    expect(new TextDecoder().decode(openBytes(keys, sealed).payload)).toBe('launch codes')
    expect(keysOf(newSecret()).storageKey).not.toBe(keys.storageKey)
    expect(keys.storageKey).not.toContain(Buffer.from(secret).toString('base64url').slice(0, 8))
    expect(Buffer.from(sealed).includes(Buffer.from('launch codes'))).toBe(false)
    expect(secretOf(tokenOf(secret))).toEqual(secret)
  })

  it('a wrong key or any flipped bit is a named error, never garbage', () => {
    const keys = keysOf(newSecret())
    const sealed = sealBytes(keys, new Uint8Array([1, 2, 3]), false)
    expect(() => openBytes(keysOf(newSecret()), sealed)).toThrow(DropTamperedError)
    for (let i = 0; i < sealed.length; i++) {
      const bad = sealed.slice()
      bad[i] ^= 0x40
      expect(() => openBytes(keys, bad)).toThrow(DropTamperedError)
    }
    expect(() => openBytes(keys, sealed.subarray(0, 20))).toThrow(DropTamperedError)
    expect(() => secretOf('not-a-token')).toThrow(InvalidTokenError)
    expect(() => secretOf('mkd1.short')).toThrow(InvalidTokenError)
  })

  it('rendezvous: the same shared secret and context give the same drop; another context does not', () => {
    expect(keysOf(rendezvousSecret('a shared secret!', 'task-9')).storageKey).toBe(keysOf(rendezvousSecret('a shared secret!', 'task-9')).storageKey)
    expect(keysOf(rendezvousSecret('a shared secret!', 'task-9')).storageKey).not.toBe(keysOf(rendezvousSecret('a shared secret!', 'task-10')).storageKey)
    expect(() => rendezvousSecret('short', 'x')).toThrow(InvalidTokenError)
  })

  it('public-key drops open with the private key only', () => {
    const bob = generateDropKeyPair()
    const eve = generateDropKeyPair()
    const { storageKey, sealed } = sealToPublicKey(bob.publicKey, new TextEncoder().encode('for bob'), false)
    expect(new TextDecoder().decode(openWithPrivateKey(bob.privateKey, storageKey, sealed).payload)).toBe('for bob')
    expect(() => openWithPrivateKey(eve.privateKey, storageKey, sealed)).toThrow(DropTamperedError)
  })
})
