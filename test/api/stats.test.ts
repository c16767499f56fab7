/** STATS_FIELDS is the one list of `stats()` numbers: the metrics come from it, the docs are held to it. */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { statAt, STATS_FIELDS, type MeshStats, type StatPath } from '../../src/api/stats.js'
import { createCounters } from '../../src/net/metrics.js'

const paths = Object.keys(STATS_FIELDS) as StatPath[]

describe('stats fields', () => {
  it('docs/api.md describes every field of stats() and every rejection reason', () => {
    const api = readFileSync('docs/api.md', 'utf8')
    const section = api.slice(api.indexOf('### `stats()`'), api.indexOf('## Errors'))
    const named = new Set([...section.matchAll(/`([\w-]+)`/g)].map(m => m[1]))
    const fields = new Set(paths.flatMap(p => p.split('.')))
    const reasons = Object.keys(createCounters().rejected)
    expect([...fields, ...reasons, 'rejected', 'digest', 'total'].filter(f => !named.has(f))).toEqual([])
  })

  it('metric names are distinct Prometheus names; counters end in _total', () => {
    const metrics = Object.values(STATS_FIELDS).map(f => f.metric)
    expect(new Set(metrics).size).toBe(metrics.length)
    for (const m of metrics) expect(m).toMatch(/^meshkv_[a-z_]+$/)
    const gauges = new Set(['entries', 'tombstones', 'bytes', 'peers', 'watches.active', 'undelivered', 'replication.undeliveredAtClose', 'acceptor.locks', 'acceptor.maxLocks', 'acceptor.recoveringUntil', 'registers.held', 'registers.maxRegisters', 'registers.amnesic', 'clock.offsetMs', 'clock.peers', 'clock.correctionMs'])
    for (const p of paths) expect(STATS_FIELDS[p].metric.endsWith('_total')).toBe(!gauges.has(p))
  })

  it('statAt reads top-level and nested numbers', () => {
    const s = { entries: 3, syncs: { initiated: 7 }, merges: { forgedClaims: 2 } } as unknown as MeshStats
    expect(statAt(s, 'entries')).toBe(3)
    expect(statAt(s, 'syncs.initiated')).toBe(7)
    expect(statAt(s, 'merges.forgedClaims')).toBe(2)
    expect(statAt({ acceptor: {} } as unknown as MeshStats, 'acceptor.recoveringUntil')).toBe(0)
  })
})
