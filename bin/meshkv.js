#!/usr/bin/env node
// The meshkv command. Runs the compiled CLI (dist/, built by `npm ci` via the prepare script)
// when it is at least as new as the sources, else the TypeScript sources through tsx.
// meshkv needs Node >= 22; the repository brings one (node_modules/.bin/node).
import { existsSync, readdirSync, statSync } from 'node:fs'
import module from 'node:module'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const major = Number(process.versions.node.split('.')[0])
if (major < 22) {
  const local = `${root}node_modules/.bin/node`
  if (existsSync(local) && process.env.MESHKV_REEXEC !== '1') {
    const r = spawnSync(local, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit', env: { ...process.env, MESHKV_REEXEC: '1' } })
    process.exit(r.status ?? 1)
  }
  process.stderr.write(JSON.stringify({ error: `meshkv needs Node >= 22, this is ${process.version}`, hint: 'run it with npx meshkv inside the repository, or install Node 22', exitCode: 3 }) + '\n')
  process.exit(3)
}

function newest (dir) {
  let t = 0
  for (const name of readdirSync(dir, { recursive: true })) {
    if (name.endsWith('.ts')) t = Math.max(t, statSync(`${dir}/${name}`).mtimeMs)
  }
  return t
}

// cache compiled code between runs (a CLI is started once per command)
module.enableCompileCache?.()

const dist = `${root}dist/src/surfaces/cli/main.js`
const useDist = process.env.MESHKV_FROM_SOURCE !== '1' && existsSync(dist) && statSync(dist).mtimeMs >= newest(`${root}src`)
let main
if (useDist) {
  ({ main } = await import(new URL('../dist/src/surfaces/cli/main.js', import.meta.url).href))
} else {
  const { register } = await import('tsx/esm/api')
  register()
  ;({ main } = await import(new URL('../src/surfaces/cli/main.ts', import.meta.url).href))
}
await main(process.argv)
