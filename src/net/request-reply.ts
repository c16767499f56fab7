/**
 * One request and one reply per stream, length-prefixed (the lease and quorum register
 * protocols). The asking side dials, writes one frame, reads one and closes; the serving side
 * reads one frame, answers, closes. Each side is bounded by a timeout and a frame size; on the
 * serving side anything malformed (an InvalidMessageError from the handler) is counted and the
 * stream aborted, and nothing is thrown out of the handler.
 */
import { lpStream } from '@libp2p/utils'
import type { Libp2p, PeerId, Stream } from '@libp2p/interface'
import type { Uint8ArrayList } from 'uint8arraylist'
import { InvalidMessageError } from '../core/errors.js'
import type { NetCounters } from './metrics.js'

export interface ExchangeOptions {
  /** Largest frame either way, bytes. */
  maxFrameBytes: number
  /** The whole exchange (dial, write, read), ms. */
  timeoutMs: number
  signal?: AbortSignal
}

/** Sends the frame `encode` makes (just before it goes out) to `peer` and resolves with the reply frame. Throws on any failure or timeout. */
export async function exchange (libp2p: Libp2p, peer: PeerId, protocol: string, encode: () => Uint8Array, options: ExchangeOptions): Promise<Uint8ArrayList> {
  const timeout = AbortSignal.timeout(options.timeoutMs)
  const signal = options.signal === undefined ? timeout : AbortSignal.any([options.signal, timeout])
  let stream: Stream | undefined
  try {
    stream = await libp2p.dialProtocol(peer, protocol, { signal })
    const lp = lpStream(stream, { maxDataLength: options.maxFrameBytes })
    await lp.write(encode(), { signal })
    const reply = await lp.read({ signal })
    await stream.close({ signal }).catch(() => {})
    return reply
  } catch (err) {
    stream?.abort(err instanceof Error ? err : new Error(String(err)))
    throw err
  }
}

/**
 * Serves one request on an inbound stream: reads a frame, writes what `answer` returns. A frame
 * that does not fit, or an InvalidMessageError from `answer`, is counted under its reason in
 * `counters.rejected`; any failure aborts the stream. Never throws.
 */
export async function serveOnce (stream: Stream, options: { maxFrameBytes: number, timeoutMs: number, counters: NetCounters, what: string }, answer: (frame: Uint8ArrayList, signal: AbortSignal) => Promise<Uint8Array>): Promise<void> {
  const signal = AbortSignal.timeout(options.timeoutMs)
  try {
    const lp = lpStream(stream, { maxDataLength: options.maxFrameBytes })
    let frame: Uint8ArrayList
    try {
      frame = await lp.read({ signal })
    } catch (err) {
      if ((err as Error).name === 'AbortError' || signal.aborted) throw err
      const oversized = /length/i.test((err as Error).name)
      throw new InvalidMessageError(oversized ? 'oversized' : 'malformed', `${options.what} frame cannot be read: ${(err as Error).message}`)
    }
    await lp.write(await answer(frame, signal), { signal })
    await stream.close({ signal })
  } catch (err) {
    if (err instanceof InvalidMessageError) options.counters.rejected[err.reason]++
    stream.abort(err instanceof Error ? err : new Error(String(err)))
  }
}

/** Decodes a frame with `decode`, turning any failure into a counted InvalidMessageError. */
export function decodeFrame<T> (decode: () => T, what: string): T {
  try {
    return decode()
  } catch (err) {
    throw new InvalidMessageError('malformed', `${what} does not decode: ${(err as Error).message}`)
  }
}
