/**
 * Private meshes: a pre-shared key (libp2p pnet, the swarm key file format) so a node without it
 * cannot even complete a connection, and an optional peer-id allowlist enforced by the gater.
 */
import { generateKey, preSharedKey } from '@libp2p/pnet'
import { peerIdFromString } from '@libp2p/peer-id'
import { ed25519 } from '@noble/curves/ed25519.js'
import type { ConnectionGater, ConnectionProtector, PeerId, PrivateKey } from '@libp2p/interface'
import type { Signer, Verifier } from '../core/signed.js'
import { InvalidOptionError } from '../core/errors.js'

const SWARM_KEY = /^\/key\/swarm\/psk\/1\.0\.0\/\n\/base16\/\n[0-9a-fA-F]{64}\s*$/

/** A new swarm key, in the file format `meshkv keygen` writes. */
export function generateSwarmKey (): string {
  const bytes = new Uint8Array(95)
  generateKey(bytes)
  return new TextDecoder().decode(bytes)
}

/** Checks a swarm key and returns the connection protector for it. */
export function protectorFor (psk: string | Uint8Array): () => ConnectionProtector {
  const text = typeof psk === 'string' ? psk : new TextDecoder().decode(psk)
  if (!SWARM_KEY.test(text)) {
    throw new InvalidOptionError('`psk` must be a swarm key: "/key/swarm/psk/1.0.0/\\n/base16/\\n" and 64 hex digits (`meshkv keygen` makes one)')
  }
  return preSharedKey({ psk: new TextEncoder().encode(text.trim()) })
}

/** A gater that refuses every peer not in `allow`, then asks `inner`. */
export function allowlistGater (allow: readonly string[], inner: ConnectionGater = {}): ConnectionGater {
  const ok = new Set(allow)
  const denied = (peer: PeerId): boolean => !ok.has(peer.toString())
  return {
    ...inner,
    denyDialPeer: async peer => denied(peer) || (await inner.denyDialPeer?.(peer) ?? false),
    denyInboundEncryptedConnection: async (peer, conn) => denied(peer) || (await inner.denyInboundEncryptedConnection?.(peer, conn) ?? false),
    denyOutboundEncryptedConnection: async (peer, conn) => denied(peer) || (await inner.denyOutboundEncryptedConnection?.(peer, conn) ?? false)
  }
}

/** Signs owned-namespace writes with the node's Ed25519 identity key (other key types cannot own a namespace). */
export function signerFor (key: PrivateKey): Signer | undefined {
  if (key.type !== 'Ed25519') return undefined
  const seed = key.raw.subarray(0, 32)
  return bytes => ed25519.sign(bytes, seed)
}

/** Checks a signature against the Ed25519 public key inside a peer id (cached per peer). */
export function peerIdVerifier (): Verifier {
  const keys = new Map<string, Uint8Array | null>()
  return (owner, bytes, signature) => {
    let pub = keys.get(owner)
    if (pub === undefined) {
      try {
        const k = peerIdFromString(owner).publicKey
        pub = k !== undefined && k.type === 'Ed25519' ? k.raw : null
      } catch {
        pub = null
      }
      if (keys.size > 10_000) keys.clear()
      keys.set(owner, pub)
    }
    if (pub === null) return false
    try {
      return ed25519.verify(signature, bytes, pub)
    } catch {
      return false
    }
  }
}
