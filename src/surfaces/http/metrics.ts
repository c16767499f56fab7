/**
 * Prometheus exposition of `mesh.stats()` (prom-client), for `GET /v1/metrics`.
 */
import { Gauge, Registry } from 'prom-client'
import type { Mesh } from '../../index.js'

const registries = new WeakMap<Mesh, Registry>()

function registryFor (mesh: Mesh): Registry {
  let registry = registries.get(mesh)
  if (registry !== undefined) return registry
  registry = new Registry()
  const r = registry
  const gauge = (name: string, help: string, read: (s: ReturnType<Mesh['stats']>) => number): void => {
    // counters read from stats() at scrape time: exposed as gauges of monotonic values with _total names
    new Gauge({ name, help, registers: [r], collect () { this.set(read(mesh.stats())) } }) // eslint-disable-line no-new
  }
  gauge('meshkv_entries', 'Live entries held by this node', s => s.entries)
  gauge('meshkv_tombstones', 'Deleted or expired keys kept to stop older versions coming back', s => s.tombstones)
  gauge('meshkv_bytes', 'Approximate key characters plus value bytes of live entries', s => s.bytes)
  gauge('meshkv_peers', 'Connected peers in this mesh', s => s.peers)
  gauge('meshkv_gossip_messages_in_total', 'Gossip messages received', s => s.messagesIn)
  gauge('meshkv_gossip_messages_out_total', 'Gossip messages published', s => s.messagesOut)
  gauge('meshkv_gossip_entries_in_total', 'Entries received by gossip', s => s.entriesIn)
  gauge('meshkv_gossip_entries_out_total', 'Entries published by gossip', s => s.entriesOut)
  gauge('meshkv_sync_rounds_initiated_total', 'Anti-entropy rounds started', s => s.syncs.initiated)
  gauge('meshkv_sync_rounds_served_total', 'Anti-entropy rounds served', s => s.syncs.served)
  gauge('meshkv_sync_rounds_failed_total', 'Anti-entropy rounds that failed', s => s.syncs.failed)
  gauge('meshkv_expired_total', 'Entries that expired here', s => s.expired)
  gauge('meshkv_late_arrivals_total', 'Possible resurrections after the tombstone grace', s => s.lateArrivals)
  new Gauge({ // eslint-disable-line no-new
    name: 'meshkv_rejected_total',
    help: 'Network inputs refused, by reason',
    labelNames: ['reason'],
    registers: [r],
    collect () {
      for (const [reason, n] of Object.entries(mesh.stats().rejected)) if (reason !== 'total') this.set({ reason }, n)
    }
  })
  registries.set(mesh, registry)
  return registry
}

export async function metricsText (mesh: Mesh): Promise<string> {
  return registryFor(mesh).metrics()
}
