/**
 * The layers of docs/architecture.md, checked on the source: every import (static, re-export,
 * type-only and dynamic `import()`) points downward, and the relative imports form no cycle.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, normalize, relative } from 'node:path'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

const SRC = 'src'

/** Every .ts file under src, as a path relative to src with `/` separators. */
const files = (readdirSync(SRC, { recursive: true }) as string[])
  .filter(f => f.endsWith('.ts'))
  .map(f => f.split('\\').join('/'))
  .sort()

interface Import { file: string, from: string, target?: string }

/** What a file imports; `target` is the src-relative file a relative import resolves to. */
function importsOf (file: string): Import[] {
  const info = ts.preProcessFile(readFileSync(join(SRC, file), 'utf8'), true, true)
  return info.importedFiles.map(({ fileName: from }) => {
    if (!from.startsWith('.')) return { file, from }
    const target = relative(SRC, normalize(join(SRC, dirname(file), from))).split('\\').join('/').replace(/\.js$/, '.ts')
    return { file, from, target }
  })
}

const all = files.flatMap(importsOf)
const layerOf = (path: string): string => path.includes('/') ? path.slice(0, path.indexOf('/')) : path
/** `features/locks/locks.ts` → `features/locks`; `surfaces/cli/main.ts` → `surfaces/cli`. */
const roomOf = (path: string): string => path.split('/').slice(0, 2).join('/')

/** Imports from files under `dir` whose relative target is not allowed by `ok`, or that name a banned package. */
function violations (dir: string, ok: (target: string, i: Import) => boolean, banned?: RegExp): string[] {
  return all
    .filter(i => i.file.startsWith(dir + '/'))
    .filter(i => i.target !== undefined ? !ok(i.target, i) : banned?.test(i.from) === true)
    .map(i => `${i.file} imports ${i.from}`)
}

describe('layers', () => {
  it('the import scanner sees static, type-only, re-export and dynamic imports', () => {
    const info = ts.preProcessFile("import type { A } from './a.js'\nexport { B } from './b.js'\nconst c = await import('./c.js')\nimport {\n  D\n} from './d.js'", true, true)
    expect(info.importedFiles.map(f => f.fileName)).toEqual(['./a.js', './b.js', './c.js', './d.js'])
  })

  it('src/core imports only core, and nothing from libp2p', () => {
    expect(violations('core', t => layerOf(t) === 'core', /libp2p|@chainsafe|@multiformats|^it-|main-event/)).toEqual([])
  })

  it('src/net imports only core and net', () => {
    expect(violations('net', t => ['core', 'net'].includes(layerOf(t)))).toEqual([])
  })

  it('src/features import only core and other features', () => {
    expect(violations('features', t => ['core', 'features'].includes(layerOf(t)))).toEqual([])
  })

  it('src/api imports only core, net, storage, features and api', () => {
    expect(violations('api', t => ['core', 'net', 'storage', 'features', 'api'].includes(layerOf(t)))).toEqual([])
  })

  it('src/index.ts (the public door) imports only core, net, features and api', () => {
    const bad = all.filter(i => i.file === 'index.ts' && i.target !== undefined && !['core', 'net', 'features', 'api'].includes(layerOf(i.target)))
    expect(bad.map(i => i.from)).toEqual([])
  })

  it('surfaces import only the public API (src/index.ts), surfaces/shared and their own folder', () => {
    const ok = (t: string, i: Import): boolean => {
      if (t === 'index.ts' || roomOf(t) === 'surfaces/shared' || roomOf(t) === roomOf(i.file)) return true
      // the CLI runs the daemon (HTTP server) and the MCP server
      return roomOf(i.file) === 'surfaces/cli' && ['surfaces/http', 'surfaces/mcp'].includes(roomOf(t))
    }
    expect(violations('surfaces', ok)).toEqual([])
  })

  it('src/agent-stores (the meshkv/agent-stores subpath) imports only the public API (src/index.ts) and itself', () => {
    expect(violations('agent-stores', t => t === 'index.ts' || layerOf(t) === 'agent-stores')).toEqual([])
  })

  it('surfaces/shared imports nothing but itself', () => {
    expect(violations('surfaces/shared', t => roomOf(t) === 'surfaces/shared')).toEqual([])
  })

  it('every relative import resolves to a file in src', () => {
    expect(all.filter(i => i.target !== undefined && !files.includes(i.target)).map(i => `${i.file} imports ${i.from}`)).toEqual([])
  })

  it('the relative imports of src form no cycle', () => {
    const edges = new Map<string, string[]>(files.map(f => [f, []]))
    for (const i of all) if (i.target !== undefined) edges.get(i.file)?.push(i.target)
    const state = new Map<string, 'open' | 'done'>()
    const cycles: string[] = []
    const stack: string[] = []
    const visit = (f: string): void => {
      state.set(f, 'open')
      stack.push(f)
      for (const t of edges.get(f) ?? []) {
        if (state.get(t) === 'open') cycles.push([...stack.slice(stack.indexOf(t)), t].join(' → '))
        else if (state.get(t) === undefined) visit(t)
      }
      stack.pop()
      state.set(f, 'done')
    }
    for (const f of files) if (state.get(f) === undefined) visit(f)
    expect(cycles).toEqual([])
  })

  it('src/storage imports only core and storage, and nothing from libp2p', () => {
    expect(violations('storage', t => ['core', 'storage'].includes(layerOf(t)), /libp2p|@chainsafe|@multiformats/)).toEqual([])
  })
})
