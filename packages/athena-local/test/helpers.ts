// Shared test plumbing: an athena-local on a free port, the official SDK clients pointed at it, and a
// query runner that polls like a client does.
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  type GetQueryResultsCommandOutput,
  type QueryExecution,
  StartQueryExecutionCommand,
  type StartQueryExecutionCommandInput,
} from '@aws-sdk/client-athena'
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3'
import { type AthenaLocal, type AthenaLocalOptions, startAthenaLocal } from '../src/index.ts'

export interface Harness {
  local: AthenaLocal
  athena: AthenaClient
  s3: S3Client
  stop(): Promise<void>
}

export async function startHarness(options: AthenaLocalOptions = {}): Promise<Harness> {
  const local = await startAthenaLocal({ port: 0, ...options })
  const athena = new AthenaClient({
    endpoint: local.endpoint,
    region: local.region,
    credentials: local.credentials,
    maxAttempts: 1,
  })
  const s3 = new S3Client({
    endpoint: local.s3Endpoint,
    region: local.region,
    credentials: local.credentials,
    forcePathStyle: true,
    maxAttempts: 1,
  })
  return {
    local,
    athena,
    s3,
    async stop() {
      athena.destroy()
      s3.destroy()
      await local.stop()
    },
  }
}

const FINAL = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED'])

export async function waitFor(h: Harness, id: string, timeoutMs = 30000): Promise<QueryExecution> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const { QueryExecution } = await h.athena.send(new GetQueryExecutionCommand({ QueryExecutionId: id }))
    if (FINAL.has(QueryExecution!.Status!.State!)) return QueryExecution!
    if (Date.now() > deadline)
      throw new Error(`query ${id} still ${QueryExecution!.Status!.State} after ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

export async function start(
  h: Harness,
  sql: string,
  input: Partial<StartQueryExecutionCommandInput> = {},
): Promise<string> {
  const out = await h.athena.send(new StartQueryExecutionCommand({ QueryString: sql, ...input }))
  return out.QueryExecutionId!
}

/** Runs a statement to its final state. */
export async function execute(
  h: Harness,
  sql: string,
  input: Partial<StartQueryExecutionCommandInput> = {},
): Promise<QueryExecution> {
  return waitFor(h, await start(h, sql, input))
}

/** Runs a statement that must succeed; returns its first results page. */
export async function query(
  h: Harness,
  sql: string,
  input: Partial<StartQueryExecutionCommandInput> = {},
): Promise<GetQueryResultsCommandOutput & { execution: QueryExecution }> {
  const execution = await execute(h, sql, input)
  if (execution.Status?.State !== 'SUCCEEDED') {
    throw new Error(`${sql}: ${execution.Status?.State} ${execution.Status?.StateChangeReason ?? ''}`)
  }
  const out = await h.athena.send(
    new GetQueryResultsCommand({ QueryExecutionId: execution.QueryExecutionId }),
  )
  return Object.assign(out, { execution })
}

/** Data rows (header dropped for SELECTs) as text or null. */
export function rows(out: GetQueryResultsCommandOutput, header = true): (string | null)[][] {
  const all = out.ResultSet!.Rows!.map((r) => r.Data!.map((d) => d.VarCharValue ?? null))
  return header ? all.slice(1) : all
}

/** The single value of a one-row, one-column SELECT. */
export async function scalar(
  h: Harness,
  sql: string,
  input: Partial<StartQueryExecutionCommandInput> = {},
): Promise<string | null> {
  const out = await query(h, sql, input)
  return rows(out)[0]![0]!
}

export async function failure(
  h: Harness,
  sql: string,
  input: Partial<StartQueryExecutionCommandInput> = {},
): Promise<string> {
  const e = await execute(h, sql, input)
  if (e.Status?.State !== 'FAILED') throw new Error(`${sql}: expected FAILED, got ${e.Status?.State}`)
  return e.Status.StateChangeReason!
}

export async function getObject(h: Harness, uri: string): Promise<Buffer> {
  const m = /^s3:\/\/([^/]+)\/(.*)$/.exec(uri)!
  const out = await h.s3.send(new GetObjectCommand({ Bucket: m[1], Key: m[2] }))
  return Buffer.from(await out.Body!.transformToByteArray())
}
