/**
 * A fresh node's reads wait, bounded, for its first anti-entropy round (`mesh.ready()`), so that
 * it does not answer "absent" for a key its peers hold: GET and HEAD /v1/data, which check this
 * in the handler (no hook once caught up), as much as the routes that hold a read in a preHandler.
 * The mesh here is a stand-in whose round ends when the test says so.
 */
import { describe, expect, it } from 'vitest'
import { Entry, type Mesh } from '../../../src/index.js'
import { createHttpServer } from '../../../src/surfaces/http/server.js'

/** A mesh that holds `k` and has not caught up until `catchUp()`; `asked` resolves once a read waits for it. */
function freshMesh (readyFails = false): { mesh: Mesh, reads: string[], asked: Promise<void>, catchUp: () => void } {
  let asked!: () => void
  let caught!: () => void
  const askedP = new Promise<void>(resolve => { asked = resolve })
  const caughtP = new Promise<void>(resolve => { caught = resolve })
  const reads: string[] = []
  const entry = new Entry({ key: 'k', value: new TextEncoder().encode('held'), wall: Date.now(), counter: 0, origin: 'peer', expiresAt: Date.now() + 60_000 })
  const stub = {
    limits: { maxKeyBytes: 1024, maxValueBytes: 1024, defaultTtlMs: 60_000, maxTtlMs: 60_000 },
    caughtUp: false,
    ready: async (): Promise<void> => {
      asked()
      if (readyFails) throw new Error('timed out')
      await caughtP
    },
    get: (key: string) => { reads.push(key); return key === 'k' ? entry : undefined },
    list: () => { reads.push('(list)'); return { keys: ['k'] } }
  }
  return { mesh: stub as unknown as Mesh, reads, asked: askedP, catchUp: () => { stub.caughtUp = true; caught() } }
}

describe('reads on a node that has not caught up yet', () => {
  it.each([
    ['GET', '/v1/data/k', 'k'],
    ['HEAD', '/v1/data/k', 'k'],
    ['GET', '/v1/keys', '(list)']
  ])('%s %s waits for the first anti-entropy round, then answers what the node holds', async (method, url, read) => {
    const { mesh, reads, asked, catchUp } = freshMesh()
    const app = createHttpServer(mesh, { catchUpMs: 60_000 })
    try {
      const answer = app.inject({ method: method as 'GET' | 'HEAD', url })
      expect(await Promise.race([asked.then(() => 'waited'), answer.then(() => 'answered')])).toBe('waited')
      expect(reads).toEqual([]) // nothing read while the round is under way
      catchUp()
      const res = await answer
      expect(res.statusCode).toBe(200)
      expect(reads).toEqual([read])
      if (url === '/v1/data/k') {
        expect(res.headers['content-type']).toBe('application/octet-stream')
        expect(res.headers['content-length']).toBe('4')
        expect(res.body).toBe(method === 'GET' ? 'held' : '')
      }
    } finally {
      await app.close()
    }
  })

  it('answers from what the node holds once the bound has passed (the round never ended)', async () => {
    const { mesh, reads, asked } = freshMesh(true)
    const app = createHttpServer(mesh, { catchUpMs: 60_000 })
    try {
      const answer = app.inject({ method: 'GET', url: '/v1/data/absent' })
      expect(await Promise.race([asked.then(() => 'waited'), answer.then(() => 'answered')])).toBe('waited')
      const res = await answer
      expect(res.statusCode).toBe(404)
      expect(res.json()).toMatchObject({ name: 'NotFoundError' })
      expect(reads).toEqual(['absent'])
    } finally {
      await app.close()
    }
  })

  it('does not wait at all with catchUpMs 0', async () => {
    const { mesh, reads } = freshMesh()
    const app = createHttpServer(mesh, { catchUpMs: 0 })
    try {
      // ready() would never resolve: an answer at all shows it was not waited for
      expect((await app.inject({ method: 'GET', url: '/v1/data/k' })).body).toBe('held')
      expect((await app.inject({ method: 'HEAD', url: '/v1/data/k' })).statusCode).toBe(200)
      expect(reads).toEqual(['k', 'k'])
    } finally {
      await app.close()
    }
  })
})
