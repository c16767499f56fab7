/**
 * Importing meshkv on a Node.js older than 22 fails at once with UnsupportedRuntimeError, instead
 * of at the first createMesh with "Promise.withResolvers is not a function" deep inside libp2p.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { checkRuntime } from '../../src/api/runtime.js'
import { UnsupportedRuntimeError } from '../../src/index.js'

const ROOT = join(import.meta.dirname, '..', '..')
const INDEX = join(ROOT, 'src', 'index.ts')

/** Imports src/index.ts with `node`, through tsx and then the `--import` preloads given. */
function importWith (node: string, preloads: string[] = []): { code: number | null, stderr: string } {
  const r = spawnSync(node, ['--import', 'tsx/esm', ...preloads.flatMap(p => ['--import', p]), '--input-type=module', '-e', `await import(${JSON.stringify(INDEX)}); console.log('imported')`], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 })
  return { code: r.status, stderr: r.stderr + r.stdout }
}

/** Node.js binaries on this machine older than 22 (the system's Node 20, if any). */
function oldNodes (): string[] {
  let found: string[] = []
  try {
    found = execFileSync('which', ['-a', 'node'], { encoding: 'utf8' }).split('\n').filter(Boolean)
  } catch {}
  return [...new Set([...found, '/usr/bin/node'])].filter(bin => {
    const v = spawnSync(bin, ['-p', 'process.versions.node'], { encoding: 'utf8' })
    return v.status === 0 && Number(v.stdout.split('.')[0]) < 22
  })
}

describe('the Node.js version check', () => {
  it('refuses versions before 22 by name, accepts 22 and later', () => {
    expect(() => checkRuntime('20.11.1')).toThrow(UnsupportedRuntimeError)
    expect(() => checkRuntime('18.0.0')).toThrow(/needs Node.js >= 22, this is 18.0.0/)
    expect(() => checkRuntime('garbage')).toThrow(UnsupportedRuntimeError)
    expect(() => checkRuntime('22.0.0')).not.toThrow()
    expect(() => checkRuntime('24.3.0')).not.toThrow()
  })

  it('runs first on import: a Node that reports 20 stops there, before libp2p loads', () => {
    const fake = 'data:text/javascript,Object.defineProperty(process.versions,"node",{value:"20.0.0"})'
    const r = importWith(process.execPath, [fake])
    expect(r.code).not.toBe(0)
    expect(r.stderr).toContain('UnsupportedRuntimeError')
    expect(r.stderr).toContain('needs Node.js >= 22, this is 20.0.0')
    expect(importWith(process.execPath).stderr).toContain('imported')
  })

  it('a real Node 20 (where the machine has one, as the system\'s /usr/bin/node here) gets the same clear error', () => {
    for (const node of oldNodes()) {
      const r = importWith(node)
      expect(r.code, node).not.toBe(0)
      expect(r.stderr).toMatch(/UnsupportedRuntimeError|needs Node.js >= 22/)
      expect(r.stderr).not.toContain('is not a function')
    }
  })
})
