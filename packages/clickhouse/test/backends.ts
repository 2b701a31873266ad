/**
 * The backends every conformance suite runs against. Each suite file calls
 * `forEachBackend` and gets a fresh client per backend; servers are started
 * by the tests themselves and stopped when the file ends.
 */

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe } from 'node:test'
import { type ClickHouseClient, type ClickHouseClientConfig, createClient } from '@tributary/clickhouse'
import { chdb } from '@tributary/clickhouse/embedded'

export type BackendName = 'clickhouse-18.16' | 'chdb-embedded' | 'chdb-http'

export interface BackendContext {
  name: BackendName
  /**
   * A fresh client config for this backend (each with its own transport, since a
   * client closes its transport): `createClient({ ...config(), … })`.
   */
  config: () => ClickHouseClientConfig
  /** A client made from `config`, closed after the suite. */
  client: ClickHouseClient
  /** False on servers without `{name:Type}` query parameters. */
  serverBinding: boolean
  /** Modern type support (Map, DateTime64, Variant, JSON, Bool). */
  modern: boolean
}

export interface StartedServer {
  /** A fresh client config (each with its own transport, since a client closes its transport). */
  config: () => ClickHouseClientConfig
  stop(): Promise<void>
}

interface Backend {
  name: BackendName
  start(): Promise<StartedServer>
}

const BACKENDS: Backend[] = [
  {
    name: 'clickhouse-18.16',
    async start() {
      const { startClickHouseServer } = await import('./servers/clickhouse-server.ts')
      const server = await startClickHouseServer()
      return {
        config: () => ({ url: server.url, username: server.username, password: server.password }),
        stop: () => server.stop(),
      }
    },
  },
  {
    name: 'chdb-embedded',
    async start() {
      const dir = mkdtempSync(join(tmpdir(), 'tributary-chdb-'))
      return {
        config: () => ({ transport: chdb({ path: dir }) }),
        async stop() {
          rmSync(dir, { recursive: true, force: true })
        },
      }
    },
  },
  {
    name: 'chdb-http',
    async start() {
      const { startChdbHttpServer } = await import('./servers/chdb-http-server.ts')
      const server = await startChdbHttpServer()
      return {
        config: () => ({ url: server.url, username: server.username, password: server.password }),
        stop: () => server.stop(),
      }
    },
  },
]

/** Starts one backend: a server on free ports, or an embedded engine in a temp dir. */
export function startBackend(name: BackendName): Promise<StartedServer> {
  const backend = BACKENDS.find((b) => b.name === name)
  if (!backend) throw new Error(`unknown backend ${name}`)
  return backend.start()
}

/** Selects backends with TRIBUTARY_BACKENDS=a,b (for local runs); CI runs all of them. */
function selectedBackends(): Backend[] {
  const only = process.env.TRIBUTARY_BACKENDS?.split(',').filter(Boolean)
  if (!only || only.length === 0) return BACKENDS
  if (process.env.CI) throw new Error('TRIBUTARY_BACKENDS must not narrow the backends in CI')
  return BACKENDS.filter((b) => only.includes(b.name))
}

/** The backends that speak ClickHouse's HTTP interface (for behaviour of the HTTP transport only). */
export const HTTP_BACKENDS: readonly BackendName[] = ['clickhouse-18.16', 'chdb-http']

export interface ForEachBackendOptions {
  /** Run the suite on these backends only: for behaviour that exists on some transports only. */
  only?: readonly BackendName[] | undefined
}

export function forEachBackend(
  suite: (ctx: () => BackendContext) => void,
  options: ForEachBackendOptions = {},
): void {
  for (const backend of selectedBackends()) {
    if (options.only && !options.only.includes(backend.name)) continue
    describe(backend.name, () => {
      let context: BackendContext | undefined
      let stop: (() => Promise<void>) | undefined
      before(async () => {
        const started = await backend.start()
        stop = started.stop
        const client = createClient(started.config())
        const info = await client.serverInfo()
        context = {
          name: backend.name,
          config: started.config,
          client,
          serverBinding: info.supportsQueryParameters,
          modern: info.supportsRowBinaryWithNamesAndTypes,
        }
      })
      after(async () => {
        await context?.client.close()
        await stop?.()
      })
      suite(() => {
        if (!context) throw new Error(`backend ${backend.name} did not start`)
        return context
      })
    })
  }
}

let tableCounter = 0
/** A table name unique within the run, so suites never see each other's data. */
export function uniqueTable(prefix: string): string {
  tableCounter++
  return `${prefix}_${process.pid}_${tableCounter}`
}
