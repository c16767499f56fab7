/**
 * Starting a node: the options of `createMesh` checked, the data directory opened, the identity
 * loaded or made, the store (loaded from the directory) and the libp2p node made, in that order;
 * the directory is released again if a later step fails. Also the clock warnings a node emits.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { InvalidOptionError } from '../core/errors.js'
import { checkNumberOption } from '../core/limits.js'
import { Store } from '../core/store.js'
import { Acceptor } from '../core/acceptor.js'
import type { ClockStatus } from '../core/clock-offset.js'
import { DEFAULT_SYNC_INTERVAL_MS, MeshNode } from '../net/node.js'
import { peerIdVerifier, signerFor } from '../net/trust.js'
import type { DataDir } from '../storage/data-dir.js'
import { DEFAULT_MAX_LEASE_TTL_MS } from '../features/locks/locks.js'
import { durableAcceptor, openDurable } from './durable.js'
import { casAcceptorFor } from './quorum.js'
import { loadIdentity, type Identity } from './identity.js'
import { checkAddrs, checkQuorum, DEFAULT_LISTEN, DEFAULT_MESH_NAME, type MeshOptions } from './options.js'

/** The `code` of the process warnings a node emits about its clock (see `stats().clock`). */
export const CLOCK_WARNING_CODE = 'MESHKV_CLOCK_SKEW'

/** What a started node is made of, for the Mesh to hold. */
export interface Started {
  name: string
  store: Store
  node: MeshNode
  maxLeaseTtlMs: number
  /** The data directory of a durable node. */
  dataDir: DataDir | undefined
}

/** Checks the options and starts the store and the node (see the file's comment). */
export async function start (options: MeshOptions): Promise<Started> {
  const name = options.name ?? DEFAULT_MESH_NAME
  if (typeof name !== 'string' || name.length === 0 || name.length > 256 || name.includes('/')) {
    throw new InvalidOptionError(`\`name\` must be 1 to 256 characters without "/", got ${JSON.stringify(name)}`)
  }
  const syncIntervalMs = checkNumberOption('syncIntervalMs', options.syncIntervalMs ?? DEFAULT_SYNC_INTERVAL_MS, 10, 2 ** 31 - 1, true)
  const listen = checkAddrs('listen', options.listen ?? DEFAULT_LISTEN)
  const bootstrap = checkAddrs('bootstrap', options.bootstrap ?? [])
  const maxLeaseTtlMs = checkNumberOption('maxLeaseTtlMs', options.maxLeaseTtlMs ?? DEFAULT_MAX_LEASE_TTL_MS, 1, 2 ** 31 - 1)
  if (options.closeTimeoutMs !== undefined) checkNumberOption('closeTimeoutMs', options.closeTimeoutMs, 0, 2 ** 31 - 1)
  if (options.quorum !== undefined) checkQuorum(options.quorum)
  // the store's own options (limits, clock) keep their defaults in the store; nothing else passes
  const { clock, maxDriftMs, clockWarningMs, maxKeyBytes, maxValueBytes, defaultTtlMs, maxTtlMs, tombstoneGraceMs, maxEntries, maxBytes } = options
  const dataDir = openDurable(options)
  const { privateKey, created } = await closingOnFailure(dataDir, async () => identityOf(options, dataDir))
  const store = await closingOnFailure(dataDir, () => new Store(peerIdFromPrivateKey(privateKey).toString(), {
    clock, monotonic: () => performance.now(), maxDriftMs, clockWarningMs, maxKeyBytes, maxValueBytes, defaultTtlMs, maxTtlMs, tombstoneGraceMs, maxEntries, maxBytes,
    signer: signerFor(privateKey),
    verify: peerIdVerifier(),
    storage: dataDir?.storage
  }))
  const node = await closingOnFailure(dataDir, async () => MeshNode.create({
    name,
    listen,
    bootstrap,
    mdns: options.mdns ?? true,
    store,
    // an identity made just now never granted a lease: its acceptor need not wait out old grants
    acceptor: new Acceptor(() => store.now(), maxLeaseTtlMs, { fresh: created, forgetAfterMs: 2 * store.hlc.maxDriftMs, ...durableAcceptor(store, created) }),
    casAcceptor: casAcceptorFor(dataDir?.storage, { created, identityFile: options.identityFile !== undefined, forgetAfterMs: 2 * store.hlc.maxDriftMs }),
    syncIntervalMs,
    privateKey,
    connectionGater: options.connectionGater,
    psk: options.psk,
    allowPeers: options.allowPeers
  }))
  return { name, store, node, maxLeaseTtlMs, dataDir }
}

/** Runs `fn`; if it fails, releases the data directory opened for it. */
async function closingOnFailure<T> (dataDir: DataDir | undefined, fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (err) {
    await dataDir?.close()
    throw err
  }
}

/**
 * The node's identity: from `identityFile` (created on first start), `privateKey`, the data
 * directory's `identity.key` (a durable node keeps its peer id), or a new key.
 */
async function identityOf (options: MeshOptions, dataDir: DataDir | undefined): Promise<Identity> {
  if (options.identityFile !== undefined && options.privateKey !== undefined) {
    throw new InvalidOptionError('give `identityFile` or `privateKey`, not both')
  }
  if (options.identityFile !== undefined) return loadIdentity(options.identityFile)
  // a given key may have been used before (its history is unknown): not fresh
  if (options.privateKey !== undefined) return { privateKey: options.privateKey, created: false }
  if (dataDir !== undefined) return loadIdentity(dataDir.identityFile)
  return { privateKey: await generateKeyPair('Ed25519'), created: true }
}

/**
 * Says so on the process's warning channel (`process.on('warning')`; printed to stderr by default)
 * when this node's clock crosses the warning threshold or maxDriftMs, or comes back.
 */
export function warnClock (node: string, status: ClockStatus, maxDriftMs: number, warnMs: number): void {
  const off = `${Math.round(Math.abs(status.offsetMs))} ms ${status.offsetMs > 0 ? 'ahead of' : 'behind'} the mesh's (median of ${status.peers} peers and itself)`
  const message = status.level === 'skewed'
    ? `meshkv node ${node}: its clock is ${off}, beyond maxDriftMs = ${maxDriftMs} ms: local writes are refused (ClockSkewError) until it is fixed`
    : status.level === 'warn'
      ? `meshkv node ${node}: its clock is ${off}, over the warning threshold of ${warnMs} ms (it runs on the corrected time meanwhile)`
      : `meshkv node ${node}: its clock is back within ${warnMs} ms of the mesh's`
  process.emitWarning(message, { code: CLOCK_WARNING_CODE })
}
