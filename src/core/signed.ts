/**
 * Signed ownership: keys under `@<peer id>/` belong to that peer. Such an entry carries the
 * owner's Ed25519 signature over its whole version (key, clock, origin, expiry, delete flag and
 * the value's SHA-256), so a node that relays it cannot forge or alter it. The hash is kept when
 * an expired value is dropped, so the version stays verifiable as a tombstone.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { Entry, EMPTY_VALUE, type EntryFields } from './entry.js'
import { InvalidKeyError } from './errors.js'
import { ownedPrefix, ownerOf } from './keys.js'

const enc = new TextEncoder()

/** The bytes an owner signs for one version. */
export function signingBytes (e: Pick<EntryFields, 'key' | 'wall' | 'counter' | 'origin' | 'expiresAt' | 'deleted'>, valueHash: Uint8Array): Uint8Array {
  const key = enc.encode(e.key)
  const origin = enc.encode(e.origin)
  const out = new Uint8Array(17 + key.length + 1 + 8 + 2 + origin.length + 1 + 8 + 1 + 32)
  const view = new DataView(out.buffer)
  let o = 0
  out.set(enc.encode('meshkv/signed/v1'), o); o += 16
  out[o++] = 0
  out.set(key, o); o += key.length
  out[o++] = 0
  view.setBigUint64(o, BigInt(e.wall)); o += 8
  view.setUint16(o, e.counter); o += 2
  out.set(origin, o); o += origin.length
  out[o++] = 0
  view.setBigUint64(o, BigInt(e.expiresAt ?? 0)); o += 8
  out[o++] = e.deleted === true ? 1 : 0
  out.set(valueHash, o)
  return out
}

export function hashValue (value: Uint8Array): Uint8Array {
  return sha256(value)
}

/** A version under an owned namespace, with its signature. */
export class SignedEntry extends Entry {
  readonly signature: Uint8Array
  readonly valueHash: Uint8Array

  constructor (fields: EntryFields, signature: Uint8Array, valueHash: Uint8Array) {
    super(fields)
    this.signature = signature
    this.valueHash = valueHash
  }

  protected override withValue (value: Uint8Array): Entry {
    return new SignedEntry({ ...this.fields(false), value }, this.signature, this.valueHash)
  }

  override stripped (): Entry {
    const s = super.stripped()
    return s === this ? this : new SignedEntry(s.fields(), this.signature, this.valueHash)
  }
}

/** Signs a version written under this node's own namespace. */
export type Signer = (bytes: Uint8Array) => Uint8Array
/** Checks an owner's signature: `owner` is the peer id of the namespace. */
export type Verifier = (owner: string, bytes: Uint8Array, signature: Uint8Array) => boolean

/** Throws InvalidKeyError unless `node` may write `key`: a key under `@<peer>/` only that peer may, and only with a signer. */
export function checkOwnWrite (key: string, node: string, signer: Signer | undefined): void {
  const owner = ownerOf(key)
  if (owner === undefined) return
  if (owner !== node) throw new InvalidKeyError(`keys under ${ownedPrefix(owner)} belong to that peer; this node writes under ${ownedPrefix(node)}`)
  if (signer === undefined) throw new InvalidKeyError(`keys under ${ownedPrefix(owner)} must be signed, and this store has no signer`)
}

/** A version `node` writes: signed when it is under its own namespace and it has a signer. */
export function ownEntry (fields: EntryFields, node: string, signer: Signer | undefined): Entry {
  if (signer === undefined || ownerOf(fields.key) !== node) return new Entry(fields)
  const valueHash = hashValue(fields.deleted === true ? EMPTY_VALUE : fields.value)
  return new SignedEntry(fields, signer(signingBytes(fields, valueHash)), valueHash)
}

/** Whether a version is acceptable under signed ownership (any key outside `@<peer>/` is). */
export function verifyOwnership (e: Entry, verify: Verifier | undefined): boolean {
  const owner = ownerOf(e.key)
  if (owner === undefined) return true
  if (!(e instanceof SignedEntry) || e.origin !== owner || verify === undefined) return false
  // a tombstone has no value to hash: the signed hash stands for it
  if (!e.tombstone && !equal(hashValue(e.value), e.valueHash)) return false
  return verify(owner, signingBytes(e, e.valueHash), e.signature)
}

function equal (a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  let d = 0
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i]
  return d === 0
}
