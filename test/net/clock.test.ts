import { afterEach, describe, expect, it } from 'vitest'
import { ClockSkewError } from '../../src/index.js'
import { eventually, start, stopAll, type Node } from './helpers.js'

let nodes: Node[] = []
afterEach(async () => { await stopAll(nodes); nodes = [] })

/** Starts nodes whose clocks run `skews[i]` ms off the real one (changeable later), fully connected. */
async function startSkewed (skews: number[], first?: Node): Promise<{ nodes: Node[], clocks: Array<{ skew: number }> }> {
  const clocks = skews.map(skew => ({ skew }))
  const out: Node[] = []
  for (let i = 0; i < skews.length; i++) {
    if (i === 0 && first !== undefined) { out.push(first); continue }
    const c = clocks[i]
    out.push(await start({ clock: () => Date.now() + c.skew, bootstrap: out.length > 0 ? [out[0].mesh.multiaddrs[0]] : [] }))
  }
  for (let i = 1; i < out.length; i++) for (let j = i + 1; j < out.length; j++) await out[i].mesh.dial(out[j].mesh.multiaddrs[0])
  await eventually(() => out.every(n => n.mesh.peers().length === out.length - 1), 'every node sees the others')
  return { nodes: out, clocks }
}

interface ScoringPubsub { dumpPeerScoreStats: () => Record<string, { topics: Record<string, { invalidMessageDeliveries: number }> }> }
/**
 * The invalid-message count gossipsub holds against `peer` at `n` (what its score penalises;
 * read uncached, unlike the score itself, which is recomputed once a heartbeat).
 */
const invalidFrom = (n: Node, peer: Node): number => {
  const stats = (n.mesh.libp2p.services as { pubsub: ScoringPubsub }).pubsub.dumpPeerScoreStats()[peer.mesh.peerId]
  return Object.values(stats?.topics ?? {}).reduce((sum, t) => sum + t.invalidMessageDeliveries, 0)
}

describe('clocks that lie', () => {
  it('a node 5 minutes behind learns it, refuses its own writes, and penalises no honest peer for the writes it cannot date', async () => {
    const setup = await startSkewed([0, 0, -300_000])
    nodes = setup.nodes
    const [a, b, lagging] = nodes
    await eventually(() => lagging.mesh.stats().clock.level === 'skewed', 'the lagging node learns it is skewed')
    expect(lagging.mesh.stats().clock.offsetMs).toBeLessThan(-299_000)
    expect(lagging.mesh.stats().clock.offsetMs).toBeGreaterThan(-301_000)
    await eventually(() => [a, b].every(n => n.mesh.stats().clock.peers === 2), 'the honest nodes know both peers\' clocks')
    for (const n of [a, b]) expect(Math.abs(n.mesh.stats().clock.offsetMs)).toBeLessThan(1_000)
    await expect(lagging.mesh.set('k', 'v')).rejects.toBeInstanceOf(ClockSkewError)
    for (let i = 0; i < 30; i++) await (i % 2 === 0 ? a : b).mesh.set(`honest/${i}`, 'v', { ttl: 60_000 })
    await eventually(() => b.mesh.list({ prefix: 'honest/' }).keys.length === 30 && a.mesh.list({ prefix: 'honest/' }).keys.length === 30, 'honest nodes replicate')
    await eventually(() => lagging.mesh.stats().rejected.drift >= 10, 'the lagging node refuses what it cannot date')
    // a drift refusal is Ignored, not Rejected: nothing counts against the honest peers' gossipsub score
    for (const honest of [a, b]) expect(invalidFrom(lagging, honest)).toBe(0)
    // and they keep talking to each other and to it
    await a.mesh.set('after', 'still')
    expect((await b.mesh.waitFor('after', { timeout: 5_000 })).text()).toBe('still')
  })

  it('a node 5 minutes ahead is told, refuses writes, and after its clock is fixed refuses until the mesh catches up with what it stamped', async () => {
    const warnings: Error[] = []
    const onWarning = (w: Error): void => { if ((w as { code?: string }).code === 'MESHKV_CLOCK_SKEW') warnings.push(w) }
    process.on('warning', onWarning)
    try {
      const clock = { skew: 300_000 }
      const ahead = await start({ clock: () => Date.now() + clock.skew })
      nodes = [ahead]
      const early = await ahead.mesh.set('early', 'stamped 5 minutes ahead') // alone: nobody to compare with
      expect(early.wall).toBeGreaterThan(Date.now() + 299_000)
      const setup = await startSkewed([300_000, 0, 0], ahead)
      nodes = setup.nodes
      const [, a] = nodes
      await eventually(() => ahead.mesh.stats().clock.level === 'skewed', 'the ahead node learns it is skewed')
      expect(ahead.mesh.stats().clock.offsetMs).toBeGreaterThan(299_000)
      expect(ahead.mesh.stats().clock.offsetMs).toBeLessThan(301_000)
      await expect(ahead.mesh.set('k', 'v')).rejects.toMatchObject({ name: 'ClockSkewError' })
      await eventually(() => warnings.some(w => w.message.includes(ahead.mesh.peerId) && w.message.includes('refused')), 'a warning names the node and says its writes are refused')
      expect(a.mesh.has('early')).toBe(false) // nobody accepted it
      expect(invalidFrom(a, ahead)).toBe(0)

      clock.skew = 0 // NTP fixes the clock
      expect(ahead.mesh.stats().clock.level).toBe('ok') // the offset follows the step at once
      const err = await ahead.mesh.set('k', 'v').catch((e: unknown) => e)
      expect(err).toBeInstanceOf(ClockSkewError)
      expect((err as ClockSkewError).aheadMs).toBeGreaterThan(240_000) // its HLC stamped 5 minutes ahead, a few seconds ago
      expect((err as Error).message).toMatch(/writes resume in/)
    } finally {
      process.off('warning', onWarning)
    }
  })

  it('a writer 3 s behind (within maxDriftMs): its 2 s TTL write arrives alive and lives about 2 s on the others', async () => {
    const setup = await startSkewed([0, 0, -3_000])
    nodes = setup.nodes
    const [a, b, lagging] = nodes
    await eventually(() => lagging.mesh.stats().clock.peers === 2 && Math.abs(lagging.mesh.stats().clock.offsetMs + 3_000) < 200, 'the lagging writer estimates its offset')
    const written = Date.now()
    await lagging.mesh.set('short', 'v', { ttl: 2_000 })
    for (const n of [a, b]) {
      const e = await n.mesh.waitFor('short', { timeout: 1_500 })
      // it lives until about written + 2 s on this node's clock, not 3 s less
      expect(e.expiresAt! - written).toBeGreaterThan(1_800)
      expect(e.expiresAt! - written).toBeLessThan(2_200)
    }
  })
})
