/** The layers of shared/DESIGN.md §7, checked on the source: imports point downward only. */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

function imports (dir: string): Array<{ file: string, from: string }> {
  const out: Array<{ file: string, from: string }> = []
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    if (!name.endsWith('.ts')) continue
    const text = readFileSync(join(dir, name), 'utf8')
    for (const m of text.matchAll(/^\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]/gm)) out.push({ file: name, from: m[1] })
  }
  return out
}

describe('layers', () => {
  it('src/core imports nothing from libp2p, the network layer or the surfaces', () => {
    const bad = imports('src/core').filter(i => /libp2p|@chainsafe|@multiformats|^\.\.\//.test(i.from))
    expect(bad).toEqual([])
  })

  it('src/net imports only core and libraries, never the surfaces', () => {
    const bad = imports('src/net').filter(i => i.from.startsWith('../') && !i.from.startsWith('../core/'))
    expect(bad).toEqual([])
  })
})
