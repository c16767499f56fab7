import { describe, expect, it } from 'vitest'
import { DROP_PREFIX, hiddenUnder, INBOX_PREFIX, isNamespaced, isReserved, LEASE_PREFIX, ownedPrefix, ownerOf, RESERVED_PREFIX } from '../../src/core/keys.js'

describe('key space', () => {
  it('meshkv keeps its own keys under @meshkv/: leases, drops, inboxes', () => {
    expect(RESERVED_PREFIX).toBe('@meshkv/')
    for (const p of [LEASE_PREFIX, DROP_PREFIX, INBOX_PREFIX]) expect(isReserved(p)).toBe(true)
    expect(isReserved('meshkv/x')).toBe(false)
    expect(isReserved('@meshkvx/')).toBe(false)
  })

  it('@<peer>/ names its owner; @meshkv/ and plain keys have none', () => {
    expect(ownerOf(`${ownedPrefix('12D3Koo')}presence/w1`)).toBe('12D3Koo')
    expect(ownerOf('@meshkv/lease/x')).toBeUndefined()
    expect(ownerOf('task:1')).toBeUndefined()
    expect(ownerOf('@/x')).toBeUndefined()
    expect(ownerOf('@nobody')).toBeUndefined()
  })

  it('list and watch show namespaced keys only under a namespaced prefix', () => {
    expect(isNamespaced('@a/b')).toBe(true)
    expect(hiddenUnder('@meshkv/lease/x', '')).toBe(true)
    expect(hiddenUnder('@peer/presence/x', '')).toBe(true)
    expect(hiddenUnder('@peer/presence/x', '@')).toBe(false)
    expect(hiddenUnder('@meshkv/drop/x', '@meshkv/')).toBe(false)
    expect(hiddenUnder('task:1', '')).toBe(false)
  })
})
