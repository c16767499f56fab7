/**
 * Conditional writes: replica-local in gossip mode, compare-and-set on the register `kv/<key>` in
 * quorum mode (over the fake quorum engine), the committed value written to the store.
 */
import { describe, expect, it } from 'vitest'
import { ConditionFailedError, InvalidOptionError } from '../../../src/core/errors.js'
import { conditionalDelete, conditionalSet } from '../../../src/features/conditional/conditional.js'
import { Cluster } from './harness.js'

describe('conditional writes', () => {
  it('gossip mode: ifNotExists and ifValue are checked on this node\'s replica', async () => {
    const c = new Cluster(2)
    const [a, b] = c.replicas
    await conditionalSet(a.host, 'k', 'v1', { ifNotExists: true }, 10_000)
    await expect(conditionalSet(a.host, 'k', 'v2', { ifNotExists: true }, 10_000)).rejects.toBeInstanceOf(ConditionFailedError)
    await conditionalSet(b.host, 'k', 'v2', { ifNotExists: true }, 10_000) // b's replica has not seen it: replica-local
    await expect(conditionalSet(a.host, 'k', 'v3', { ifValue: 'nope' }, 10_000)).rejects.toBeInstanceOf(ConditionFailedError)
    await conditionalSet(a.host, 'k', 'v3', { ifValue: 'v1' }, 10_000)
    expect(a.store.get('k')?.text()).toBe('v3')
    await expect(conditionalDelete(a.host, 'k', { ifValue: 'v1' })).rejects.toBeInstanceOf(ConditionFailedError)
    await conditionalDelete(a.host, 'k', { ifValue: new TextEncoder().encode('v3') })
    expect(a.store.get('k')).toBeUndefined()
    await expect(conditionalDelete(a.host, 'k', { ifValue: 'v3' })).rejects.toBeInstanceOf(ConditionFailedError)
  })

  it('quorum mode: exactly one of many concurrent ifNotExists writers wins; the winner\'s value reaches the store', async () => {
    const c = new Cluster(3)
    const outcomes = await Promise.allSettled(c.replicas.flatMap((r, i) => [0, 1].map(async j => conditionalSet(r.host, 'leader', `n${i}.${j}`, { ifNotExists: true, mode: 'quorum' }, 10_000))))
    const won = outcomes.filter(o => o.status === 'fulfilled')
    expect(won).toHaveLength(1)
    for (const o of outcomes) if (o.status === 'rejected') expect(o.reason).toBeInstanceOf(ConditionFailedError)
    c.deliver()
    const value = (won[0] as PromiseFulfilledResult<{ text: () => string }>).value.text()
    for (const r of c.replicas) expect(r.store.get('leader')?.text()).toBe(value)
  })

  it('quorum mode: ifValue is a compare-and-set, so concurrent read-modify-writes never lose an update', async () => {
    const c = new Cluster(3)
    await conditionalSet(c.replicas[0].host, 'n', '0', { mode: 'quorum' }, 10_000)
    // each of 3 writers adds 1, 5 times, retrying on ConditionFailedError from its quorum read
    await Promise.all(c.replicas.map(async r => {
      for (let done = 0; done < 5;) {
        const cur = c.quorum.registers.get('kv/n') as { value: Uint8Array }
        const seen = new TextDecoder().decode(cur.value)
        try {
          await conditionalSet(r.host, 'n', String(Number(seen) + 1), { ifValue: seen, mode: 'quorum' }, 10_000)
          done++
        } catch (err) {
          if (!(err instanceof ConditionFailedError)) throw err
        }
        await new Promise(resolve => setImmediate(resolve))
      }
    }))
    expect(new TextDecoder().decode(c.quorum.registers.get('kv/n')?.value)).toBe('15')
    await conditionalDelete(c.replicas[1].host, 'n', { ifValue: '15', mode: 'quorum' })
    expect(c.quorum.registers.has('kv/n')).toBe(false)
    expect(c.replicas[1].store.get('n')).toBeUndefined()
  })

  it('quorum mode: a refused condition repairs a store copy that differs from the committed value (a writer that crashed before its store write)', async () => {
    const c = new Cluster(2)
    const [a, b] = c.replicas
    await conditionalSet(a.host, 'state', 'v1', { mode: 'quorum' }, 10_000)
    // v2 committed by the quorum, but its writer died before writing its store copy
    c.quorum.registers.set('kv/state', { value: new TextEncoder().encode('v2'), expiresAt: b.store.now() + 10_000 })
    c.deliver()
    expect(b.store.get('state')?.text()).toBe('v1')
    // b reads v1 from its store and tries to move on from it: refused, and its copy now shows v2
    await expect(conditionalSet(b.host, 'state', 'v3', { ifValue: 'v1', mode: 'quorum' }, 10_000)).rejects.toBeInstanceOf(ConditionFailedError)
    expect(b.store.get('state')?.text()).toBe('v2')
    await conditionalSet(b.host, 'state', 'v3', { ifValue: b.store.get('state')?.value, mode: 'quorum' }, 10_000)
    // a delete committed without its tombstone: a refused delete removes the stale copy
    c.quorum.registers.delete('kv/state')
    await expect(conditionalDelete(b.host, 'state', { ifValue: 'v3', mode: 'quorum' })).rejects.toBeInstanceOf(ConditionFailedError)
    expect(b.store.get('state')).toBeUndefined()
  })

  it('refuses ifNotExists with ifValue, and ifNotExists on a delete', async () => {
    const c = new Cluster(1)
    const h = c.replicas[0].host
    await expect(conditionalSet(h, 'k', 'v', { ifNotExists: true, ifValue: 'x' }, 1_000)).rejects.toBeInstanceOf(InvalidOptionError)
    await expect(conditionalDelete(h, 'k', { ifNotExists: true } as never)).rejects.toBeInstanceOf(InvalidOptionError)
  })
})
