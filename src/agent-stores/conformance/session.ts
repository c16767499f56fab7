/**
 * The SessionStore part of the conformance suite: messages in order, kept apart, copied, cleared; and, when
 * the store pages, paging and watching from a cursor.
 */
import { expect } from 'vitest'
import type { TestMessage } from './fixture.js'
import { eventually, rejectsNamed, msg, isPaged, sleep, type Suite } from './suite.js'

export function sessionTests (c: Suite): void {
  const { describe, it } = c.runner
  const { agent, onReplicas, converge } = c
  describe('SessionStore', () => {
    it('an agent without messages has none', async () => {
      expect(await c.f.session.getMessages(agent())).toEqual([])
    })

    it('gives back every message added, oldest first, equal to what was added', async () => {
      const a = agent()
      const added = [msg(0), msg(1), { role: 'tool' as const, content: '', meta: { tags: ['a', 'b'], score: null } }, msg(3)]
      for (const m of added) await c.f.session.addMessage(a, m)
      expect(await c.f.session.getMessages(a)).toEqual(added)
      await onReplicas(async v => { expect(await v.session.getMessages(a)).toEqual(added) })
    })

    it('keeps a copy: changing a message after adding it, or the array read, changes nothing stored', async () => {
      const a = agent()
      const m = msg(1)
      await c.f.session.addMessage(a, m)
      m.content = 'changed'
      const read = await c.f.session.getMessages(a)
      read[0].content = 'changed too'
      read.push(msg(9))
      expect(await c.f.session.getMessages(a)).toEqual([msg(1)])
    })

    it('keeps agents apart, whatever their ids look like', async () => {
      const base = agent()
      const ids = [base, `${base}/x`, `${base} x`, `${base}%2Fx`, `${base}:é🙂`]
      for (const [i, id] of ids.entries()) await c.f.session.addMessage(id, msg(i))
      for (const [i, id] of ids.entries()) expect(await c.f.session.getMessages(id)).toEqual([msg(i)])
    })

    it('keeps every message of a burst of concurrent adds, in the order they were called', async () => {
      const a = agent()
      const added = Array.from({ length: 30 }, (_, i) => msg(i))
      await Promise.all(added.map(async m => c.f.session.addMessage(a, m)))
      expect(await c.f.session.getMessages(a)).toEqual(added)
      await onReplicas(async v => { expect(await v.session.getMessages(a)).toEqual(added) })
    })

    it('keeps every message written through several views (engines) at once', async () => {
      const a = agent()
      const added = c.views.flatMap((_, w) => Array.from({ length: 5 }, (_, i) => msg(w * 100 + i)))
      await Promise.all(c.views.map(async (v, w) => { for (let i = 0; i < 5; i++) await v.session.addMessage(a, msg(w * 100 + i)) }))
      const byN = (ms: TestMessage[]): TestMessage[] => [...ms].sort((x, y) => (x.n ?? 0) - (y.n ?? 0))
      for (const v of c.views) {
        await eventually(async () => {
          const got = await v.session.getMessages(a)
          expect(byN(got)).toEqual(byN(added))
          // each writer's own messages keep their order
          for (let w = 0; w < c.views.length; w++) expect(got.filter(m => Math.floor((m.n ?? 0) / 100) === w)).toEqual(added.slice(w * 5, w * 5 + 5))
        }, converge)
      }
      // and every view gives the same order
      const first = await c.views[0].session.getMessages(a)
      for (const v of c.views) expect(await v.session.getMessages(a)).toEqual(first)
    })

    it('clearMessages forgets that agent only, and the agent can start again', async () => {
      const a = agent()
      const b = agent()
      await c.f.session.addMessage(a, msg(1))
      await c.f.session.addMessage(a, msg(2))
      await c.f.session.addMessage(b, msg(3))
      await c.f.session.clearMessages(a)
      expect(await c.f.session.getMessages(a)).toEqual([])
      expect(await c.f.session.getMessages(b)).toEqual([msg(3)])
      await onReplicas(async v => { expect(await v.session.getMessages(a)).toEqual([]) })
      await c.f.session.addMessage(a, msg(4))
      expect(await c.f.session.getMessages(a)).toEqual([msg(4)])
      await onReplicas(async v => { expect(await v.session.getMessages(a)).toEqual([msg(4)]) })
    })

    it('refuses a bad agent id (InvalidKeyError) and a value JSON cannot carry (InvalidValueError)', async () => {
      await rejectsNamed(c.f.session.addMessage('', msg(1)), 'InvalidKeyError')
      await rejectsNamed(c.f.session.getMessages(42 as unknown as string), 'InvalidKeyError')
      await rejectsNamed(c.f.session.addMessage(agent(), 10n as unknown as TestMessage), 'InvalidValueError')
      await rejectsNamed(c.f.session.addMessage(agent(), undefined as unknown as TestMessage), 'InvalidValueError')
    })
  })

  describe('paging and watch', () => {
    it('pages a long history: pages of `limit`, in order, cursors increasing, together the whole history', async () => {
      if (!isPaged(c.f.session)) return
      const s = c.f.session
      const a = agent()
      const added = Array.from({ length: 250 }, (_, i) => msg(i))
      for (const m of added) await s.addMessage(a, m)
      const pages = []
      let after: string | undefined
      do {
        const page = await s.pageMessages(a, { after, limit: 100 })
        pages.push(page)
        after = page.next
      } while (after !== undefined)
      expect(pages.map(p => p.messages.length)).toEqual([100, 100, 50])
      const all = pages.flatMap(p => p.messages)
      expect(all.map(m => m.message)).toEqual(added)
      const cursors = all.map(m => m.cursor)
      expect([...cursors].sort()).toEqual(cursors)
      expect(new Set(cursors).size).toBe(cursors.length)
      expect(await s.pageMessages(a, { after: cursors[cursors.length - 1] })).toEqual({ messages: [] })
      expect((await s.pageMessages(a, { after: cursors[9], limit: 3 })).messages.map(m => m.message)).toEqual(added.slice(10, 13))
      expect((await s.pageMessages(a)).messages).toHaveLength(100)
    })

    it('refuses a page limit out of range (InvalidOptionError)', async () => {
      if (!isPaged(c.f.session)) return
      for (const limit of [0, -1, 1.5, 10_001, Number.NaN]) await rejectsNamed(c.f.session.pageMessages(agent(), { limit }), 'InvalidOptionError')
    })

    it('watch from a cursor gives what follows it, in order, on every view, and ends on abort', async () => {
      if (!isPaged(c.f.session)) return
      const a = agent()
      await c.f.session.addMessage(a, msg(0))
      const after = (await c.f.session.pageMessages(a)).messages[0].cursor
      const watchers = c.views.map(v => v.session).filter(isPaged).map(s => {
        const controller = new AbortController()
        const seen: TestMessage[] = []
        const done = (async () => {
          for await (const m of s.watchMessages(a, { after, signal: controller.signal })) {
            seen.push(m.message)
            if (seen.length === 3) controller.abort()
          }
        })()
        return { seen, done }
      })
      for (let i = 1; i <= 3; i++) await c.f.session.addMessage(a, msg(i))
      for (const w of watchers) {
        await w.done
        expect(w.seen).toEqual([msg(1), msg(2), msg(3)])
      }
    })

    it('watch without a cursor gives new messages only, not the history', async () => {
      if (!isPaged(c.f.session)) return
      const s = c.f.session
      const a = agent()
      await s.addMessage(a, msg(0))
      const controller = new AbortController()
      const seen: TestMessage[] = []
      const done = (async () => {
        for await (const m of s.watchMessages(a, { signal: controller.signal })) {
          seen.push(m.message)
          controller.abort()
        }
      })()
      // when the watch is in place is the store's business: add until it has seen one
      for (let i = 1; seen.length === 0 && i < 400; i++) {
        await s.addMessage(a, msg(i))
        await sleep(25)
      }
      controller.abort()
      await done
      expect(seen).toHaveLength(1)
      expect(seen[0].n).toBeGreaterThan(0)
    })

    it('watch from a cursor gives what follows it first, then new messages', async () => {
      if (!isPaged(c.f.session)) return
      const s = c.f.session
      const a = agent()
      for (let i = 0; i < 4; i++) await s.addMessage(a, msg(i))
      const { messages } = await s.pageMessages(a)
      const controller = new AbortController()
      const seen: TestMessage[] = []
      const done = (async () => {
        for await (const m of s.watchMessages(a, { after: messages[1].cursor, signal: controller.signal })) {
          seen.push(m.message)
          if (seen.length === 3) controller.abort()
        }
      })()
      await s.addMessage(a, msg(4))
      await done
      expect(seen).toEqual([msg(2), msg(3), msg(4)])
    })
  })
}
