/**
 * `npm run sim -- [options]`: many seeded schedules of the simulator, or one replayed in detail,
 * or the real-node nemesis scenarios.
 *
 *   npm run sim -- --seeds 10000            schedules 1..10000; one line per failure, then a table
 *   npm run sim -- --seed 42 --verbose      replay one: parameters, timeline, history, violations
 *   npm run sim -- --seed 42 --svg t.svg    and draw its timeline
 *   npm run sim -- --real                   every real-node scenario on loopback
 *   npm run sim -- --real --scenario split  one of them
 */
import { writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { firstArrivalWins, simulate, type ClockMode, type SimOptions, type SimResult } from './simulate.js'
import { byScenario, formatCp, formatCpHistory, formatHistory, formatLeaseClients, formatOverlaps, formatTable, timelineSvg } from './report.js'

const HELP = `usage: npm run sim -- [--seeds N] [--from S] [--seed S [--verbose] [--svg FILE]] [--nodes N]
                      [--duration MS] [--broken-merge] [--clock-mode M] [--no-clock-samples]
                      [--penalise-drift] [--skip-promise-check] [--real [--scenario NAME]]
  --seeds N        run N schedules (default 1000), seeds S..S+N-1
  --from S         first seed (default 1)
  --seed S         run one schedule
  --verbose        with --seed: print the schedule, timeline and history
  --svg FILE       with --seed: write an SVG timeline
  --nodes N        replicas per schedule (2..64; default random 3..8)
  --duration MS    virtual ms of workload per schedule (default random 5000..30000)
  --broken-merge   fault injection: merge keeps the first arrival (the checker must catch it)
  --clock-mode M   jumpy, skewed or lagging for every schedule (default: random per schedule)
  --no-clock-samples  fault injection: no node learns its clock offset (the clock checks must catch it)
  --penalise-drift    fault injection: drift refusals penalise the sender (clock-no-penalty must catch it)
  --skip-promise-check  fault injection: CASPaxos acceptors accept below their promise (linearizable must catch it)
  --real           run the real-node nemesis scenarios instead
  --scenario NAME  with --real: only this scenario`

const { values } = parseArgs({
  options: {
    seeds: { type: 'string' },
    from: { type: 'string' },
    seed: { type: 'string' },
    verbose: { type: 'boolean', default: false },
    svg: { type: 'string' },
    nodes: { type: 'string' },
    duration: { type: 'string' },
    'broken-merge': { type: 'boolean', default: false },
    'clock-mode': { type: 'string' },
    'no-clock-samples': { type: 'boolean', default: false },
    'penalise-drift': { type: 'boolean', default: false },
    'skip-promise-check': { type: 'boolean', default: false },
    real: { type: 'boolean', default: false },
    scenario: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false }
  }
})

function int (name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback
  const n = Number(value)
  if (!Number.isInteger(n) || n < min || n > max) {
    console.error(`--${name} must be an integer from ${min} to ${max}, got ${value}\n\n${HELP}`)
    process.exit(2)
  }
  return n
}

if (values.help) {
  console.log(HELP)
  process.exit(0)
}

if (values.real) {
  const { runScenarios } = await import('./nemesis.js')
  const ok = await runScenarios(values.scenario)
  process.exit(ok ? 0 : 1)
}

const options: SimOptions = {
  nodes: values.nodes === undefined ? undefined : int('nodes', values.nodes, 3, 2, 64),
  durationMs: values.duration === undefined ? undefined : int('duration', values.duration, 10_000, 1, 24 * 3_600_000),
  mergeOrder: values['broken-merge'] ? firstArrivalWins : undefined,
  clockMode: clockModeOf(values['clock-mode']),
  clockSamples: !values['no-clock-samples'],
  penalises: values['penalise-drift'] ? () => true : undefined,
  skipPromiseCheck: values['skip-promise-check']
}
const flags = `${values.nodes !== undefined ? ` --nodes ${values.nodes}` : ''}${values.duration !== undefined ? ` --duration ${values.duration}` : ''}${values['broken-merge'] ? ' --broken-merge' : ''}` +
  `${values['clock-mode'] !== undefined ? ` --clock-mode ${values['clock-mode']}` : ''}${values['no-clock-samples'] ? ' --no-clock-samples' : ''}${values['penalise-drift'] ? ' --penalise-drift' : ''}${values['skip-promise-check'] ? ' --skip-promise-check' : ''}`

function clockModeOf (value: string | undefined): ClockMode | undefined {
  if (value === undefined) return undefined
  if (value === 'jumpy' || value === 'skewed' || value === 'lagging') return value
  console.error(`--clock-mode must be jumpy, skewed or lagging, got ${value}\n\n${HELP}`)
  process.exit(2)
}

if (values.seed !== undefined) {
  const seed = int('seed', values.seed, 1, 0, 2 ** 32 - 1)
  const r = simulate(seed, { ...options, timeline: true })
  console.log(`seed ${seed}: ${r.nodes} nodes, ${r.ops} ops (${r.writes} writes), ${r.partitions} partitions, ${r.crashes} crashes, ${r.messages} messages (${r.dropped} dropped), faults: ${r.faults.join(', ') || 'none'}; clocks ${r.clockMode}, ${r.skewRefusals} writes refused with ClockSkewError`)
  console.log(`CP workload: members ${r.cpMembers.map(i => `n${i}`).join(', ')}; ${formatCp([r]).split('\n').slice(1).join('; ').replace(/ +/g, ' ')}`)
  console.log(`\ntimeline:\n${r.timeline.join('\n')}`)
  if (values.verbose) console.log(`\nhistory:\n${formatHistory(r)}\n\nCP history (true time, call and return; ? = never answered):\n${formatCpHistory(r)}`)
  if (values.svg !== undefined) {
    writeFileSync(values.svg, timelineSvg(r))
    console.log(`\nwrote ${values.svg}`)
  }
  console.log(r.violations.length === 0 ? '\nno violations' : `\n${r.violations.length} violations:\n${r.violations.map(v => `  [${v.check}] ${v.message}`).join('\n')}`)
  process.exitCode = r.violations.length === 0 ? 0 : 1
} else {
  runMany()
}

function runMany (): void {

  const count = int('seeds', values.seeds, 1000, 1, 10_000_000)
  const from = int('from', values.from, 1, 0, 2 ** 32 - 1)
  const results: Array<Pick<SimResult, 'faults' | 'ops' | 'partitions' | 'crashes' | 'convergeMs' | 'violations' | 'holds' | 'gossipOverlaps' | 'gossipOverlapsBeyondSkew' | 'dropRate' | 'leaseCounts' | 'holdEnds' | 'cp'>> = []
  let failed = 0
  const started = performance.now()
  for (let seed = from; seed < from + count; seed++) {
    const r = simulate(seed, options)
    results.push({ faults: r.faults, ops: r.ops, partitions: r.partitions, crashes: r.crashes, convergeMs: r.convergeMs, violations: r.violations, holds: r.holds, gossipOverlaps: r.gossipOverlaps, gossipOverlapsBeyondSkew: r.gossipOverlapsBeyondSkew, dropRate: r.dropRate, leaseCounts: r.leaseCounts, holdEnds: r.holdEnds, cp: r.cp })
    if (r.violations.length > 0) {
      failed++
      console.log(`FAIL seed ${seed}: ${r.violations.length} violations, first [${r.violations[0].check}] ${r.violations[0].message}\n     replay: npm run sim -- --seed ${seed} --verbose${flags}`)
    }
  }
  const secs = (performance.now() - started) / 1000
  console.log(`\n${formatTable(byScenario(results))}`)
  console.log(`\n${formatOverlaps(results)}`)
  console.log(`\n${formatLeaseClients(results)}`)
  console.log(`\n${formatCp(results)}`)
  console.log(`\n${count} schedules (seeds ${from}..${from + count - 1}) in ${secs.toFixed(1)} s: ${(count / secs).toFixed(0)} schedules/s; ${failed} failed, ${results.reduce((a, r) => a + r.violations.length, 0)} violations`)
  process.exitCode = failed === 0 ? 0 : 1
}
