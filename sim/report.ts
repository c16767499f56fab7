/**
 * Output a person can read: a summary table per scenario, a text history, an SVG timeline.
 */
import { label } from './history.js'
import type { SimResult } from './simulate.js'

export interface ScenarioRow {
  scenario: string
  runs: number
  ops: number
  partitions: number
  crashes: number
  /** Converge-after-heal samples, ms. */
  converge: number[]
  violations: number
}

const pct = (xs: number[], p: number): number => {
  if (xs.length === 0) return NaN
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p / 100 * s.length) - 1))]
}

/**
 * One row per fault kind (a schedule that injected several kinds counts in each), one for
 * schedules without faults, and a total.
 */
export function byScenario (results: Iterable<Pick<SimResult, 'faults' | 'ops' | 'partitions' | 'crashes' | 'convergeMs' | 'violations'>>): ScenarioRow[] {
  const rows = new Map<string, ScenarioRow>()
  const add = (scenario: string, r: Pick<SimResult, 'ops' | 'partitions' | 'crashes' | 'convergeMs' | 'violations'>): void => {
    let row = rows.get(scenario)
    if (row === undefined) rows.set(scenario, row = { scenario, runs: 0, ops: 0, partitions: 0, crashes: 0, converge: [], violations: 0 })
    row.runs++
    row.ops += r.ops
    row.partitions += r.partitions
    row.crashes += r.crashes
    if (r.convergeMs !== undefined) row.converge.push(r.convergeMs)
    row.violations += r.violations.length
  }
  let total = 0
  for (const r of results) {
    total++
    for (const kind of r.faults.length === 0 ? ['no faults'] : r.faults) add(kind, r)
    add('all schedules', r)
  }
  const out = [...rows.values()].sort((a, b) => (a.scenario === 'all schedules' ? 1 : 0) - (b.scenario === 'all schedules' ? 1 : 0) || b.runs - a.runs)
  return total > 1 ? out : out.filter(r => r.scenario !== 'all schedules')
}

export function formatTable (rows: ScenarioRow[], unit = 'virtual ms'): string {
  const head = ['scenario', 'runs', 'ops', 'partitions', 'crashes', `converge after heal p50 / p99 / max (${unit})`, 'violations']
  const body = rows.map(r => [
    r.scenario, String(r.runs), String(r.ops), String(r.partitions), String(r.crashes),
    r.converge.length === 0 ? '-' : `${pct(r.converge, 50).toFixed(0)} / ${pct(r.converge, 99).toFixed(0)} / ${Math.max(...r.converge).toFixed(0)}`,
    String(r.violations)
  ])
  const widths = head.map((h, i) => Math.max(h.length, ...body.map(b => b[i].length)))
  const line = (cells: string[]): string => cells.map((c, i) => i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i])).join('  ')
  return [line(head), widths.map(w => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n')
}

/** The schedule and history of one run, as text. */
export function formatHistory (r: SimResult): string {
  const out: string[] = []
  for (const op of r.history.ops) {
    const t = op.t.toFixed(1).padStart(9)
    if (op.kind === 'fault') out.push(`${t}  ** ${op.what}`)
    else if (op.kind === 'write') out.push(`${t}  ${op.node.padEnd(6)} write  ${op.version.key} = ${label(op.version)}`)
    else if (op.kind === 'read') out.push(`${t}  ${op.node.padEnd(6)} read   ${op.key} -> ${label(op.value)}`)
    else if (op.kind === 'event') out.push(`${t}  ${op.node.padEnd(6)} ${op.type.padEnd(6)} ${op.version.key} = ${label(op.version)}`)
    else out.push(`${t}  ${op.node.padEnd(6)} apply  ${op.version.key} = ${label(op.version)}`)
  }
  return out.join('\n')
}

const COLORS = ['#4e79a7', '#f28e2b', '#59a14f', '#b07aa1', '#edc948']

/** An SVG timeline: one row per node, colored by partition group, grey while crashed; writes as ticks. */
export function timelineSvg (r: SimResult): string {
  const width = 1000
  const rowH = 22
  const left = 60
  const top = 44
  const end = r.virtualMs
  const x = (t: number): number => left + (t / end) * (width - left - 10)
  const parts: string[] = []
  for (let i = 0; i < r.phases.length; i++) {
    const p = r.phases[i]
    const until = r.phases[i + 1]?.t ?? end
    p.groups.forEach((g, node) => {
      const color = !p.alive[node] ? '#ccc' : p.bridge === g ? '#e15759' : COLORS[g % COLORS.length]
      parts.push(`<rect x="${x(p.t).toFixed(1)}" y="${top + node * rowH}" width="${Math.max(0.5, x(until) - x(p.t)).toFixed(1)}" height="${rowH - 6}" fill="${color}" opacity="0.55"/>`)
    })
  }
  for (let node = 0; node < r.nodes; node++) parts.push(`<text x="4" y="${top + node * rowH + 12}" font-size="11">n${node}</text>`)
  for (const op of r.history.ops) {
    if (op.kind !== 'write') continue
    const node = Number(op.node.slice(1).split('.')[0])
    parts.push(`<line x1="${x(op.t).toFixed(1)}" x2="${x(op.t).toFixed(1)}" y1="${top + node * rowH}" y2="${top + node * rowH + rowH - 6}" stroke="${op.version.deleted ? '#000' : '#fff'}" stroke-width="1"/>`)
  }
  const marks: Array<[number, string, string]> = [[r.healedAt, 'heal', '#333']]
  if (r.convergeMs !== undefined) marks.push([r.healedAt + r.convergeMs, 'converged', '#2a9d3f'])
  marks.forEach(([t, text, color], i) => {
    parts.push(`<line x1="${x(t)}" x2="${x(t)}" y1="${top - 8 - 14 * i}" y2="${top + r.nodes * rowH}" stroke="${color}" stroke-dasharray="4 2"/>`)
    parts.push(`<text x="${x(t) - 3}" y="${top - 10 - 14 * i}" font-size="11" fill="${color}" text-anchor="end">${text}</text>`)
  })
  const height = top + r.nodes * rowH + 40
  parts.push(`<text x="${left}" y="${height - 22}" font-size="11">seed ${r.seed}: ${r.nodes} nodes, ${r.writes} writes (ticks; black = delete), ${r.partitions} partitions, ${r.crashes} crashes, ${(end / 1000).toFixed(1)} s virtual, ${r.violations.length} violations</text>`)
  parts.push(`<text x="${left}" y="${height - 8}" font-size="11">colour = partition group (red = bridge), grey = crashed</text>`)
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="monospace">\n${parts.join('\n')}\n</svg>\n`
}

/**
 * Gossip-mode locks promise one holder only when claims arrive within the settle window: how
 * often two nodes held the same lock at once, with and without partitions and message loss.
 */
export function formatOverlaps (results: Array<Pick<SimResult, 'partitions' | 'holds' | 'gossipOverlaps' | 'gossipOverlapsBeyondSkew' | 'dropRate' | 'crashes'>>): string {
  const groups: Array<[string, (r: typeof results[number]) => boolean]> = [
    ['with partitions', r => r.partitions > 0],
    ['no partitions, lossy network', r => r.partitions === 0 && r.dropRate > 0],
    ['no partitions, no loss, crashes', r => r.partitions === 0 && r.dropRate === 0 && r.crashes > 0],
    ['no partitions, no loss, no crash', r => r.partitions === 0 && r.dropRate === 0 && r.crashes === 0]
  ]
  const lines = ['gossip-mode locks: overlapping holders (quorum mode: see the violations above)']
  for (const [name, test] of groups) {
    const rs = results.filter(test)
    const holds = rs.reduce((a, r) => a + r.holds, 0)
    const overlaps = rs.reduce((a, r) => a + r.gossipOverlaps, 0)
    const beyond = rs.reduce((a, r) => a + r.gossipOverlapsBeyondSkew, 0)
    const affected = rs.filter(r => r.gossipOverlaps > 0).length
    lines.push(`  ${name.padEnd(32)} ${String(rs.length).padStart(6)} schedules, ${String(holds).padStart(7)} holds: ${String(overlaps).padStart(5)} overlaps (${String(beyond).padStart(4)} longer than clock skew explains) in ${affected} schedules`)
  }
  return lines.join('\n')
}

/** What the product's lock client did over all schedules: attempts, waits, renewals, and how holds ended. */
export function formatLeaseClients (results: Array<Pick<SimResult, 'leaseCounts' | 'holdEnds'>>): string {
  const sum = (f: (r: typeof results[number]) => number): number => results.reduce((a, r) => a + f(r), 0)
  const lines = ['lock clients (src/core/lock-client.ts), by mode and outcome']
  lines.push(`  ${sum(r => r.leaseCounts.attempts)} attempts: ${sum(r => r.leaseCounts.queued)} waited in line, ${sum(r => r.leaseCounts.unavailable)} unavailable; ${sum(r => r.leaseCounts.renewals)} renewals`)
  for (const mode of ['gossip', 'quorum'] as const) {
    const ends = ['released', 'expired', 'superseded', 'quorum-lost', 'crashed', 'open'] as const
    lines.push(`  ${mode} holds ended: ${ends.map(how => `${sum(r => r.holdEnds[mode][how] ?? 0)} ${how}`).join(', ')}`)
  }
  return lines.join('\n')
}

/** What the CP workload's clients did (the product's CASPaxos proposer), and what the linearizability checker made of it. */
export function formatCp (results: Array<Pick<SimResult, 'cp' | 'violations'>>): string {
  const sum = (f: (r: typeof results[number]) => number): number => results.reduce((a, r) => a + f(r), 0)
  const why = (k: keyof SimResult['cp']['pendingWhy']): number => sum(r => r.cp.pendingWhy[k])
  const lines = ['CP workload (src/core/cas-proposer.ts and cas-acceptor.ts), checked for linearizability per key']
  lines.push(`  ${sum(r => r.cp.ops)} operations: ${sum(r => r.cp.done)} answered, ${sum(r => r.cp.pending)} never answered after an accept went out (pending: ${why('unavailable')} no majority, ${why('contended')} contended, ${why('timeout')} timed out, ${why('crashed')} crashed, ${why('running')} still running), ${sum(r => r.cp.failed)} failed before any accept (no effect)`)
  lines.push(`  ${sum(r => r.cp.retries)} rounds retried after a conflict; ${sum(r => r.cp.oneRoundTrip)} operations began on the one-round-trip path`)
  const illegal = sum(r => r.violations.filter(v => v.check === 'linearizable').length)
  lines.push(`  ${sum(r => r.cp.keys)} key histories checked: ${illegal} not linearizable, ${sum(r => r.cp.unknown)} unknown (the search ran out of budget: failures to look into); largest search ${Math.max(0, ...results.map(r => r.cp.maxSteps))} steps`)
  return lines.join('\n')
}

/** The CP workload's operations in call order: what the linearizability checker judged. */
export function formatCpHistory (r: SimResult): string {
  const ops = [...r.cpHistories.register, ...r.cpHistories.counter, ...r.cpHistories.queue].sort((a, b) => a.call - b.call)
  return ops.map(o => `${o.call.toFixed(1).padStart(9)} ${(o.ret === undefined ? '?' : o.ret.toFixed(1)).padStart(9)}  ${o.client.padEnd(6)} ${o.key.padEnd(3)} ${JSON.stringify(o.input)} -> ${o.ret === undefined ? '?' : String(JSON.stringify(o.output))}`).join('\n')
}
