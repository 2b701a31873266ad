/**
 * The HTTP(S) side: `wss://host:port/db/` upgrades with the Java server's Basic-auth rules,
 * `GET /version`, and nothing else. The password is not checked here: the real server checks
 * it when the socket sends `connect`.
 */

import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { Duplex } from 'node:stream'
import { type WebSocket, WebSocketServer } from 'ws'
import { type ServerContext, SocketSession } from './socket-session.ts'

export interface ProtocolServerOptions extends ServerContext {
  host: string
  port: number
  tls: { cert: string; key: string } | undefined
  /** Largest incoming message; the real server allows 50 MB. */
  maxMessageBytes: number
}

export interface ProtocolServer {
  port: number
  sessions: Set<SocketSession>
  sockets: Set<WebSocket>
  close(): Promise<void>
}

/** Java's String.split(":"): trailing empty strings are dropped. */
function javaSplit(text: string, separator: string): string[] {
  const parts = text.split(separator)
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop()
  return parts.length === 0 ? [''] : parts
}

function refuse(socket: Duplex, status: number, reason: string): void {
  const body = `<html><body><h2>HTTP ERROR ${status} ${reason}</h2></body></html>`
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/html;charset=iso-8859-1\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  )
}

export function startProtocolServer(options: ProtocolServerOptions): Promise<ProtocolServer> {
  const sessions = new Set<SocketSession>()
  const sockets = new Set<WebSocket>()
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: options.maxMessageBytes,
    perMessageDeflate: false,
  })

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0]
    if (req.method === 'GET' && path === '/version') {
      const body = JSON.stringify({ version: options.version })
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(body)
      return
    }
    res.writeHead(404, { 'content-type': 'text/plain' })
    res.end('Not Found')
  }

  const server: Server = options.tls
    ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, onRequest)
    : createHttpServer(onRequest)

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => {})
    const path = (req.url ?? '/').split('?')[0]
    if (path !== '/db/' && path !== '/db') {
      refuse(socket, 404, 'Not Found')
      return
    }
    const auth = req.headers.authorization
    if (auth === undefined) {
      refuse(socket, 403, 'Authorization header missing')
      return
    }
    if (!auth.startsWith('Basic ')) {
      refuse(socket, 403, 'Invalid Authorization header')
      return
    }
    const encoded = auth.slice(6).trim()
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(encoded)) {
      refuse(socket, 500, 'Server Error')
      return
    }
    const parts = javaSplit(Buffer.from(encoded, 'base64').toString('utf8'), ':')
    if (parts.length !== 2) {
      refuse(socket, 403, 'Invalid Authorization header')
      return
    }
    const [user, password] = parts as [string, string]
    if (user === '' || user.includes('*') || password === '') {
      // The socket endpoint cannot be created: Jetty answers 503.
      refuse(socket, 503, 'Service Unavailable')
      return
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws)
      const session = new SocketSession(ws, {
        jobs: options.jobs,
        faults: options.faults,
        users: options.users,
        defaults: options.defaults,
        version: options.version,
        buildDate: options.buildDate,
        clientIp: req.socket.remoteAddress ?? '127.0.0.1',
        user,
        password,
      })
      sessions.add(session)
      ws.on('close', () => {
        sockets.delete(ws)
        sessions.delete(session)
      })
    })
  })

  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen({ host: options.host, port: options.port }, () => {
      server.off('error', reject)
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : options.port
      resolve({
        port,
        sessions,
        sockets,
        close: () =>
          new Promise<void>((done) => {
            for (const ws of sockets) ws.terminate()
            wss.close()
            server.close(() => done())
            server.closeAllConnections?.()
          }),
      })
    })
  })
}
