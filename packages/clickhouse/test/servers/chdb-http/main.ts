/**
 * Child-process entry of the chDB-backed ClickHouse HTTP test endpoint.
 * chDB binds one data directory per process, hence one endpoint per process.
 * Env: CHDB_HTTP_PORT (default 0 = any free port), CHDB_HTTP_FAULTS=1 enables `__fault=…`.
 * Prints `listening <port>` on stdout (and sends { port } over IPC when forked).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer, type ServerResponse } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Session } from 'chdb'
import { type HandlerContext, handleRequest } from './query-handler.ts'
import { QueryRegistry } from './query-registry.ts'
import { formatErrorMessage, toServerError } from './server-error.ts'
import { SessionRegistry } from './session-registry.ts'

const root = mkdtempSync(join(tmpdir(), 'tributary-chdb-http-'))
const dataPath = join(root, 'data')
const spoolPath = join(root, 'spool')
mkdirSync(dataPath)
mkdirSync(spoolPath)

// Keeps the engine loaded for the process lifetime; per-request sessions then open in well under a ms.
const anchor = new Session(dataPath)
const [engineVersion, timezone] = (
  await anchor.queryAsync('SELECT version(), timezone()', { format: 'TSVRaw' })
)
  .text()
  .trim()
  .split('\t')

const context: HandlerContext = {
  dataPath,
  spoolPath,
  version: engineVersion,
  timezone,
  sessions: new SessionRegistry(dataPath),
  queries: new QueryRegistry(),
  faultsEnabled: process.env.CHDB_HTTP_FAULTS === '1',
  hanging: new Set<ServerResponse>(),
}

// ClickHouse takes request URLs up to 1 MiB (http_max_uri_size); Node's default header limit is 16 KiB.
const server = createServer({ maxHeaderSize: 1024 * 1024 + 64 * 1024 }, (request, response) => {
  handleRequest(context, request, response).catch((error: unknown) => {
    if (!response.headersSent) {
      response.writeHead(500, { 'Content-Type': 'text/plain; charset=UTF-8' })
      response.end(`${formatErrorMessage(toServerError(error), context.version)}\n`)
    } else {
      response.destroy()
    }
  })
})
server.keepAliveTimeout = 10_000
server.headersTimeout = 60_000
server.requestTimeout = 0

let shuttingDown = false
function shutdown(): void {
  if (shuttingDown) return
  shuttingDown = true
  context.queries.killAll()
  for (const response of context.hanging) response.destroy()
  server.close()
  server.closeAllConnections()
  context.sessions.closeAll()
  anchor.close()
  rmSync(root, { recursive: true, force: true })
  process.exit(0)
}

process.on('SIGTERM', shutdown)
process.on('SIGINT', shutdown)
// Forked: when the parent goes away the IPC channel closes; do not outlive it.
process.on('disconnect', shutdown)
process.on('exit', () => {
  rmSync(root, { recursive: true, force: true })
})

const port = Number(process.env.CHDB_HTTP_PORT ?? 0)
server.listen({ port, host: '127.0.0.1' }, () => {
  const address = server.address()
  const bound = typeof address === 'object' && address !== null ? address.port : port
  process.stdout.write(`listening ${bound}\n`)
  process.send?.({ port: bound })
})
