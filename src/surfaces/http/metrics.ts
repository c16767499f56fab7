/**
 * Prometheus exposition of `mesh.stats()` (prom-client), for `GET /v1/metrics`: one metric per row
 * of STATS_FIELDS, plus the rejections by reason.
 */
import { Gauge, Registry } from 'prom-client'
import { REJECTED_FIELD, statAt, STATS_FIELDS, type Mesh, type StatPath } from '../../index.js'

const registries = new WeakMap<Mesh, Registry>()

function registryFor (mesh: Mesh): Registry {
  let registry = registries.get(mesh)
  if (registry !== undefined) return registry
  registry = new Registry()
  const r = registry
  // counters read from stats() at scrape time: exposed as gauges of monotonic values with _total names
  for (const [path, { metric, help }] of Object.entries(STATS_FIELDS) as Array<[StatPath, { metric: string, help: string }]>) {
    new Gauge({ name: metric, help, registers: [r], collect () { this.set(statAt(mesh.stats(), path)) } }) // eslint-disable-line no-new
  }
  new Gauge({ // eslint-disable-line no-new
    name: REJECTED_FIELD.metric,
    help: REJECTED_FIELD.help,
    labelNames: [REJECTED_FIELD.label],
    registers: [r],
    collect () {
      for (const [reason, n] of Object.entries(mesh.stats().rejected)) if (reason !== 'total') this.set({ [REJECTED_FIELD.label]: reason }, n)
    }
  })
  registries.set(mesh, registry)
  return registry
}

export async function metricsText (mesh: Mesh): Promise<string> {
  return registryFor(mesh).metrics()
}
