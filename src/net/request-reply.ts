/**
 * Requests and replies, length-prefixed, one frame each way (the lease and quorum register
 * protocols). The asking side writes one frame and reads one on a stream it keeps open for the
 * next request to that peer (no dial or protocol negotiation per request: a quorum round's cost is
 * then its round trip); requests under way at once each take a stream of their own. The serving
 * side answers frames one after another until the asker closes the stream or it idles. Each side
 * is bounded by a timeout and a frame size; on the serving side anything malformed (an
 * InvalidMessageError from the handler) is counted and the stream aborted, and nothing is thrown
 * out of the handler. A peer that answers one request per stream and closes it (an older version)
 * is asked again on a fresh stream.
 */
import { lpStream, type LengthPrefixedStream } from '@libp2p/utils'
import type { Libp2p, PeerId, Stream } from '@libp2p/interface'
import type { Uint8ArrayList } from 'uint8arraylist'
import { InvalidMessageError } from '../core/errors.js'
import { deadline } from './deadline.js'
import type { NetCounters } from './metrics.js'

export interface ExchangeOptions {
  /** Largest frame either way, bytes. */
  maxFrameBytes: number
  /** The whole exchange (dial, write, read), ms. */
  timeoutMs: number
  signal?: AbortSignal
}

/** A serving side closes a stream that brought no request for this long. */
const IDLE_MS = 60_000
/** Streams kept open per peer and protocol (as many requests to one peer can run at once without a dial). */
const MAX_KEPT = 8

interface Kept { stream: Stream, lp: LengthPrefixedStream<Stream> }

/** Idle streams of each node, by peer and protocol. */
const keptStreams = new WeakMap<Libp2p, Map<string, Kept[]>>()

function keptFor (libp2p: Libp2p, key: string): Kept[] {
  let byKey = keptStreams.get(libp2p)
  if (byKey === undefined) keptStreams.set(libp2p, byKey = new Map())
  let list = byKey.get(key)
  if (list === undefined) byKey.set(key, list = [])
  return list
}

/** Sends the frame `encode` makes (just before it goes out) to `peer` and resolves with the reply frame. Throws on any failure or timeout. */
export async function exchange (libp2p: Libp2p, peer: PeerId, protocol: string, encode: () => Uint8Array, options: ExchangeOptions): Promise<Uint8ArrayList> {
  const limit = deadline(options.timeoutMs, options.signal)
  try {
    return await exchangeWithin(libp2p, peer, protocol, encode, options, limit.signal)
  } finally {
    limit.clear()
  }
}

async function exchangeWithin (libp2p: Libp2p, peer: PeerId, protocol: string, encode: () => Uint8Array, options: ExchangeOptions, signal: AbortSignal): Promise<Uint8ArrayList> {
  const kept = keptFor(libp2p, `${peer.toString()} ${protocol}`)
  for (let ch = kept.pop(); ch !== undefined; ch = kept.pop()) {
    if (ch.stream.status !== 'open' || ch.stream.writeStatus !== 'writable' || ch.stream.readStatus !== 'readable') continue
    try {
      return await once(ch, encode, signal, kept)
    } catch (err) {
      // the peer ended the stream before answering (it answers one request per stream, or it
      // idled out): the request was not served, so it is asked again; any other failure stands
      if (signal.aborted || (err as Error).name !== 'UnexpectedEOFError') throw err
    }
  }
  let stream: Stream | undefined
  try {
    stream = await libp2p.dialProtocol(peer, protocol, { signal })
    return await once({ stream, lp: lpStream(stream, { maxDataLength: options.maxFrameBytes }) }, encode, signal, kept)
  } catch (err) {
    stream?.abort(err instanceof Error ? err : new Error(String(err)))
    throw err
  }
}

/** One frame and its reply on `ch`, which is kept for the next request after (or aborted on failure). */
async function once (ch: Kept, encode: () => Uint8Array, signal: AbortSignal, kept: Kept[]): Promise<Uint8ArrayList> {
  try {
    await ch.lp.write(encode(), { signal })
    const reply = await ch.lp.read({ signal })
    if (kept.length < MAX_KEPT) kept.push(ch)
    else await ch.stream.close({ signal }).catch(() => {})
    return reply
  } catch (err) {
    ch.stream.abort(err instanceof Error ? err : new Error(String(err)))
    throw err
  }
}

/**
 * Serves requests on an inbound stream, one after another: reads a frame, writes what `answer`
 * returns, until the asker closes the stream or sends nothing for a minute. A frame that does not
 * fit, or an InvalidMessageError from `answer`, is counted under its reason in
 * `counters.rejected`; any failure aborts the stream. Never throws.
 */
export async function serveOnce (stream: Stream, options: { maxFrameBytes: number, timeoutMs: number, counters: NetCounters, what: string }, answer: (frame: Uint8ArrayList, signal: AbortSignal) => Promise<Uint8Array>): Promise<void> {
  try {
    const lp = lpStream(stream, { maxDataLength: options.maxFrameBytes })
    for (let first = true; ; first = false) {
      const wait = deadline(first ? options.timeoutMs : IDLE_MS)
      let frame: Uint8ArrayList
      try {
        frame = await lp.read({ signal: wait.signal })
      } catch (err) {
        // after the first request, the asker closing the stream (or leaving it idle) ends it
        if (!first && ((err as Error).name === 'UnexpectedEOFError' || wait.signal.aborted)) break
        if ((err as Error).name === 'AbortError' || wait.signal.aborted) throw err
        const oversized = /length/i.test((err as Error).name)
        throw new InvalidMessageError(oversized ? 'oversized' : 'malformed', `${options.what} frame cannot be read: ${(err as Error).message}`)
      } finally {
        wait.clear()
      }
      const limit = deadline(options.timeoutMs)
      try {
        await lp.write(await answer(frame, limit.signal), { signal: limit.signal })
      } finally {
        limit.clear()
      }
    }
    await stream.close({ signal: AbortSignal.timeout(options.timeoutMs) })
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
