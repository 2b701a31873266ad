/**
 * The `unload` mode: the query runs as `UNLOAD (…) TO '<prefix>' WITH (format
 * = 'PARQUET', compression = 'SNAPPY')`, and its rows are read from the
 * Parquet files the manifest (`Statistics.DataManifestLocation`) lists, one
 * row group at a time, decoded on a worker thread (`parquet-decoder.ts`); the
 * next row group is decoded, and the next file's footer fetched, while the
 * current one is used.
 *
 * UNLOAD writes its files in parallel and in no order: a query whose order
 * matters is not run this way (see `classifyStatement(…).ordered`).
 */
import { randomUUID } from 'node:crypto'
import type { QueryExecution } from '@aws-sdk/client-athena'
import { ProtocolError } from '@tributary/core'
import type { AwsTransport } from '../transport/aws.ts'
import { readError } from './csv.ts'
import { openParquetFile, type ParquetFile, s3AsyncBuffer } from './parquet.ts'
import { ParquetDecodeError, ParquetDecoder } from './parquet-decoder.ts'
import type { ResultReader } from './reader.ts'

/** The UNLOAD statement for a query, writing under a fresh prefix of `location`. */
export function unloadStatement(sql: string, location: string): { sql: string; prefix: string } {
  const base = location.endsWith('/') ? location : `${location}/`
  const prefix = `${base}${randomUUID()}/`
  // The prefix is ours (a base the caller configured plus a UUID); quote it as Trino reads strings.
  const target = `'${prefix.replace(/'/g, "''")}'`
  return {
    sql: `UNLOAD (${stripTrailingSemicolon(sql)}) TO ${target} WITH (format = 'PARQUET', compression = 'SNAPPY')`,
    prefix,
  }
}

function stripTrailingSemicolon(sql: string): string {
  return sql.replace(/;\s*$/, '')
}

export interface UnloadReadOptions {
  signal?: AbortSignal | undefined
}

export async function readThroughUnload(
  transport: AwsTransport,
  execution: QueryExecution,
  options: UnloadReadOptions,
): Promise<ResultReader> {
  const queryId = execution.QueryExecutionId!
  const manifest = execution.Statistics?.DataManifestLocation
  const files = manifest
    ? (await transport.getObjectText(manifest, options.signal, queryId))
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line !== '')
    : []
  const open = (uri: string) =>
    s3AsyncBuffer(transport, uri, options.signal, queryId)
      .then(openParquetFile)
      .catch((error: unknown) => {
        throw readError(error, queryId, options.signal)
      })
  const first = files.length > 0 ? await open(files[0]!) : undefined

  return {
    mode: 'unload',
    columns: first?.columns.map(({ name, type }) => ({ name, type })) ?? [],
    numAffectedRows: undefined,
    async *batches() {
      if (files.length === 0) return
      const decoder = new ParquetDecoder(options.signal)
      const fail = (error: unknown): never => {
        if (error instanceof ParquetDecodeError) {
          throw new ProtocolError(
            `Athena query ${queryId}: a Parquet file of its result could not be decoded (${error.message})`,
            { queryId, system: 'athena', code: 'MALFORMED_RESULT', cause: error },
          )
        }
        throw readError(error, queryId, options.signal)
      }
      try {
        let file: ParquetFile | undefined = first
        for (let f = 0; f < files.length; f++) {
          const current = file ?? (await open(files[f]!))
          file = undefined
          const nextFile = f + 1 < files.length ? open(files[f + 1]!) : undefined
          nextFile?.catch(() => undefined)
          let job = current.rowGroups > 0 ? decoder.start(current, 0) : undefined
          for (let g = 0; g < current.rowGroups; g++) {
            const rows = decoder.rows(job!)
            // The next row group is decoded while this one is handed out.
            job = g + 1 < current.rowGroups ? decoder.start(current, g + 1) : undefined
            for (;;) {
              const next = await rows.next().catch(fail)
              if (next.done) break
              if (next.value.length > 0) yield next.value
            }
          }
          if (nextFile) file = await nextFile
        }
      } finally {
        await decoder.close()
      }
    },
  }
}
