/**
 * Prometheus exposition of `mesh.stats()` (prom-client), for `GET /v1/metrics`: one metric per row
 * of STATS_FIELDS, plus the rejections by reason.
 */
import { Counter, Gauge, Registry } from 'prom-client'
import { CLOCK_SKEWED_FIELD, REJECTED_FIELD, statAt, STATS_FIELDS, type Mesh, type StatPath } from '../../index.js'

const registries = new WeakMap<Mesh, Registry>()

function registryFor (mesh: Mesh): Registry {
  let registry = registries.get(mesh)
  if (registry !== undefined) return registry
  registry = new Registry()
  const r = registry
  // every number is read from stats() at scrape time: the monotonic counts (named `_total`, as
  // Prometheus names counters) as counters, set by resetting to 0 and adding the count (prom-client's
  // way for a count kept elsewhere); the levels as gauges
  for (const [path, { metric, help }] of Object.entries(STATS_FIELDS) as Array<[StatPath, { metric: string, help: string }]>) {
    const read = (): number => statAt(mesh.stats(), path)
    if (metric.endsWith('_total')) new Counter({ name: metric, help, registers: [r], collect () { this.reset(); this.inc(read()) } }) // eslint-disable-line no-new
    else new Gauge({ name: metric, help, registers: [r], collect () { this.set(read()) } }) // eslint-disable-line no-new
  }
  new Counter({ // eslint-disable-line no-new
    name: REJECTED_FIELD.metric,
    help: REJECTED_FIELD.help,
    labelNames: [REJECTED_FIELD.label],
    registers: [r],
    collect () {
      this.reset()
      for (const [reason, n] of Object.entries(mesh.stats().rejected)) if (reason !== 'total') this.inc({ [REJECTED_FIELD.label]: reason }, n)
    }
  })
  new Gauge({ name: CLOCK_SKEWED_FIELD.metric, help: CLOCK_SKEWED_FIELD.help, registers: [r], collect () { this.set(mesh.stats().clock.level === 'skewed' ? 1 : 0) } }) // eslint-disable-line no-new
  registries.set(mesh, registry)
  return registry
}

export async function metricsText (mesh: Mesh): Promise<string> {
  return registryFor(mesh).metrics()
}
