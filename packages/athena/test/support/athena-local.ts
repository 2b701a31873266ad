/**
 * An athena-local on a free port for a test file, and the configs our client
 * and the official SDK clients need to reach it.
 */
import { AthenaClient, GetQueryExecutionCommand, type QueryExecution } from '@aws-sdk/client-athena'
import { type AthenaClientConfig, type AthenaQueryClient, createClient } from '@tributary/athena'
import { type AthenaLocal, type AthenaLocalOptions, startAthenaLocal } from '@tributary/athena-local'

export interface LocalAthena {
  local: AthenaLocal
  /** Our client's config for this server (`overrides` on top). */
  config(overrides?: Partial<AthenaClientConfig>): AthenaClientConfig
  client(overrides?: Partial<AthenaClientConfig>): AthenaQueryClient
  /** The official SDK client, for looking at the server from outside our code. */
  sdk: AthenaClient
  execution(queryId: string): Promise<QueryExecution>
  stop(): Promise<void>
}

export async function startLocalAthena(options: AthenaLocalOptions = {}): Promise<LocalAthena> {
  const local = await startAthenaLocal({ port: 0, ...options })
  const sdkConfig = { endpoint: local.endpoint, region: local.region, credentials: local.credentials }
  const sdk = new AthenaClient({ ...sdkConfig, maxAttempts: 1 })
  const clients: AthenaQueryClient[] = []
  const config = (overrides: Partial<AthenaClientConfig> = {}): AthenaClientConfig => ({
    client: sdkConfig,
    s3: { ...sdkConfig, forcePathStyle: true },
    outputLocation: local.outputLocation,
    database: 'default',
    poll: { initialDelayMs: 5, maxDelayMs: 50 },
    retry: { initialDelayMs: 5, maxDelayMs: 50 },
    ...overrides,
  })
  return {
    local,
    sdk,
    config,
    client(overrides) {
      const client = createClient(config(overrides))
      clients.push(client)
      return client
    },
    async execution(queryId) {
      const out = await sdk.send(new GetQueryExecutionCommand({ QueryExecutionId: queryId }))
      return out.QueryExecution!
    },
    async stop() {
      await Promise.all(clients.map((c) => c.close()))
      sdk.destroy()
      await local.stop()
    },
  }
}

/** Waits until `check` holds, polling every 10 ms, for at most `ms` (then fails with `what`). */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  what: string,
  ms = 20_000,
): Promise<void> {
  const until = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

export const MODES = ['api', 'csv', 'unload'] as const
