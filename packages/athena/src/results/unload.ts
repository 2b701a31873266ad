/**
 * The `unload` mode: the query runs as `UNLOAD (…) TO '<prefix>' WITH (format
 * = 'PARQUET', compression = 'SNAPPY')`, and its rows are read from the
 * Parquet files the manifest (`Statistics.DataManifestLocation`) lists, row
 * group by row group in file order, decoded on a pool of worker threads
 * (`parquet-decoder.ts`): while one row group is handed out, the next ones (as
 * many as the pool has workers) are decoded in parallel, and the next file's
 * footer is fetched.
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
import {
  type DecodeTask,
  defaultParquetDecoderPool,
  ParquetDecodeError,
  type ParquetDecoderPool,
} from './parquet-decoder.ts'
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
  /** The workers that decode the row groups; by default the process's (`defaultParquetDecoderPool()`). */
  decoders?: ParquetDecoderPool | undefined
}

interface NextFile {
  file: Promise<ParquetFile>
  opened: ParquetFile | undefined
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
      if (!first) return
      const pool = options.decoders ?? defaultParquetDecoderPool()
      const decoder = pool.decoder(options.signal)
      const fail = (error: unknown): never => {
        if (error instanceof ParquetDecodeError) {
          throw new ProtocolError(
            `Athena query ${queryId}: a Parquet file of its result could not be decoded (${error.message})`,
            { queryId, system: 'athena', code: 'MALFORMED_RESULT', cause: error },
          )
        }
        throw readError(error, queryId, options.signal)
      }
      // Row groups in file order, as many asked for ahead of the one handed out as the pool has workers, so
      // they are decoded in parallel while memory holds at most that many decoded row groups besides this one.
      const ahead = pool.threads
      const tasks: DecodeTask[] = []
      let file: ParquetFile | undefined = first
      let fileIndex = 0
      let group = 0
      /** The next file's footer, fetched once the current file's row groups are asked for. */
      let nextFile: NextFile | undefined
      const askAhead = async () => {
        while (tasks.length <= ahead) {
          if (file && group < file.rowGroups) {
            tasks.push(decoder.start(file, group++))
            continue
          }
          if (file) {
            // This file's row groups are all asked for: on to the next file's.
            file = undefined
            fileIndex++
            group = 0
          }
          if (fileIndex >= files.length) return
          if (!nextFile) {
            const pending: NextFile = { file: open(files[fileIndex]!), opened: undefined }
            pending.file.then(
              (f) => {
                pending.opened = f
              },
              () => undefined,
            )
            nextFile = pending
          }
          // Waited for only when nothing else is there to hand out.
          if (!nextFile.opened && tasks.length > 0) return
          file = nextFile.opened ?? (await nextFile.file)
          nextFile = undefined
        }
      }
      try {
        for (;;) {
          await askAhead()
          const task = tasks.shift()
          if (!task) return
          const rows = decoder.rows(task)
          for (;;) {
            const next = await rows.next().catch(fail)
            if (next.done) break
            if (next.value.length > 0) yield next.value
          }
        }
      } finally {
        await decoder.close()
      }
    },
  }
}
