/**
 * Hostile input: 100,000+ random and mutated messages into the gossip handler (the topic
 * validator) and 100,000+ frames into the sync protocol's parser, plus whole hostile sync sessions
 * through the real stream handler. No crash, no unhandled rejection, no change to valid state,
 * and the counters show the rejections.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { streamPair, lpStream } from '@libp2p/utils'
import type { GossipSub, Message, TopicValidatorFn } from '@libp2p/gossipsub'
import type { Libp2p } from '@libp2p/interface'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Entry } from '../../src/core/entry.js'
import { InvalidMessageError } from '../../src/core/errors.js'
import { Store } from '../../src/core/store.js'
import { encodeBatch, toWire, WIRE_VERSION } from '../../src/net/codec.js'
import { ArrivalDelay } from '../../src/net/arrival.js'
import { Gossip } from '../../src/net/gossip.js'
import { createCounters } from '../../src/net/metrics.js'
import { SyncFrame } from '../../src/net/proto/meshkv.js'
import { parseSyncFrame, SyncService } from '../../src/net/sync.js'
import { Prng } from '../../sim/prng.js'

const LIMITS = { maxKeyBytes: 1024, maxValueBytes: 64 * 1024, maxEntries: 16_384 }
let unhandled = 0
const onUnhandled = (): void => { unhandled++ }
beforeAll(() => { process.on('unhandledRejection', onUnhandled) })
afterAll(() => { process.off('unhandledRejection', onUnhandled) })

/** A store with valid state (keys valid/*), and a snapshot of it to compare against. */
function victim (): { store: Store, snapshot: () => string } {
  const store = new Store('12D3KooWVictimVictimVictimVictimVictimVictimVictim')
  for (let i = 0; i < 200; i++) store.set(`valid/${i}`, `value ${i}`, 3_600_000)
  const snapshot = (): string => store.list({ prefix: 'valid/' }).entries.map(e => `${e.key}=${e.text()}@${e.hlc}`).join('|')
  return { store, snapshot }
}

function mutate (rng: Prng, base: Uint8Array): Uint8Array {
  const b = Uint8Array.from(base)
  switch (rng.int(5)) {
    case 0: for (let i = rng.range(1, 8); i > 0 && b.length > 0; i--) b[rng.int(b.length)] ^= 1 << rng.int(8); return b
    case 1: return b.subarray(0, rng.int(b.length + 1))
    case 2: { const at = rng.int(b.length + 1); const junk = Uint8Array.from({ length: rng.range(1, 32) }, () => rng.int(256)); return Uint8Array.from([...b.subarray(0, at), ...junk, ...b.subarray(at)]) }
    case 3: { const at = rng.int(b.length + 1); return Uint8Array.from([...b.subarray(0, at), ...b.subarray(at / 2)]) }
    default: for (let i = 0; i < b.length; i++) if (rng.chance(0.02)) b[i] = 0xff; return b
  }
}

const randomBytes = (rng: Prng, max: number): Uint8Array => Uint8Array.from({ length: rng.int(max) }, () => rng.int(256))

function attackerEntries (rng: Prng, origin: string, now: number): Entry[] {
  return Array.from({ length: rng.range(1, 6) }, (_, i) => {
    const deleted = rng.chance(0.15)
    return new Entry({
      key: `zzzz/${rng.int(1000)}/${i}`,
      value: deleted ? new Uint8Array(0) : randomBytes(rng, 64),
      wall: now + rng.pick([-5_000, 0, 10, 120_000]), // some beyond the drift bound
      counter: rng.int(10),
      origin,
      expiresAt: deleted ? undefined : now + 600_000,
      deleted
    })
  })
}

describe('fuzz: hostile input never crashes, never corrupts', () => {
  it('100,000 random and mutated gossip messages through the topic validator', async () => {
    const rng = new Prng(20261122)
    const { store, snapshot } = victim()
    const before = snapshot()
    const counters = createCounters()
    const validators = new Map<string, TopicValidatorFn>()
    const pubsub = { topicValidators: validators, subscribe () {}, unsubscribe () {}, publish: async () => ({ recipients: [] }) } as unknown as GossipSub
    const gossip = new Gossip({ pubsub, topic: 't', store, counters, limits: LIMITS, arrivals: new ArrivalDelay() })
    gossip.start()
    const validate = validators.get('t')!
    const attacker = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    const valid = Array.from({ length: 50 }, () => encodeBatch(attackerEntries(rng, attacker.toString(), Date.now())))
    const results = { accept: 0, reject: 0, ignore: 0 }
    const N = 100_000
    for (let i = 0; i < N; i++) {
      const roll = rng.float()
      const data = roll < 0.3 ? randomBytes(rng, 512) : roll < 0.9 ? mutate(rng, rng.pick(valid)) : rng.pick(valid)
      const msg = (rng.chance(0.02) ? { type: 'unsigned', topic: 't', data } : { type: 'signed', from: attacker, topic: 't', data, sequenceNumber: 1n, signature: new Uint8Array(0), key: attacker.publicKey }) as Message
      const r = await validate(attacker, msg)
      results[r as keyof typeof results]++
    }
    console.log(`gossip fuzz: ${N} inputs, ${results.reject} rejected, ${results.accept} accepted (valid or harmlessly mutated), rejected by reason ${JSON.stringify(counters.rejected)}`)
    expect(results.accept + results.reject + results.ignore).toBe(N)
    expect(results.reject).toBeGreaterThan(N / 2)
    // every refusal is counted; drift refusals are Ignored (no score penalty), all others Rejected
    expect(results.ignore).toBe(counters.rejected.drift)
    expect(Object.values(counters.rejected).reduce((a, b) => a + b, 0)).toBe(results.reject + results.ignore)
    expect(snapshot()).toBe(before)
    expect(store.list({ prefix: 'zzzz/' }).keys.length).toBeGreaterThan(0) // valid attacker writes did land
    expect(unhandled).toBe(0)
  })

  it('100,000 random and mutated sync frames through the frame parser', () => {
    const rng = new Prng(7)
    const now = Date.now()
    const frames = Array.from({ length: 40 }, (_, i) => {
      const { origins, entries } = toWire(attackerEntries(rng, 'peer-' + i, now))
      return SyncFrame.encode({ version: WIRE_VERSION, kind: rng.pick([SyncFrame.Kind.PUSH, SyncFrame.Kind.SUMMARY]), bucketCount: 1024, buckets: new Uint8Array(0), diff: [rng.int(1024)], origins, entries, want: ['zzzz/1'], last: rng.chance(0.5) })
    })
    let rejected = 0
    let accepted = 0
    const N = 100_000
    for (let i = 0; i < N; i++) {
      const data = rng.chance(0.3) ? randomBytes(rng, 512) : mutate(rng, rng.pick(frames))
      try {
        parseSyncFrame(data, SyncFrame.Kind.PUSH, LIMITS, 1024)
        accepted++
      } catch (err) {
        expect(err).toBeInstanceOf(InvalidMessageError)
        rejected++
      }
    }
    console.log(`sync frame fuzz: ${N} inputs, ${rejected} rejected, ${accepted} parsed`)
    expect(rejected).toBeGreaterThan(N / 2)
  })

  it('hostile sync sessions through the real stream handler end the stream, count, and change nothing', async () => {
    const rng = new Prng(99)
    const { store, snapshot } = victim()
    const before = snapshot()
    const counters = createCounters()
    const sync = new SyncService({ mesh: 'default', libp2p: {} as Libp2p, store, counters, limits: LIMITS, timeoutMs: 2_000 })
    const digest = SyncFrame.encode({ version: WIRE_VERSION, kind: SyncFrame.Kind.DIGEST, bucketCount: 1024, buckets: new Uint8Array(8192), diff: [], origins: [], entries: [], want: [], last: false })
    const N = 600
    for (let i = 0; i < N; i++) {
      const [outbound, inbound] = await streamPair()
      const handled = sync.handle(inbound)
      const lp = lpStream(outbound)
      try {
        if (rng.chance(0.5)) {
          await lp.write(rng.chance(0.5) ? randomBytes(rng, 256) : mutate(rng, digest))
        } else {
          // a well-formed opening, then junk where the push should be
          await lp.write(digest)
          await lp.read({ signal: AbortSignal.timeout(2_000) }).catch(() => undefined)
          await lp.write(randomBytes(rng, 300))
        }
        await outbound.close().catch(() => {})
      } catch {
        // the handler may abort the stream under us: that is the point
      }
      await handled
    }
    console.log(`sync session fuzz: ${N} sessions, ${counters.syncs.failed} failed, rejected by reason ${JSON.stringify(counters.rejected)}`)
    expect(counters.syncs.failed).toBeGreaterThan(N / 4)
    expect(Object.values(counters.rejected).reduce((a, b) => a + b, 0)).toBeGreaterThan(0)
    expect(snapshot()).toBe(before)
    expect(unhandled).toBe(0)
  })
})
