/**
 * Summarises a V8 CPU profile (`node --cpu-prof`): self time by package (or by file within
 * meshkv's src/) and the top functions. `npx tsx bench/profile.ts <file>.cpuprofile [top] [fromMs]`.
 */
import { readFileSync } from 'node:fs'

interface Node { id: number, callFrame: { functionName: string, url: string, lineNumber: number }, children?: number[] }
interface Profile { nodes: Node[], samples: number[], timeDeltas: number[], startTime: number, endTime: number }

/** Where a frame's code lives: a package, a meshkv source file, node internals, or the VM. */
export function place (url: string, name: string): string {
  if (url === '') return name === '(garbage collector)' || name === '(idle)' || name === '(program)' ? name : '(native)'
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)
  if (pkg !== null) return pkg[1]
  const src = /\/(src\/.*)$/.exec(url)
  if (src !== null) return src[1]
  if (url.startsWith('node:')) return 'node:' + url.slice(5).split('/')[0]
  return url
}

export function summarise (file: string, top = 25, fromMs = 0): { total: number, byPlace: Array<[string, number]>, byFunction: Array<[string, number]> } {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile
  const byId = new Map(p.nodes.map(n => [n.id, n]))
  const self = new Map<number, number>()
  let t = 0
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i] ?? 0
    if (t >= fromMs * 1000) self.set(p.samples[i], (self.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0))
  }
  const places = new Map<string, number>()
  const fns = new Map<string, number>()
  let total = 0
  for (const [id, us] of self) {
    const n = byId.get(id) as Node
    const where = place(n.callFrame.url, n.callFrame.functionName)
    total += us
    places.set(where, (places.get(where) ?? 0) + us)
    const fn = `${n.callFrame.functionName || '(anonymous)'} ${where}:${n.callFrame.lineNumber + 1}`
    fns.set(fn, (fns.get(fn) ?? 0) + us)
  }
  const sorted = (m: Map<string, number>): Array<[string, number]> => [...m].sort((a, b) => b[1] - a[1]).slice(0, top)
  return { total, byPlace: sorted(places), byFunction: sorted(fns) }
}

if (process.argv[1]?.endsWith('profile.ts') === true) {
  // [top] functions shown; [fromMs] skips the start (module loading, cluster start-up)
  const s = summarise(process.argv[2], Number(process.argv[3] ?? 25), Number(process.argv[4] ?? 0))
  const pct = (us: number): string => `${(100 * us / s.total).toFixed(1).padStart(5)} %`
  console.log(`total ${(s.total / 1000).toFixed(0)} ms sampled\n\nself time by place:`)
  for (const [k, us] of s.byPlace) console.log(`${pct(us)}  ${k}`)
  console.log('\nself time by function:')
  for (const [k, us] of s.byFunction) console.log(`${pct(us)}  ${k}`)
}
