/**
 * The crash scenario: a writer in its own process joins two real nodes, awaits `set` with
 * `replicas` in a loop, and is killed (SIGKILL) right after a number of its writes were
 * acknowledged. The checker: every acknowledged write is held, at least as new, by every
 * survivor once they have converged. With `replicas: 1` nothing acknowledged may be lost.
 */
import { spawn } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { converged, eventually, startCluster, stopAll } from './cluster.js'
import type { Violation } from './checker.js'
import type { WriterSpec } from './writer.js'

const WRITER = join(dirname(fileURLToPath(import.meta.url)), 'writer.ts')

/** A write the writer reported acknowledged. */
export interface Acked { key: string, hlc: string }

export interface WriterRun {
  acked: Acked[]
  /** How the process ended: its exit code, or the signal that killed it. */
  code: number | null
  signal: NodeJS.Signals | null
  stderr: string
}

/**
 * Runs sim/writer.ts in a child process; with `killAfter`, sends SIGKILL the moment that many
 * acknowledgements have been read.
 */
export async function runWriter (spec: WriterSpec, options: { killAfter?: number, timeoutMs?: number } = {}): Promise<WriterRun> {
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER, JSON.stringify(spec)], { stdio: ['ignore', 'pipe', 'pipe'] })
  const acked: Acked[] = []
  let stderr = ''
  let rest = ''
  child.stderr.setEncoding('utf8').on('data', (s: string) => { stderr += s })
  child.stdout.setEncoding('utf8').on('data', (s: string) => {
    const lines = (rest + s).split('\n')
    rest = lines.pop() ?? ''
    for (const line of lines) {
      const [kind, key, hlc] = line.split(' ')
      if (kind !== 'ack') continue
      acked.push({ key, hlc })
      if (options.killAfter !== undefined && acked.length === options.killAfter) child.kill('SIGKILL')
    }
  })
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000)
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>(resolve => child.once('exit', (c, s) => { resolve([c, s]) }))
  clearTimeout(timer)
  return { acked, code, signal, stderr }
}

/** A survivor's view for the checker: the hlc it holds for a key (tombstones included). */
export interface Survivor { id: string, hlcOf: (key: string) => string | undefined }

/** Every acknowledged write must be held, at least as new, by every survivor. */
export function checkDurability (acked: Acked[], survivors: Survivor[]): Violation[] {
  const out: Violation[] = []
  for (const s of survivors) {
    const lost = acked.filter(a => { const h = s.hlcOf(a.key); return h === undefined || h < a.hlc })
    if (lost.length > 0) {
      out.push({ check: 'durability', message: `${s.id} lacks ${lost.length} of ${acked.length} acknowledged writes, e.g. ${lost[0].key} at ${lost[0].hlc}` })
    }
  }
  return out
}

export interface CrashResult {
  name: string
  violations: Violation[]
  acked: number
  convergeMs: number | undefined
}

/**
 * Two nodes here, a writer process with `replicas`, SIGKILL after `killAfter` acks; then the
 * survivors converge and are checked.
 */
export async function runCrash (replicas = 1, killAfter = 300): Promise<CrashResult> {
  const nodes = await startCluster(2, { name: 'crash', syncIntervalMs: 500 })
  try {
    const run = await runWriter({ name: 'crash', bootstrap: nodes.map(n => n.mesh.multiaddrs[0]), count: 1_000_000, replicas, end: 'hang' }, { killAfter, timeoutMs: 120_000 })
    const violations: Violation[] = []
    if (run.signal !== 'SIGKILL' || run.acked.length < killAfter) {
      violations.push({ check: 'scenario', message: `the writer ended (${run.signal ?? run.code}) after ${run.acked.length} acks, before it was killed: ${run.stderr.trim()}` })
    }
    const start = Date.now()
    let convergeMs: number | undefined
    try {
      await eventually(() => converged(nodes), 'the survivors converge', 20_000)
      convergeMs = Date.now() - start
    } catch {
      violations.push({ check: 'convergence', message: 'the survivors did not converge within 20 s' })
    }
    violations.push(...checkDurability(run.acked, nodes.map((n, i) => ({ id: `n${i}`, hlcOf: key => (n.mesh as unknown as { store: { version: (k: string) => { hlc: string } | undefined } }).store.version(key)?.hlc }))))
    return { name: `crash (replicas ${replicas})`, violations, acked: run.acked.length, convergeMs }
  } finally {
    await stopAll(nodes)
  }
}
