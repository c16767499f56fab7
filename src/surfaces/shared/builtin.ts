/**
 * Node's built-in modules loaded on first use, for code on the CLI's start-up path: an ESM
 * `import` of a built-in builds its whole namespace, and for node:http that loads undici (~20 ms
 * on every start); node:fs loads fs/promises.
 */
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)

export const http = (): typeof import('node:http') => require('node:http') as typeof import('node:http')
export const net = (): typeof import('node:net') => require('node:net') as typeof import('node:net')
export const fs = (): typeof import('node:fs') => require('node:fs') as typeof import('node:fs')
export const childProcess = (): typeof import('node:child_process') => require('node:child_process') as typeof import('node:child_process')
export const os = (): typeof import('node:os') => require('node:os') as typeof import('node:os')
export const path = (): typeof import('node:path') => require('node:path') as typeof import('node:path')
export const timers = (): typeof import('node:timers/promises') => require('node:timers/promises') as typeof import('node:timers/promises')
export const url = (): typeof import('node:url') => require('node:url') as typeof import('node:url')
