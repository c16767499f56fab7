/**
 * Secure-relay drops, the cryptography (pure; audited @noble primitives). A random 32-byte secret
 * yields, through HKDF-SHA256, both the storage key (which reveals nothing about the secret or
 * the payload) and the XChaCha20-Poly1305 key. Mesh nodes only ever hold ciphertext.
 *
 *  - token drops: the secret travels in the token (`mkd1.<base64url secret>`);
 *  - rendezvous drops: the secret is HKDF(shared secret, context), so two agents derive it alone;
 *  - public-key drops: X25519 with an ephemeral key; the secret is HKDF(shared point, both keys),
 *    the drop lives in the recipient's inbox, found only by whoever knows its public key.
 */
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { randomBytes } from '@noble/ciphers/utils.js'
import { x25519 } from '@noble/curves/ed25519.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { DropTamperedError, InvalidTokenError } from '../../core/errors.js'
import { DROP_PREFIX, INBOX_PREFIX } from '../../core/keys.js'

const TOKEN_PREFIX = 'mkd1.'
const VERSION = 1
const FLAG_BURN = 1
const enc = new TextEncoder()

const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64url')

function fromB64 (what: string, s: string, length: number): Uint8Array {
  const bytes = /^[A-Za-z0-9_-]+$/.test(s) ? new Uint8Array(Buffer.from(s, 'base64url')) : new Uint8Array(0)
  if (bytes.length !== length) throw new InvalidTokenError(`${what} must be ${length} bytes of base64url, got ${JSON.stringify(s.slice(0, 16))}…`)
  return bytes
}

/** Storage key and cipher key of one drop secret. */
export interface DropKeys {
  storageKey: string
  cipherKey: Uint8Array
}

export function keysOf (secret: Uint8Array, prefix = DROP_PREFIX): DropKeys {
  const id = hkdf(sha256, secret, enc.encode('meshkv/drop/v1'), enc.encode('storage-key'), 24)
  const cipherKey = hkdf(sha256, secret, enc.encode('meshkv/drop/v1'), enc.encode('cipher-key'), 32)
  return { storageKey: prefix + b64(id), cipherKey }
}

export function newSecret (): Uint8Array {
  return randomBytes(32)
}

export function tokenOf (secret: Uint8Array): string {
  return TOKEN_PREFIX + b64(secret)
}

export function secretOf (token: string): Uint8Array {
  if (typeof token !== 'string' || !token.startsWith(TOKEN_PREFIX)) throw new InvalidTokenError(`a drop token starts with ${TOKEN_PREFIX}, got ${JSON.stringify(String(token).slice(0, 16))}`)
  return fromB64('the token', token.slice(TOKEN_PREFIX.length), 32)
}

/** The rendezvous secret two agents derive from a shared secret and a context string. */
export function rendezvousSecret (sharedSecret: string | Uint8Array, context: string): Uint8Array {
  const ikm = typeof sharedSecret === 'string' ? enc.encode(sharedSecret) : sharedSecret
  if (ikm.length < 16) throw new InvalidTokenError(`the shared secret must be at least 16 bytes, got ${ikm.length}`)
  return hkdf(sha256, ikm, enc.encode('meshkv/rendezvous/v1'), enc.encode(context), 32)
}

/** Encrypts a payload: version ‖ nonce ‖ XChaCha20-Poly1305(flags ‖ payload), the storage key as associated data. */
export function sealBytes (keys: DropKeys, payload: Uint8Array, burnAfterRead: boolean, extra: Uint8Array = new Uint8Array(0)): Uint8Array {
  const nonce = randomBytes(24)
  const plain = new Uint8Array(1 + payload.length)
  plain[0] = burnAfterRead ? FLAG_BURN : 0
  plain.set(payload, 1)
  const ct = xchacha20poly1305(keys.cipherKey, nonce, enc.encode(keys.storageKey)).encrypt(plain)
  const out = new Uint8Array(1 + extra.length + 24 + ct.length)
  out[0] = VERSION
  out.set(extra, 1)
  out.set(nonce, 1 + extra.length)
  out.set(ct, 1 + extra.length + 24)
  return out
}

/** Decrypts what sealBytes made; DropTamperedError unless it authenticates. */
export function openBytes (keys: DropKeys, sealed: Uint8Array, extraLength = 0): { payload: Uint8Array, burnAfterRead: boolean } {
  if (sealed.length < 1 + extraLength + 24 + 16 + 1 || sealed[0] !== VERSION) throw new DropTamperedError('the drop is not a meshkv v1 ciphertext')
  const nonce = sealed.subarray(1 + extraLength, 1 + extraLength + 24)
  let plain: Uint8Array
  try {
    plain = xchacha20poly1305(keys.cipherKey, nonce, enc.encode(keys.storageKey)).decrypt(sealed.subarray(1 + extraLength + 24))
  } catch {
    throw new DropTamperedError('the drop failed authentication: tampered, or sealed with another key')
  }
  return { payload: plain.subarray(1), burnAfterRead: (plain[0] & FLAG_BURN) !== 0 }
}

// ---- public-key drops -----------------------------------------------------------------------

export interface DropKeyPair {
  /** base64url, 32 bytes: give it to senders. */
  publicKey: string
  /** base64url, 32 bytes: keep it. */
  privateKey: string
}

export function generateDropKeyPair (): DropKeyPair {
  const priv = x25519.utils.randomSecretKey()
  return { publicKey: b64(x25519.getPublicKey(priv)), privateKey: b64(priv) }
}

/** The inbox prefix of a recipient: a hash of its public key. */
export function inboxOf (publicKey: string): string {
  return INBOX_PREFIX + b64(sha256(fromB64('the public key', publicKey, 32)).subarray(0, 18)) + '/'
}

function boxKeys (shared: Uint8Array, ephemeralPublic: Uint8Array, recipientPublic: Uint8Array, inbox: string): DropKeys {
  const ikm = new Uint8Array([...shared, ...ephemeralPublic, ...recipientPublic])
  return keysOf(hkdf(sha256, ikm, enc.encode('meshkv/sealto/v1'), undefined, 32), inbox)
}

/** Seals to a public key: returns the storage key in the recipient's inbox and the ciphertext (carrying the ephemeral key). */
export function sealToPublicKey (recipientPublicKey: string, payload: Uint8Array, burnAfterRead: boolean): { storageKey: string, sealed: Uint8Array } {
  const recipient = fromB64('the recipient public key', recipientPublicKey, 32)
  const eph = x25519.utils.randomSecretKey()
  const ephPub = x25519.getPublicKey(eph)
  const keys = boxKeys(x25519.getSharedSecret(eph, recipient), ephPub, recipient, inboxOf(recipientPublicKey))
  return { storageKey: keys.storageKey, sealed: sealBytes(keys, payload, burnAfterRead, ephPub) }
}

/** Opens one inbox drop with the recipient's private key. */
export function openWithPrivateKey (privateKey: string, storageKey: string, sealed: Uint8Array): { payload: Uint8Array, burnAfterRead: boolean } {
  const priv = fromB64('the private key', privateKey, 32)
  const pub = x25519.getPublicKey(priv)
  if (sealed.length < 1 + 32) throw new DropTamperedError('the drop is too short')
  const ephPub = sealed.subarray(1, 33)
  const keys = boxKeys(x25519.getSharedSecret(priv, ephPub), ephPub, pub, inboxOf(b64(pub)))
  if (keys.storageKey !== storageKey) throw new DropTamperedError('the drop is not where its key says it should be')
  return openBytes(keys, sealed, 32)
}

export function publicKeyOf (privateKey: string): string {
  return b64(x25519.getPublicKey(fromB64('the private key', privateKey, 32)))
}
