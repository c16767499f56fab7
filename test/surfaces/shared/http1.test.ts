/**
 * The CLI's HTTP/1.1 client (src/surfaces/shared/http1.ts): against node's own server on a Unix
 * socket (every framing it uses), and against raw bytes it must refuse rather than guess.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer as createHttpServer, type Server } from 'node:http'
import { createServer as createNetServer, type Server as NetServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exchange, parseResponse } from '../../../src/surfaces/shared/http1.js'

const dir = mkdtempSync(join(tmpdir(), 'meshkv-http1-'))
const sock = join(dir, 'http.sock')
let server: Server
const seen: Array<{ method?: string, url?: string, headers: Record<string, unknown>, body: string }> = []

beforeAll(async () => {
  server = createHttpServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') })
      if (req.url === '/chunked') {
        res.writeHead(200, { 'x-a': 'b' })
        res.write('hello ')
        setTimeout(() => res.end('world'), 5)
      } else if (req.url === '/big') {
        res.end(Buffer.alloc(300_000, 7))
      } else if (req.url === '/none') {
        res.writeHead(204).end()
      } else if (req.url?.startsWith('/echo') === true) {
        res.setHeader('set-cookie', ['a=1', 'b=2'])
        res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ got: Buffer.concat(chunks).toString('utf8') }))
      } else {
        res.writeHead(404, { 'content-length': '9' }).end(req.method === 'HEAD' ? undefined : 'not found')
      }
    })
  })
  await new Promise<void>(resolve => server.listen(sock, resolve))
})

afterAll(async () => {
  await new Promise(resolve => server.close(resolve))
  rmSync(dir, { recursive: true, force: true })
})

describe('exchange with node:http\'s server', () => {
  it('sends method, path, headers and body; reads status, headers (repeated ones as node does) and body', async () => {
    const r = await exchange(sock, 'PUT', '/echo?x=1', { 'content-type': 'text/plain' }, Buffer.from('é body'))
    expect(r.status).toBe(201)
    expect(JSON.parse(r.body.toString('utf8'))).toEqual({ got: 'é body' })
    expect(r.headers['content-type']).toBe('application/json')
    expect(r.headers['set-cookie']).toEqual(['a=1', 'b=2'])
    expect(seen.at(-1)).toMatchObject({ method: 'PUT', url: '/echo?x=1', headers: { 'content-type': 'text/plain', 'content-length': '7' } })
  })

  it('reads chunked bodies, large bodies, 204 and HEAD without a body', async () => {
    expect((await exchange(sock, 'GET', '/chunked', {}, undefined)).body.toString()).toBe('hello world')
    const big = await exchange(sock, 'GET', '/big', {}, undefined)
    expect(big.body.length).toBe(300_000)
    expect(big.body.every(b => b === 7)).toBe(true)
    expect(await exchange(sock, 'DELETE', '/none', {}, undefined)).toMatchObject({ status: 204, body: Buffer.alloc(0) })
    expect(await exchange(sock, 'HEAD', '/missing', {}, undefined)).toMatchObject({ status: 404, body: Buffer.alloc(0) })
    expect((await exchange(sock, 'GET', '/missing', {}, undefined)).body.toString()).toBe('not found')
  })

  it('fails with the socket\'s error code when nothing listens, and refuses unencoded paths and header line breaks', async () => {
    await expect(exchange(join(dir, 'absent.sock'), 'GET', '/', {}, undefined)).rejects.toMatchObject({ code: 'ENOENT' })
    await expect(exchange(sock, 'GET', '/a b', {}, undefined)).rejects.toThrow(TypeError)
    await expect(exchange(sock, 'GET', '/ü', {}, undefined)).rejects.toThrow(TypeError)
    await expect(exchange(sock, 'GET', '/', { 'x-a': 'b\r\nx-evil: 1' }, undefined)).rejects.toThrow(TypeError)
  })

  it('an aborted signal ends the exchange with its reason', async () => {
    const ac = new AbortController()
    const p = exchange(sock, 'GET', '/chunked', {}, undefined, ac.signal)
    ac.abort(new Error('stop'))
    await expect(p).rejects.toThrow('stop')
  })
})

describe('parseResponse refuses what it cannot read', () => {
  const bad = (text: string, method = 'GET'): unknown => {
    try {
      parseResponse(Buffer.from(text, 'latin1'), method)
      return 'parsed'
    } catch (err) {
      return (err as Error).name
    }
  }
  it('truncated heads and bodies, bad status lines, headers, lengths and chunks', () => {
    expect(bad('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n')).toBe('MalformedResponseError')
    expect(bad('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nabc')).toBe('MalformedResponseError')
    expect(bad('HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\nabc')).toBe('MalformedResponseError')
    expect(bad('HTTP/2 200\r\n\r\n')).toBe('MalformedResponseError')
    expect(bad('SSH-2.0-OpenSSH\r\n\r\n')).toBe('MalformedResponseError')
    expect(bad('HTTP/1.1 200 OK\r\nno colon here\r\n\r\n')).toBe('MalformedResponseError')
    expect(bad('HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nxx')).toBe('MalformedResponseError')
    expect(bad('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabc')).toBe('MalformedResponseError')
    expect(bad('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n')).toBe('MalformedResponseError')
    expect(bad('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc')).toBe('MalformedResponseError')
  })
  it('and reads the well-formed ones', () => {
    expect(parseResponse(Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\n\r\n'), 'GET').body.toString()).toBe('abcde')
    expect(parseResponse(Buffer.from('HTTP/1.0 200 OK\r\n\r\nuntil close'), 'GET').body.toString()).toBe('until close')
    expect(parseResponse(Buffer.from('HTTP/1.1 200 OK\r\nX-A: 1\r\nx-a: 2\r\n\r\n'), 'GET').headers['x-a']).toBe('1, 2')
  })
})

describe('a server that answers garbage', () => {
  let raw: NetServer
  const rawSock = join(dir, 'raw.sock')
  beforeAll(async () => {
    raw = createNetServer(s => { s.on('data', () => { s.end('garbage\r\n\r\n') }) })
    await new Promise<void>(resolve => raw.listen(rawSock, resolve))
  })
  afterAll(async () => { await new Promise(resolve => raw.close(resolve)) })
  it('gets a MalformedResponseError, not a made-up answer', async () => {
    await expect(exchange(rawSock, 'GET', '/', {}, undefined)).rejects.toMatchObject({ name: 'MalformedResponseError' })
  })
})
