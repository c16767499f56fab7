/**
 * The StateStore part of the conformance suite: state read back as a copy, bad input refused, and,
 * when versioned, conditional writes and updates that lose nothing.
 */
import { expect } from 'vitest'
import type { TestState } from './fixture.js'
import type { VersionedStateStore } from '../types.js'
import { eventually, rejectsNamed, isVersioned, type Suite } from './suite.js'

export function stateTests (c: Suite): void {
  const { describe, it } = c.runner
  const { agent, onReplicas, converge, atomic } = c
  describe('StateStore', () => {
    it('an agent without state has undefined; a state set reads back equal, as a copy', async () => {
      const a = agent()
      expect(await c.f.state.getState(a)).toBeUndefined()
      const s: TestState = { step: 1, notes: ['a', 'ü'] }
      await c.f.state.setState(a, s)
      s.notes.push('changed')
      expect(await c.f.state.getState(a)).toEqual({ step: 1, notes: ['a', 'ü'] })
      await c.f.state.setState(a, { step: 2, notes: [], done: true })
      expect(await c.f.state.getState(a)).toEqual({ step: 2, notes: [], done: true })
      await onReplicas(async v => { expect(await v.state.getState(a)).toEqual({ step: 2, notes: [], done: true }) })
    })

    it('refuses a bad agent id and a state JSON cannot carry', async () => {
      await rejectsNamed(c.f.state.setState('', { step: 1, notes: [] }), 'InvalidKeyError')
      await rejectsNamed(c.f.state.setState(agent(), (() => 1) as unknown as TestState), 'InvalidValueError')
    })

    it('a write conditional on the version read fails (VersionConflictError) once another writer changed it', async () => {
      if (!isVersioned(c.f.state)) return
      const s = c.f.state
      const a = agent()
      expect(await s.getVersioned(a)).toBeUndefined()
      const v1 = await s.putState(a, { step: 1, notes: [] }, { ifVersion: null })
      await rejectsNamed(s.putState(a, { step: 9, notes: [] }, { ifVersion: null }), 'VersionConflictError')
      expect(await s.getVersioned(a)).toEqual({ state: { step: 1, notes: [] }, version: v1 })
      const other = ((atomic ? c.f.replicas?.[0]?.state : undefined) ?? s) as VersionedStateStore<TestState>
      let seen: string | undefined
      await eventually(async () => { seen = (await other.getVersioned(a))?.version; expect(seen).toBe(v1) }, converge)
      const v2 = await other.putState(a, { step: 2, notes: ['other'] }, { ifVersion: v1 })
      expect(v2).not.toBe(v1)
      await rejectsNamed(s.setState(a, { step: 3, notes: ['lost'] }, { ifVersion: v1 }), 'VersionConflictError')
      await eventually(async () => { expect(await s.getVersioned(a)).toEqual({ state: { step: 2, notes: ['other'] }, version: v2 }) }, converge)
      await s.setState(a, { step: 3, notes: ['kept'] }, { ifVersion: v2 })
      expect(await s.getState(a)).toEqual({ step: 3, notes: ['kept'] })
    })

    it('a version never comes back: clear then set again does not match the old version', async () => {
      if (!isVersioned(c.f.state)) return
      const s = c.f.state
      const a = agent()
      const v1 = await s.putState(a, { step: 1, notes: [] })
      await s.clearState(a, { ifVersion: v1 })
      expect(await s.getState(a)).toBeUndefined()
      await s.putState(a, { step: 1, notes: [] })
      await rejectsNamed(s.setState(a, { step: 2, notes: [] }, { ifVersion: v1 }), 'VersionConflictError')
      await rejectsNamed(s.clearState(a, { ifVersion: v1 }), 'VersionConflictError')
      expect(await s.getState(a)).toEqual({ step: 1, notes: [] })
    })

    it('concurrent updateState from every view loses no update', async () => {
      if (!isVersioned(c.f.state)) return
      const a = agent()
      const stores = (atomic ? c.views : [c.f]).map(v => v.state).filter(isVersioned)
      const per = 4
      // safety, not liveness: an update that resolved is never lost; one that failed with the
      // store's named "no majority / contended" error (QuorumUnavailableError) may or may not be in
      const resolved: string[] = []
      await Promise.all(stores.map(async (s, w) => {
        for (let i = 0; i < per; i++) {
          const note = `${w}.${i}`
          try {
            await s.updateState(a, cur => ({ step: (cur?.step ?? 0) + 1, notes: [...(cur?.notes ?? []), note] }), { attempts: 100 })
            resolved.push(note)
          } catch (err) {
            if ((err as Error).name !== 'QuorumUnavailableError') throw err
          }
        }
      }))
      expect(resolved.length).toBeGreaterThan(0)
      const attempted = stores.flatMap((_, w) => Array.from({ length: per }, (_, i) => `${w}.${i}`))
      for (const s of stores) {
        await eventually(async () => {
          const got = await s.getState(a)
          const notes = got?.notes ?? []
          expect(notes.filter(n => resolved.includes(n)).sort()).toEqual([...resolved].sort())
          expect(notes.every(n => attempted.includes(n))).toBe(true)
          expect(new Set(notes).size).toBe(notes.length)
          expect(got?.step).toBe(notes.length)
        }, converge)
      }
    })
  })
}
