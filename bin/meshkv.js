#!/usr/bin/env node
// The meshkv command. The hot commands (get, set, exists, del, lock acquire|release) go through a
// fast path (src/surfaces/cli/fast.ts) that loads no argument parser and sends one request to the
// daemon; everything else, and anything the fast path does not recognise, goes to the full
// commander program (src/surfaces/cli/main.ts). Both run compiled (`npm run build`, which `npm ci`
// runs through the prepare script): the full program from dist/src, the fast path bundled into one
// file, dist/cli-fast.js (one module loads faster than ten). In a checkout (a .git beside this
// folder) a part whose sources are newer than its build runs from the TypeScript sources through
// tsx instead.
// MESHKV_CLI_PATH=full skips the fast path; MESHKV_CLI_PATH=fast refuses anything it would leave
// to the full program (exit 3): for tests and for telling the two apart.
// meshkv needs Node >= 22; the repository brings one (node_modules/.bin/node).
// Built-ins through require: an ESM import of node:fs builds its whole namespace (fs/promises too).
import module from 'node:module'

const require = module.createRequire(import.meta.url)
const { existsSync, readdirSync, statSync } = require('node:fs')
const { fileURLToPath } = require('node:url')

const root = fileURLToPath(new URL('..', import.meta.url))
if (Number(process.versions.node.split('.')[0]) < 22) {
  const local = `${root}node_modules/.bin/node`
  if (existsSync(local) && process.env.MESHKV_REEXEC !== '1') {
    const { spawnSync } = require('node:child_process')
    const r = spawnSync(local, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit', env: { ...process.env, MESHKV_REEXEC: '1' } })
    process.exit(r.status ?? 1)
  }
  process.stderr.write(JSON.stringify({ error: `meshkv needs Node >= 22, this is ${process.version}`, name: 'UnsupportedNodeError', hint: 'run it with npx meshkv inside the repository, or install Node 22', exitCode: 3 }) + '\n')
  process.exit(3)
}

// cache compiled code between runs (a CLI is started once per command); dist/ is plain JS it covers
module.enableCompileCache?.()

const fromSource = process.env.MESHKV_FROM_SOURCE === '1'
const checkout = existsSync(`${root}.git`)

/** Whether `built` (under dist/) is at least as new as every .ts file in `dirs` of src/ (only checked in a checkout). */
function fresh (built, dirs, recursive) {
  if (fromSource || !existsSync(`${root}dist/${built}`)) return false
  if (!checkout) return true
  const t = statSync(`${root}dist/${built}`).mtimeMs
  for (const dir of dirs) {
    for (const name of readdirSync(`${root}src/${dir}`, { recursive })) {
      if (name.endsWith('.ts') && statSync(`${root}src/${dir}/${name}`).mtimeMs > t) return false
    }
  }
  return true
}

let tsx = false
/** The compiled module `built` (under dist/) when fresh, else the source `source` (under src/) through tsx. */
async function load (built, source, isFresh) {
  if (isFresh) return import(new URL(`../dist/${built}`, import.meta.url).href)
  if (!tsx) {
    (await import('tsx/esm/api')).register()
    tsx = true
  }
  return import(new URL(`../src/${source}`, import.meta.url).href)
}

const args = process.argv.slice(2)
let done = false
if (process.env.MESHKV_CLI_PATH !== 'full') {
  // the fast path loads only src/surfaces/cli and src/surfaces/shared (test/surfaces/cli/fast.test.ts)
  const { runFast } = await load('cli-fast.js', 'surfaces/cli/fast.ts', fresh('cli-fast.js', ['surfaces/cli', 'surfaces/shared'], false))
  done = await runFast(args)
  if (!done && process.env.MESHKV_CLI_PATH === 'fast') {
    process.stderr.write(JSON.stringify({ error: `the fast path does not take: ${args.join(' ')}`, name: 'UsageError', hint: 'unset MESHKV_CLI_PATH', exitCode: 3 }) + '\n')
    process.exitCode = 3
    done = true
  }
}
if (!done) {
  const { main } = await load('src/surfaces/cli/main.js', 'surfaces/cli/main.ts', fresh('src/surfaces/cli/main.js', [''], true))
  await main(process.argv)
}
