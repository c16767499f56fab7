/**
 * One HTTP/1.1 exchange with the local daemon over its Unix socket: the request written at once
 * with `Connection: close`, the whole response read until the daemon closes it, then parsed. This is
 * what a CLI command sends on every start, and node:http costs a quarter of a bare Node start to
 * load and set up (its server half, agent and parser bindings), so the client speaks the
 * protocol's small subset it needs: a status line, headers, and a body framed by Content-Length,
 * chunked transfer coding, or the close. Anything else is an error, never a guess. Streams
 * (watch, elect, heartbeat) still use node:http (client.ts).
 */
import * as builtin from './builtin.js'

export interface Response1 {
  status: number
  /** lower-case names; a repeated header's values joined with ", " (set-cookie: an array), as node:http does */
  headers: Record<string, string | string[] | undefined>
  body: Buffer
}

/** The daemon's answer could not be read as HTTP/1.1. */
export class MalformedResponseError extends Error {
  static override name = 'MalformedResponseError'
  override name = 'MalformedResponseError'
}

const HEAD_END = Buffer.from('\r\n\r\n')

/** Parses a complete response (everything the server sent before closing). */
export function parseResponse (data: Buffer, method: string): Response1 {
  const end = data.indexOf(HEAD_END)
  if (end < 0) throw new MalformedResponseError(`the response ended inside its head (${data.length} bytes)`)
  const lines = data.subarray(0, end).toString('latin1').split('\r\n')
  const m = /^HTTP\/1\.[01] (\d{3})(?: [^\r\n]*)?$/.exec(lines[0])
  if (m === null) throw new MalformedResponseError(`not an HTTP/1.x status line: ${JSON.stringify(lines[0].slice(0, 80))}`)
  const status = Number(m[1])
  const headers: Record<string, string | string[] | undefined> = {}
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':')
    if (colon <= 0) throw new MalformedResponseError(`not a header line: ${JSON.stringify(line.slice(0, 80))}`)
    const name = line.slice(0, colon).trim().toLowerCase()
    const value = line.slice(colon + 1).trim()
    const had = headers[name]
    if (name === 'set-cookie') headers[name] = [...(had as string[] | undefined ?? []), value]
    else headers[name] = had === undefined ? value : `${had as string}, ${value}`
  }
  const rest = data.subarray(end + HEAD_END.length)
  if (method === 'HEAD' || status === 204 || status === 304 || status < 200) return { status, headers, body: Buffer.alloc(0) }
  const coding = headers['transfer-encoding']
  if (coding !== undefined) {
    if (String(coding).toLowerCase() !== 'chunked') throw new MalformedResponseError(`unsupported transfer-encoding: ${String(coding)}`)
    return { status, headers, body: dechunk(rest) }
  }
  const length = headers['content-length']
  if (length === undefined) return { status, headers, body: rest }
  if (!/^\d+$/.test(String(length))) throw new MalformedResponseError(`bad content-length: ${String(length)}`)
  const n = Number(length)
  if (rest.length < n) throw new MalformedResponseError(`the body ended after ${rest.length} of ${n} bytes`)
  return { status, headers, body: rest.subarray(0, n) }
}

/** The body of a chunked response (trailers ignored). */
function dechunk (data: Buffer): Buffer {
  const parts: Buffer[] = []
  let at = 0
  for (;;) {
    const eol = data.indexOf('\r\n', at)
    if (eol < 0) throw new MalformedResponseError('the chunked body ended inside a chunk size')
    const size = /^([0-9a-fA-F]+)(;.*)?$/.exec(data.subarray(at, eol).toString('latin1'))
    if (size === null) throw new MalformedResponseError('bad chunk size line')
    const n = parseInt(size[1], 16)
    if (n === 0) return Buffer.concat(parts)
    const start = eol + 2
    if (data.length < start + n + 2 || data[start + n] !== 13 || data[start + n + 1] !== 10) throw new MalformedResponseError('a chunk is truncated or not followed by CRLF')
    parts.push(data.subarray(start, start + n))
    at = start + n + 2
  }
}

/**
 * Sends one request over a new connection to `socketPath` and resolves with the parsed response.
 * Rejects with the socket's error (ENOENT, ECONNREFUSED, … on `code`), a MalformedResponseError,
 * or `signal`'s reason.
 */
export async function exchange (socketPath: string, method: string, path: string, headers: Record<string, string>, body: Buffer | undefined, signal?: AbortSignal): Promise<Response1> {
  signal?.throwIfAborted()
  if (!/^[\x21-\x7e]+$/.test(path)) throw new TypeError(`the request path must be percent-encoded ASCII, got ${JSON.stringify(path.slice(0, 80))}`)
  let head = `${method} ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n`
  for (const [name, value] of Object.entries(headers)) {
    if (/[\r\n]/.test(name + value)) throw new TypeError(`header ${name} contains a line break`)
    head += `${name}: ${value}\r\n`
  }
  if (body !== undefined || method === 'POST' || method === 'PUT') head += `Content-Length: ${body?.length ?? 0}\r\n`
  const request = body === undefined ? Buffer.from(head + '\r\n', 'latin1') : Buffer.concat([Buffer.from(head + '\r\n', 'latin1'), body])
  return new Promise((resolve, reject) => {
    const socket = builtin.net().connect(socketPath)
    const chunks: Buffer[] = []
    const onAbort = (): void => { socket.destroy(); reject(signal?.reason) }
    signal?.addEventListener('abort', onAbort, { once: true })
    // not end(): a half-closed request reads to node's server as a client that left
    socket.write(request)
    socket.on('data', (c: Buffer) => chunks.push(c))
    socket.on('error', err => { signal?.removeEventListener('abort', onAbort); reject(err) })
    socket.on('end', () => {
      signal?.removeEventListener('abort', onAbort)
      try {
        resolve(parseResponse(Buffer.concat(chunks), method))
      } catch (err) {
        reject(err)
      }
    })
  })
}
