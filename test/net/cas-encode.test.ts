/** A register request encoded once per request object, its time appended: the bytes the generated encoder writes. */
import { describe, expect, it } from 'vitest'
import type { CasRequest } from '../../src/core/caspaxos.js'
import { encodeRequest } from '../../src/net/cas-protocol.js'
import { WIRE_VERSION } from '../../src/net/codec.js'
import { CasRequest as WireRequest } from '../../src/net/proto/meshkv.js'

const ballot = { n: 1_234_567, id: 'proposer-id-16ch' }
const history = Array.from({ length: 128 }, (_, i) => ({ n: i + 1, id: `p${i % 5}` }))
const requests: CasRequest[] = [
  { type: 'prepare', key: 'counter/x', ballot },
  { type: 'prepare', key: 'counter/x', ballot, have: { n: 7, id: 'q' } },
  { type: 'accept', key: 'kv/ü', ballot, proposal: { state: { value: Uint8Array.of(1, 2, 3) }, history } },
  { type: 'accept', key: 'queue/q', ballot, proposal: { state: { value: new Uint8Array(0), expiresAt: 1_900_000_000_000 }, history: [] }, next: { n: 1_234_568, id: ballot.id } },
  { type: 'accept', key: 'set/s', ballot, proposal: { state: undefined, history: history.slice(0, 3) }, next: { n: 9, id: 'x' } }
]

describe('cas request encoding', () => {
  it('is byte for byte what the generated encoder writes, for each time, and decodes back', () => {
    for (const req of requests) {
      for (const time of [0, 1, 1_763_850_000_123, 2 ** 40]) {
        const bytes = encodeRequest(req, time)
        const p = req.type === 'accept' ? req.proposal : undefined
        const wire = {
          version: WIRE_VERSION,
          kind: req.type === 'prepare' ? WireRequest.Kind.PREPARE : WireRequest.Kind.ACCEPT,
          key: req.key,
          ballot: req.ballot,
          proposal: p === undefined ? undefined : { present: p.state !== undefined, value: p.state?.value ?? new Uint8Array(0), expiresAt: p.state?.expiresAt ?? 0, history: p.history },
          next: req.type === 'accept' ? req.next : undefined,
          have: req.type === 'prepare' ? req.have : undefined,
          time
        }
        expect([...bytes]).toEqual([...WireRequest.encode(wire as WireRequest)])
        expect(WireRequest.decode(bytes).time).toBe(time)
      }
    }
  })
})
