/**
 * The lifetime of a request that outlasts its body: server-sent event streams (watch, elect,
 * heartbeat) and long waits (lock `wait`, `/v1/wait`, drops). A request's own `close` fires as
 * soon as its body has been read, so the client's departure is watched on the reply: its socket
 * closing before the answer was sent. Open streams and waits are registered with the server, which
 * ends them when it closes (the daemon's stop), so a stop never waits on a client.
 */
import type { FastifyReply } from 'fastify'
import { MeshClosedError } from '../../index.js'
import { ClientGoneError } from '../shared/errors.js'

/** The streams and waits open on one server; `closeAll` ends them (the server is closing). */
export class OpenStreams {
  private readonly open = new Set<AbortController>()
  /** Whether the server is closing (answers then close their connection). */
  closed = false

  /** Streams and waits open now. */
  get size (): number {
    return this.open.size
  }

  /** Registers a stream or wait: its controller aborts (with MeshClosedError) when the server closes. */
  add (controller: AbortController): () => void {
    if (this.closed) controller.abort(new MeshClosedError('the server is closing'))
    this.open.add(controller)
    return () => { this.open.delete(controller) }
  }

  closeAll (): void {
    this.closed = true
    for (const c of this.open) c.abort(new MeshClosedError('the server is closing'))
    this.open.clear()
  }
}

/**
 * A controller for a request that outlasts its body: aborts with ClientGoneError when the client
 * goes before the answer was sent (its connection closed), or with MeshClosedError when the
 * server closes. `done` unregisters it.
 */
function lifetime (reply: FastifyReply, streams: OpenStreams): { controller: AbortController, done: () => void } {
  const controller = new AbortController()
  const res = reply.raw
  const onClose = (): void => {
    if (!res.writableFinished) controller.abort(new ClientGoneError('the client closed its connection'))
  }
  if (res.destroyed) onClose()
  else res.once('close', onClose)
  const unregister = streams.add(controller)
  return { controller, done: () => { res.off('close', onClose); unregister() } }
}

/**
 * Runs a long wait for the client (`fn` gets the signal to pass on) for as long as the client is
 * connected and the server open. A failure caused by that ending is rethrown as its reason
 * (ClientGoneError, MeshClosedError), so a waiting client told of a stop gets a 503.
 */
export async function whileConnected<T> (reply: FastifyReply, streams: OpenStreams, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const { controller, done } = lifetime(reply, streams)
  try {
    return await fn(controller.signal)
  } catch (err) {
    throw controller.signal.aborted ? controller.signal.reason as Error : err
  } finally {
    done()
  }
}

export interface EventStream {
  /** Sends one event; resolves once the socket took it, waiting for `drain` when the client reads slowly. */
  send: (event: string, data: unknown) => Promise<void>
  /** Aborts when the stream must end: the client left (reason ClientGoneError) or the server is closing (MeshClosedError). */
  signal: AbortSignal
  /** Resolves when `signal` aborts. */
  ended: Promise<void>
  /** Ends the response (idempotent) and unregisters the stream. */
  end: () => void
}

/** Idle streams send a comment this often, so a TCP client that vanished without closing is found. */
const KEEPALIVE_MS = 15_000

/** Starts a server-sent events response on `reply`, registered in `streams`. */
export function eventStream (reply: FastifyReply, streams: OpenStreams): EventStream {
  reply.hijack()
  const res = reply.raw
  const { controller, done } = lifetime(reply, streams)
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' })
  res.write(': meshkv\n\n')
  const keepalive = setInterval(() => { if (!res.writableEnded && !res.writableNeedDrain) res.write(': keepalive\n\n') }, KEEPALIVE_MS)
  keepalive.unref()
  const ended = new Promise<void>(resolve => {
    if (controller.signal.aborted) resolve()
    else controller.signal.addEventListener('abort', () => { resolve() }, { once: true })
  })
  const drained = async (): Promise<void> => new Promise<void>(resolve => {
    if (res.writableEnded || res.destroyed || !res.writableNeedDrain) { resolve(); return }
    const settle = (): void => { res.off('drain', settle); res.off('close', settle); resolve() }
    res.on('drain', settle)
    res.on('close', settle)
  })
  return {
    send: async (event, data) => {
      if (res.writableEnded || res.destroyed) return
      if (!res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`)) await drained()
    },
    signal: controller.signal,
    ended,
    end: () => {
      clearInterval(keepalive)
      done()
      if (res.writableEnded) return
      // a closing server does not wait for the client to drop its idle keep-alive connection
      const socket = res.socket
      if (controller.signal.reason instanceof MeshClosedError) res.end(() => { socket?.end() })
      else res.end()
    }
  }
}
