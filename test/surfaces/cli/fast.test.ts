/**
 * The CLI's fast path (src/surfaces/cli/fast.ts): what it loads, what it takes, and that it
 * answers exactly as the full commander program does, errors and exit codes included.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { parseFast } from '../../../src/surfaces/cli/fast.js'

const ROOT = join(import.meta.dirname, '..', '..', '..')
const BIN = join(ROOT, 'bin', 'meshkv.js')

/** Every file the fast path loads (relative imports, followed), and every package it names. */
function closure (entry: string): { files: string[], packages: string[] } {
  const files = new Set<string>()
  const packages = new Set<string>()
  const visit = (file: string): void => {
    if (files.has(file)) return
    files.add(file)
    const text = readFileSync(file, 'utf8')
    for (const m of text.matchAll(/^\s*(import|export)(\s+type)?[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm)) {
      if (m[2] !== undefined) continue // type-only imports are erased
      const spec = m[3] ?? m[4]
      if (spec.startsWith('.')) visit(resolve(dirname(file), spec.replace(/\.js$/, '.ts')))
      else packages.add(spec)
    }
  }
  visit(join(ROOT, 'src', 'surfaces', 'cli', 'fast.ts'))
  return { files: [...files].map(f => relative(ROOT, f)).sort(), packages: [...packages].sort() }
}

describe('the fast path loads little', () => {
  it('only src/surfaces/cli and src/surfaces/shared (the folders bin/meshkv.js checks for freshness), and only node built-ins', () => {
    const { files, packages } = closure(join(ROOT, 'src', 'surfaces', 'cli', 'fast.ts'))
    expect(files.filter(f => !/^src\/surfaces\/(cli|shared)\/[^/]+\.ts$/.test(f))).toEqual([])
    expect(packages.filter(p => !p.startsWith('node:'))).toEqual([])
    // and none of the full program's modules
    expect(files.filter(f => /main|commands-|daemon/.test(f))).toEqual([])
  })
})

describe('parseFast', () => {
  const call = (...argv: string[]): unknown => {
    const c = parseFast(argv)
    return c === undefined ? undefined : { path: c.command.path.join(' '), mesh: c.mesh, args: c.args, opts: c.opts }
  }

  it('takes the hot commands in commander\'s forms, with defaults applied', () => {
    expect(call('get', 'k')).toEqual({ path: 'get', mesh: undefined, args: ['k'], opts: { format: 'json', default: undefined } })
    expect(call('--mesh', 'm', 'get', 'k', '--format=value')).toEqual({ path: 'get', mesh: 'm', args: ['k'], opts: { format: 'value', default: undefined } })
    expect(call('get', 'k', '--default', 'x y', '--mesh=z')).toMatchObject({ mesh: 'z', opts: { default: 'x y' } })
    expect(call('set', 'k', '-', '--ttl', '10m', '--if-not-exists')).toEqual({ path: 'set', mesh: undefined, args: ['k', '-'], opts: { ttl: '10m', ifNotExists: true } })
    expect(call('exists', 'k')).toMatchObject({ path: 'exists', args: ['k'] })
    expect(call('del', 'k')).toMatchObject({ path: 'del', args: ['k'] })
    expect(call('lock', 'acquire', 'L', '--wait', '1m')).toEqual({ path: 'lock acquire', mesh: undefined, args: ['L'], opts: { ttl: '30s', owner: undefined, wait: '1m' } })
    expect(call('lock', 'release', 'L', '--owner', 'me')).toEqual({ path: 'lock release', mesh: undefined, args: ['L'], opts: { owner: 'me' } })
  })

  it('leaves everything else to the full program', () => {
    for (const argv of [
      [], ['get'], ['get', 'a', 'b'], ['get', 'k', '--help'], ['get', '-h'], ['--version'], ['get', 'k', '--frob'],
      ['get', 'k', '--format'], ['get', 'k', '--default', '-1'], ['get', '--', '-k'], ['get', '-k'], ['get', 'k', '--format', 'a', '--format', 'b'],
      ['set', 'k'], ['set', 'k', 'v', '--if-not-exists=1'], ['set', 'k', 'v', '--wait', '1s'], ['list'], ['lock', 'check', 'L'], ['lock', 'extend', 'L'],
      ['lock', 'acquire'], ['leader', 'elect', 'g'], ['watch'], ['daemon', 'run'], ['help', 'get'], ['lock', 'get', 'k']
    ]) expect(call(...argv), argv.join(' ')).toBeUndefined()
  })
})

describe('the fast path answers as the full program does', () => {
  const dir = mkdtempSync(join(tmpdir(), 'meshkv-fast-'))
  const env = { ...process.env, MESHKV_RUNTIME_DIR: dir, MESHKV_STATE_DIR: join(dir, 'state'), MESHKV_MDNS: 'false', MESHKV_LISTEN: '/ip4/127.0.0.1/tcp/0', MESHKV_OWNER: 'tester' }
  const run = (path: 'fast' | 'full', args: string[], input?: string): { code: number | null, stdout: string, stderr: string } => {
    const r = spawnSync(process.execPath, [BIN, ...args], { env: { ...env, MESHKV_CLI_PATH: path }, encoding: 'utf8', input, timeout: 60_000 })
    return { code: r.status, stdout: r.stdout, stderr: r.stderr }
  }
  // what changes from one write to the next (clock readings, tokens): compared by type
  const VOLATILE = /"(hlc|created_at|expires_at|remaining_ttl|token)":("[^"]*"|\d+|null)/g
  const masked = (r: { code: number | null, stdout: string, stderr: string }): unknown =>
    ({ code: r.code, stdout: r.stdout.replace(VOLATILE, '"$1":<$1>'), stderr: r.stderr.replace(VOLATILE, '"$1":<$1>').replace(/held by tester \(token [^)]*\) until \S+/, 'held by tester (…)') })
  const same = (args: string[], setup?: () => void, input?: string): { code: number | null, stdout: string, stderr: string } => {
    setup?.()
    const fast = run('fast', args, input)
    setup?.()
    const full = run('full', args, input)
    expect(masked(fast), args.join(' ')).toEqual(masked(full))
    return fast
  }

  afterAll(() => {
    run('full', ['daemon', 'stop'])
    rmSync(dir, { recursive: true, force: true })
  })

  it('the first command starts the daemon, from the fast path too', () => {
    const r = run('fast', ['set', 'present', 'hello', '--ttl', '1h'])
    expect(r.code).toBe(0)
    expect(r.stderr).toContain('started a daemon')
  })

  it('get, exists, set, del: the same stdout, stderr and exit code, errors included', () => {
    expect(same(['get', 'present']).code).toBe(0)
    expect(same(['get', 'present', '--format', 'value'])).toMatchObject({ code: 0, stdout: 'hello\n' })
    same(['--mesh', 'default', 'get', 'present', '--format=value'])
    expect(same(['get', 'missing']).code).toBe(1)
    expect(same(['get', 'missing', '--default', 'd', '--format', 'value'])).toMatchObject({ code: 0, stdout: 'd\n' })
    same(['get', 'missing', '--default', 'd'])
    expect(same(['get', 'present', '--format', 'xml']).code).toBe(2)
    expect(same(['exists', 'present']).code).toBe(0)
    expect(same(['exists', 'missing']).code).toBe(1)
    expect(same(['set', 'k', 'v', '--ttl', 'soon']).code).toBe(2)
    expect(same(['set', 'k', 'v', '--ttl', '1.5s']).code).toBe(2)
    expect(same(['set', 'k', 'v', '--ttl', '999999h']).code).toBe(2)
    expect(same(['set', 'present', 'v', '--if-not-exists']).code).toBe(1)
    expect(same(['set', 'fresh', 'v', '--ttl', '1m']).code).toBe(0)
    expect(same(['set', 'piped', '-', '--ttl', '1m'], undefined, '{"a":1}').code).toBe(0)
    expect(run('fast', ['get', 'piped', '--format', 'value']).stdout).toBe('{"a":1}\n')
    expect(same(['del', 'gone'], () => run('full', ['set', 'gone', 'x', '--ttl', '1m'])).stdout).toContain('"deleted":true')
    expect(same(['del', 'never']).code).toBe(1)
  })

  it('lock acquire and release: the same answers, exit 4 when held by another', () => {
    expect(run('fast', ['lock', 'acquire', 'L', '--ttl', '30s']).code).toBe(0)
    expect(same(['lock', 'acquire', 'L', '--owner', 'other']).code).toBe(4)
    expect(same(['lock', 'acquire', 'L', '--owner', 'other', '--wait', '200ms']).code).toBe(4)
    expect(same(['lock', 'release', 'L', '--owner', 'other']).code).toBe(4)
    expect(same(['lock', 'acquire', 'M', '--ttl', '10s'], () => run('full', ['lock', 'release', 'M'])).code).toBe(0)
    expect(same(['lock', 'release', 'N'], () => run('full', ['lock', 'acquire', 'N'])).code).toBe(0)
    expect(same(['lock', 'acquire', 'L', '--ttl', 'soon']).code).toBe(2)
    expect(same(['lock', 'release', 'free']).code).toBe(4)
  })
})
