/**
 * A WebSocket proxy in front of mapepire-local that keeps the ledger the Java
 * server keeps: every `sql`, `prepare_sql` and `prepare_sql_execute` request
 * is held by the server (finished or failed) until a `sqlclose` names it, and
 * everything a socket held goes with the socket. `open()` is what the server
 * would still hold now: what "no statement left open" is checked against.
 */

import { createServer as createHttpsServer } from 'node:https'
import type { MapepireLocal } from '@tributary/mapepire-local'
import { WebSocket, WebSocketServer } from 'ws'
// mapepire-local's own certificate maker (its package exports only the server).
import { createServerCertificate } from '../../../mapepire-local/src/tls/certificate.ts'

const REGISTERED = new Set(['sql', 'prepare_sql', 'prepare_sql_execute'])

export interface StatementLedger {
  host: string
  port: number
  /** The proxy's certificate when it serves wss:// (clients that speak only TLS, as mapepire-js). */
  ca: string | undefined
  /** Statements the server holds on sockets still open: `{ id, type, sql }`. */
  open(): { id: string; type: string; sql: string }[]
  /** Requests of a type seen so far. */
  count(type: string): number
  /** Closes every client socket abruptly (as a network drop). */
  dropAll(): void
  close(): Promise<void>
}

export async function startStatementLedger(
  local: MapepireLocal,
  options: { tls?: boolean } = {},
): Promise<StatementLedger> {
  const sockets = new Map<WebSocket, Map<string, { type: string; sql: string }>>()
  const counts = new Map<string, number>()
  const certificate = options.tls
    ? await createServerCertificate({ dns: ['localhost'], ips: ['127.0.0.1'] })
    : undefined
  const https = certificate ? createHttpsServer({ cert: certificate.cert, key: certificate.key }) : undefined
  const wss = https
    ? new WebSocketServer({ server: https, perMessageDeflate: false, maxPayload: 256 << 20 })
    : new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false, maxPayload: 256 << 20 })
  wss.on('connection', (client, request) => {
    const held = new Map<string, { type: string; sql: string }>()
    sockets.set(client, held)
    const upstream = new WebSocket(local.url, {
      headers: { authorization: request.headers.authorization ?? '' },
      ca: local.ca,
      perMessageDeflate: false,
      maxPayload: 256 << 20,
    })
    const queue: string[] = []
    upstream.on('open', () => {
      for (const text of queue.splice(0)) upstream.send(text)
    })
    upstream.on('message', (data) => {
      if (client.readyState === client.OPEN) client.send(data.toString())
    })
    const end = () => {
      sockets.delete(client)
      if (client.readyState === client.OPEN) client.terminate()
      if (upstream.readyState === upstream.OPEN || upstream.readyState === upstream.CONNECTING)
        upstream.terminate()
    }
    upstream.on('close', end)
    upstream.on('error', end)
    upstream.on('unexpected-response', end)
    client.on('close', end)
    client.on('error', end)
    client.on('message', (data) => {
      const text = data.toString()
      try {
        const body = JSON.parse(text) as { id?: string; type?: string; sql?: string; cont_id?: string }
        const type = String(body.type)
        counts.set(type, (counts.get(type) ?? 0) + 1)
        if (REGISTERED.has(type)) held.set(String(body.id), { type, sql: String(body.sql ?? '') })
        if (type === 'sqlclose') held.delete(String(body.cont_id))
      } catch {
        // forwarded as it is; the server answers it
      }
      if (upstream.readyState === upstream.OPEN) upstream.send(text)
      else queue.push(text)
    })
  })
  if (https) await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', () => resolve()))
  else await new Promise<void>((resolve) => wss.on('listening', () => resolve()))
  const port = ((https ?? wss).address() as { port: number }).port
  return {
    host: '127.0.0.1',
    port,
    ca: certificate?.cert,
    open: () => [...sockets.values()].flatMap((held) => [...held].map(([id, s]) => ({ id, ...s }))),
    count: (type) => counts.get(type) ?? 0,
    dropAll() {
      for (const socket of sockets.keys()) socket.terminate()
    },
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets.keys()) socket.terminate()
        wss.close(() => (https ? https.close(() => resolve()) : resolve()))
      }),
  }
}
