/**
 * The agent-fleet example in CI (loopback only, bounded): three engine processes, one killed with
 * SIGKILL mid-request and restarted; the example exits 0 only when every acknowledged message,
 * every turn's statistics, the totals and the state are present and identical on all engines.
 */
import { spawn } from 'node:child_process'
import { describe, expect, it } from 'vitest'

describe('examples/agent-fleet', () => {
  it('loses no acknowledged message, statistic or state update across a kill -9', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'examples/agent-fleet/run.ts'], {
      env: { ...process.env, FLEET_TURNS: '50', FLEET_KILL_AT: '20' },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let out = ''
    child.stdout.on('data', (c: Buffer) => { out += c.toString() })
    child.stderr.on('data', (c: Buffer) => { out += c.toString() })
    const code = await new Promise<number | null>(resolve => child.once('exit', resolve))
    expect(out).toMatch(/kill -9 while it thinks about turn 20/)
    expect(out).toMatch(/restarted on its data directory/)
    expect(out, out).toMatch(/^OK: every acknowledged message \(100\) and every turn's statistics \(50\) are present and identical on all 3 engines/m)
    expect(code, out).toBe(0)
  }, 180_000)
})
