/**
 * The transport against misbehaving servers (a bare `ws` server on loopback):
 * replies in any order, a socket dropped with requests in flight, a handshake
 * that never completes, a refused upgrade, a frame over maxPayload, a peer that
 * stops answering pings.
 */
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:net'
import { after, describe, test } from 'node:test'
import { ConnectionError, ProtocolError, TimeoutError } from '@tributary/core'
import { WebSocketServer } from 'ws'
import { MapepireSocket, type SocketOptions } from '../src/transport/socket.ts'

const servers: { close(): void }[] = []
after(() => {
  for (const s of servers) s.close()
})

function wsServer(
  onMessage: (socket: import('ws').WebSocket, request: Record<string, unknown>) => void,
  options: { autoPong?: boolean; verifyStatus?: number } = {},
): Promise<string> {
  return new Promise((resolve) => {
    const wss = new WebSocketServer({
      port: 0,
      host: '127.0.0.1',
      autoPong: options.autoPong ?? true,
      verifyClient: options.verifyStatus
        ? (_info, done) => done(false, options.verifyStatus, 'Authorization header missing')
        : undefined,
    })
    servers.push(wss)
    wss.on('connection', (socket) => {
      socket.on('message', (data) => onMessage(socket, JSON.parse(data.toString())))
    })
    wss.on('listening', () => resolve(`ws://127.0.0.1:${(wss.address() as { port: number }).port}/db/`))
  })
}

const options = (url: string, extra: Partial<SocketOptions> = {}): SocketOptions => ({
  url,
  user: 'U',
  password: 'secret-pw',
  maxPayload: 1 << 20,
  connectTimeoutMs: 2000,
  keepAliveMs: 0,
  ...extra,
})

describe('MapepireSocket', () => {
  test('replies are routed by id whatever their order', async () => {
    const url = await wsServer((socket, request) => {
      // Answer the first request last.
      const delay = request.n === 0 ? 50 : 0
      setTimeout(
        () => socket.send(`${JSON.stringify({ id: request.id, n: request.n, success: true })}\n\n`),
        delay,
      )
    })
    const socket = await MapepireSocket.open(options(url))
    const replies = await Promise.all([0, 1, 2, 3].map((n) => socket.request({ type: 'ping', n })))
    assert.deepEqual(
      replies.map((r) => r.n),
      [0, 1, 2, 3],
    )
    assert.equal(socket.pending, 0)
    socket.close()
  })

  test('every pending request fails with the same ConnectionError when the socket drops', async () => {
    let seen = 0
    const url = await wsServer((socket) => {
      if (++seen === 100) socket.terminate()
    })
    const socket = await MapepireSocket.open(options(url))
    const results = await Promise.allSettled(
      Array.from({ length: 100 }, () => socket.request({ type: 'sql', sql: 'x' })),
    )
    assert.equal(results.length, 100)
    const errors = results.map((r) => (r.status === 'rejected' ? r.reason : undefined))
    assert.ok(errors.every((e) => e instanceof ConnectionError && e.sqlState === '08006'))
    assert.equal(new Set(errors).size, 1)
    assert.equal(socket.isOpen, false)
    await assert.rejects(socket.request({ type: 'ping' }), ConnectionError)
  })

  test('a handshake that never completes times out', async () => {
    const silent: Server = createServer(() => {})
    servers.push(silent)
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    const port = (silent.address() as { port: number }).port
    const started = Date.now()
    await assert.rejects(
      MapepireSocket.open(options(`ws://127.0.0.1:${port}/db/`, { connectTimeoutMs: 300 })),
      (error) => {
        assert.ok(error instanceof TimeoutError)
        assert.equal(error.code, 'CONNECT_TIMEOUT')
        return true
      },
    )
    assert.ok(Date.now() - started < 2000)
  })

  test('a refused upgrade names the status and never the password', async () => {
    const url = await wsServer(() => {}, { verifyStatus: 403 })
    await assert.rejects(MapepireSocket.open(options(url)), (error) => {
      assert.ok(error instanceof ConnectionError)
      assert.equal(error.code, 'HTTP_403')
      assert.doesNotMatch(error.message, /secret-pw/)
      return true
    })
  })

  test('a frame over maxPayload closes the socket with a ProtocolError for every pending request', async () => {
    const url = await wsServer((socket, request) => {
      socket.send(JSON.stringify({ id: request.id, data: 'x'.repeat(4096), success: true }))
    })
    const socket = await MapepireSocket.open(options(url, { maxPayload: 1024 }))
    const results = await Promise.allSettled([
      socket.request({ type: 'sql' }),
      socket.request({ type: 'sql' }),
    ])
    for (const r of results) {
      assert.equal(r.status, 'rejected')
      assert.ok(r.reason instanceof ProtocolError)
      assert.equal(r.reason.code, 'FRAME_TOO_LARGE')
    }
  })

  test('a peer that stops answering pings is dropped', async () => {
    const url = await wsServer(() => {}, { autoPong: false })
    const socket = await MapepireSocket.open(options(url, { keepAliveMs: 100 }))
    await assert.rejects(socket.request({ type: 'ping' }), (error) => {
      assert.ok(error instanceof ConnectionError)
      assert.equal(error.code, 'KEEPALIVE_TIMEOUT')
      return true
    })
  })

  test('a request timeout rejects and the late reply is dropped', async () => {
    const url = await wsServer((socket, request) => {
      setTimeout(() => socket.send(JSON.stringify({ id: request.id, success: true })), 150)
    })
    const socket = await MapepireSocket.open(options(url))
    await assert.rejects(socket.request({ type: 'ping' }, { timeoutMs: 30 }), TimeoutError)
    await new Promise((resolve) => setTimeout(resolve, 200))
    assert.equal(socket.pending, 0)
    socket.close()
  })
})
