import { describe, expect, it } from 'vitest'
import { meshOptions, resolveSettings } from '../../../src/surfaces/cli/daemon.js'

describe('daemon quorum settings', () => {
  it('--quorum-members names the members', () => {
    expect(meshOptions(resolveSettings({ quorumMembers: 'a,b,c' }, {})).quorum).toEqual({ members: ['a', 'b', 'c'] })
    expect(meshOptions(resolveSettings({}, {})).quorum).toBeUndefined()
  })

  it('the removed quorum size (MESHKV_QUORUM_SIZE, or quorumSize in a config file) is refused, pointing to the members', () => {
    expect(() => resolveSettings({}, { MESHKV_QUORUM_SIZE: '3' })).toThrow(/quorum size was removed.*--quorum-members/)
  })
})
