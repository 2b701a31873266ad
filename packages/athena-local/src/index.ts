// @tributary/athena-local: a local Amazon Athena (AWS JSON 1.1) and path-style S3 store on DuckDB.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Logger } from '@tributary/core'
import { AthenaApi, type WorkGroup } from './athena/api.ts'
import { Executions, type Latency } from './athena/executions.ts'
import { Catalog } from './engine/catalog.ts'
import { openDuck } from './engine/duck.ts'
import { Executor } from './engine/executor.ts'
import { type FaultSettings, Faults } from './faults.ts'
import { S3Api } from './s3/api.ts'
import { ObjectStore, parseS3Uri } from './s3/object-store.ts'
import { createAthenaLocalServer } from './server.ts'
import type { Credentials } from './sigv4.ts'

export type { Latency } from './athena/executions.ts'
export type { FaultSettings, Match, QueryFailureFault } from './faults.ts'
export type { Credentials } from './sigv4.ts'

export interface AthenaLocalOptions {
  /** Port to listen on; 0 (the default) picks a free one. */
  port?: number
  /** Address to listen on (default 127.0.0.1). */
  host?: string
  /** Directory that keeps tables, results and objects across restarts; without one a temp dir is used and removed by stop(). */
  dataDir?: string
  /** Region the endpoints answer for (default us-east-1). */
  region?: string
  /** The static credentials every request must be signed with. */
  credentials?: Credentials
  /** Default OutputLocation of the `primary` workgroup (default `s3://athena-results/`); its bucket is created. */
  outputLocation?: string
  /** Buckets to create at start. */
  buckets?: string[]
  /** Workgroups besides `primary`. */
  workGroups?: { name: string; outputLocation?: string; enforce?: boolean; description?: string }[]
  /** Lifecycle timing: QUEUED time, least RUNNING time, delay per API call (ms). */
  latency?: Partial<Latency>
  /** Faults switched on from the start (see `faults.set`). */
  faults?: FaultSettings
  /** Refuse requests whose SigV4 signature does not verify (default true). */
  verifySignatures?: boolean
  /** Receives a debug line for every request (`request`, with service, operation, status, ms); silent by default. */
  logger?: Logger
}

export interface AthenaLocal {
  /** Athena API endpoint, for `new AthenaClient({ endpoint })`. */
  endpoint: string
  /** S3 endpoint (path style: `forcePathStyle: true`). */
  s3Endpoint: string
  region: string
  credentials: Credentials
  /** The `primary` workgroup's OutputLocation. */
  outputLocation: string
  /** The data directory in use. */
  dataDir: string
  /** Fault knobs, switchable at run time. */
  faults: Faults
  /** Lifecycle timing, changeable at run time. */
  latency: Latency
  /** Closes the listener and every connection, stops running queries, removes a temp data dir. */
  stop(): Promise<void>
}

export const DEFAULT_CREDENTIALS: Credentials = {
  accessKeyId: 'AKIAATHENALOCAL00000',
  secretAccessKey: 'athena-local-secret-access-key-0000000000',
}

export async function startAthenaLocal(options: AthenaLocalOptions = {}): Promise<AthenaLocal> {
  const temp = options.dataDir === undefined
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'athena-local-'))
  mkdirSync(dataDir, { recursive: true })
  const region = options.region ?? 'us-east-1'
  const credentials = options.credentials ?? DEFAULT_CREDENTIALS
  const outputLocation = options.outputLocation ?? 's3://athena-results/'
  const store = new ObjectStore(join(dataDir, 's3'))
  for (const b of [
    parseS3Uri(outputLocation)?.bucket,
    ...(options.buckets ?? []),
    ...(options.workGroups ?? []).map((w) =>
      w.outputLocation ? parseS3Uri(w.outputLocation)?.bucket : undefined,
    ),
  ]) {
    if (b) store.createBucket(b)
  }
  const catalog = new Catalog(dataDir)
  const instance = await openDuck(join(dataDir, 'tables.duckdb'))
  const faults = new Faults(options.faults)
  const latency: Latency = { queuedMs: 5, runningMs: 0, apiMs: 0, ...options.latency }
  const executor = new Executor(instance, catalog, store)
  const executions = new Executions(executor, store, faults, latency)
  const now = Date.now()
  const workGroups: WorkGroup[] = [
    { name: 'primary', outputLocation, enforce: false, description: '', created: now },
    ...(options.workGroups ?? []).map((w) => ({
      name: w.name,
      outputLocation: w.outputLocation ?? null,
      enforce: w.enforce ?? false,
      description: w.description ?? '',
      created: now,
    })),
  ]
  const athena = new AthenaApi(executions, catalog, faults, workGroups)
  const s3 = new S3Api(store, faults, (bucket, key) => athena.isResultKey(bucket, key))
  const { server, sockets } = createAthenaLocalServer({
    athena,
    s3,
    credentials,
    latency,
    verifySignatures: options.verifySignatures ?? true,
    logger: options.logger,
  })
  const host = options.host ?? '127.0.0.1'
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const port = (server.address() as AddressInfo).port
  const endpoint = `http://${host.includes(':') ? `[${host}]` : host}:${port}`
  let stopped: Promise<void> | null = null
  return {
    endpoint,
    s3Endpoint: endpoint,
    region,
    credentials,
    outputLocation,
    dataDir,
    faults,
    latency,
    stop() {
      stopped ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()))
        for (const s of sockets) s.destroy()
        await closed
        await executions.shutdown()
        instance.closeSync()
        if (temp) rmSync(dataDir, { recursive: true, force: true })
      })()
      return stopped
    },
  }
}
