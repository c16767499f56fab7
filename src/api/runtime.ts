/**
 * meshkv needs Node.js >= 22: libp2p 3 calls `Promise.withResolvers` and other Node 22 APIs, and
 * on an older Node a mesh dies deep inside libp2p at its first start. src/index.ts imports this
 * module before anything else, so importing the library there fails at once, saying why.
 */
import { UnsupportedRuntimeError } from '../core/errors.js'

/** The oldest Node.js major version meshkv runs on. */
export const MIN_NODE_MAJOR = 22

/** Throws UnsupportedRuntimeError when `version` (a Node.js version, `20.11.0`) is older than MIN_NODE_MAJOR. */
export function checkRuntime (version: string = process.versions.node): void {
  const major = Number(version.split('.')[0])
  if (!(major >= MIN_NODE_MAJOR)) {
    throw new UnsupportedRuntimeError(`meshkv needs Node.js >= ${MIN_NODE_MAJOR}, this is ${version} (libp2p 3 uses APIs older versions lack, such as Promise.withResolvers)`)
  }
}

checkRuntime()
