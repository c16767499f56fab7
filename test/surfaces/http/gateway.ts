/**
 * One loopback node behind the HTTP gateway for a whole test file: started before its tests,
 * closed after them. Read `base` and `mesh` inside tests (they are set once the node is up).
 */
import { afterAll, beforeAll } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { createMesh, type Mesh } from '../../../src/index.js'
import { createHttpServer } from '../../../src/surfaces/http/server.js'

export interface Gateway {
  /** `http://127.0.0.1:<port>` */
  base: string
  mesh: Mesh
}

export function gatewayPerFile (): Gateway {
  const g = { base: '', mesh: undefined as unknown as Mesh }
  let app: FastifyInstance | undefined
  beforeAll(async () => {
    g.mesh = await createMesh({ listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false })
    app = createHttpServer(g.mesh)
    await app.listen({ host: '127.0.0.1', port: 0 })
    g.base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`
  })
  afterAll(async () => { await app?.close(); await g.mesh?.close() })
  return g
}
