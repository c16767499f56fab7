/**
 * The names meshkv uses on the wire, each bound to one mesh: stream protocol ids, the gossip topic
 * and the mDNS service tag all carry the mesh's id, so nodes of different meshes that happen to
 * connect (a shared LAN, a wrong bootstrap address) negotiate none of each other's protocols and
 * share nothing. A mesh name is a label, not a secret: use a `psk` to keep others out.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex } from '@noble/hashes/utils.js'

/** Hex digits of SHA-256(mesh name) in protocol ids and the mDNS tag (64 bits: collisions only by intent). */
const MESH_ID_HEX = 16

/**
 * A mesh's id: the first 16 hex digits of SHA-256 of its UTF-8 name. Short and safe in protocol
 * ids and DNS labels whatever characters the name holds.
 */
export function meshIdFor (mesh: string): string {
  return bytesToHex(sha256(new TextEncoder().encode(mesh))).slice(0, MESH_ID_HEX)
}

/**
 * A meshkv stream protocol id bound to one mesh: `/meshkv/<mesh id>/<name>/<version>`, e.g.
 * `protocolFor('team-a', 'sync', '1.0.0')` → `/meshkv/96c2886c51d1dfb4/sync/1.0.0`. Only nodes of the same
 * mesh register it, so a node of another mesh cannot open it (multistream-select refuses).
 */
export function protocolFor (mesh: string, name: string, version: string): string {
  return `/meshkv/${meshIdFor(mesh)}/${name}/${version}`
}

/** The gossipsub topic of a mesh (its name in clear: gossipsub topics are free-form). */
export function topicFor (mesh: string): string {
  return `/meshkv/1/${mesh}`
}

/**
 * The mDNS service tag a mesh's nodes announce and query: `_meshkv-<mesh id>._udp.local`, so a
 * node answers and dials only its own mesh's nodes on the LAN.
 */
export function mdnsServiceTagFor (mesh: string): string {
  return `_meshkv-${meshIdFor(mesh)}._udp.local`
}
