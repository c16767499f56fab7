/**
 * The agent-fleet example in CI (loopback only, bounded): three engine processes, two of them
 * killed with SIGKILL mid-request and restarted; the example exits 0 only when every acknowledged
 * message, every turn's statistics, the totals and the state are present and identical on all
 * engines. And it can fail: with a planted bug (turns counted without their id, so a retried
 * turn counts twice) it exits 1.
 */
import { spawn } from 'node:child_process'
import { describe, expect, it } from 'vitest'

async function runFleet (env: Record<string, string>): Promise<{ code: number | null, out: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'examples/agent-fleet/run.ts'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout.on('data', (c: Buffer) => { out += c.toString() })
  child.stderr.on('data', (c: Buffer) => { out += c.toString() })
  const code = await new Promise<number | null>(resolve => child.once('exit', resolve))
  return { code, out }
}

describe('examples/agent-fleet', () => {
  it('loses no acknowledged message, statistic or state update across two kill -9s (quorum mode)', async () => {
    const { code, out } = await runFleet({ FLEET_TURNS: '50', FLEET_KILL_AT: '20', FLEET_KILL_COUNTED_AT: '35', FLEET_MODE: 'quorum' })
    expect(out).toMatch(/client \(quorum mode\): 50 turns acknowledged/)
    expect(out).toMatch(/kill -9 while it thinks about turn 20/)
    expect(out).toMatch(/kill -9 after it wrote the answer and statistics of turn 35/)
    expect(out.match(/restarted on its data directory/g)).toHaveLength(2)
    expect(out, out).toMatch(/^OK: every acknowledged message \(100\) and every turn's statistics \(50\) are present and identical on all 3 engines; totals exact; no state update lost across 2 kill -9s$/m)
    expect(code, out).toBe(0)
  }, 180_000)

  it('fails (exit 1) when a retried turn is counted twice (a planted bug)', async () => {
    const { code, out } = await runFleet({ FLEET_TURNS: '12', FLEET_KILL_AT: '4', FLEET_KILL_COUNTED_AT: '8', FLEET_PLANT: 'no-turn-id', FLEET_CONVERGE_MS: '3000', FLEET_MODE: 'gossip' })
    expect(out, out).toMatch(/"turns":13\} != /)
    expect(out).toMatch(/^FAILED/m)
    expect(code, out).toBe(1)
  }, 180_000)
})
