/**
 * The Athena client: queries run to completion on Athena (start, poll, stop on
 * abort) and their rows read in one of three modes behind one row stream.
 * Kysely's driver and Drizzle's session use it through `SqlClient`; it can be
 * used alone.
 */
import type { QueryExecution, StartQueryExecutionCommandInput } from '@aws-sdk/client-athena'
import {
  type AcquireOptions,
  type Capabilities,
  type ColumnInfo,
  ConfigurationError,
  EventLoopTurns,
  flatten,
  log,
  NotSupportedError,
  objectBuilder,
  QueryCancelledError,
  type RowMode,
  rebatch,
  type SqlClient,
  type SqlConnection,
  type SqlResult,
  type SqlStatement,
  untilAborted,
} from '@tributary/core'
import type { AthenaClientConfig } from './config.ts'
import { AthenaConnection } from './connection.ts'
import { bindParameters } from './params/bind.ts'
import { type QueryStatistics, runQueryExecution, statisticsOf } from './query-execution.ts'
import { QuerySlots } from './query-slots.ts'
import { readThroughApi } from './results/api-pages.ts'
import { readThroughCsv } from './results/csv.ts'
import type { ResultMode, ResultReader } from './results/reader.ts'
import { readThroughUnload, unloadStatement } from './results/unload.ts'
import { classifyStatement } from './statement-kind.ts'
import { AwsTransport } from './transport/aws.ts'

export interface QueryOptions {
  signal?: AbortSignal | undefined
  /** `object` (default) or positional `array` rows. */
  rowMode?: RowMode | undefined
  /** This query's result mode, over the client's. */
  resultMode?: ResultMode | undefined
  /** Write every value into the statement instead of sending `ExecutionParameters`. */
  inlineParameters?: boolean | undefined
  /** Called once with the query's id as soon as Athena assigns it. */
  onQueryId?: ((queryId: string) => void) | undefined
  timeoutMs?: number | undefined
}

export interface StreamOptions extends QueryOptions {
  /** Rows per batch. */
  batchSize?: number | undefined
}

export interface AthenaResult<R> {
  rows: R[]
  columns: ColumnInfo[]
  queryId: string
  /** `UpdateCount` of INSERT, CTAS, UPDATE, DELETE, MERGE. */
  numAffectedRows: bigint | undefined
  statistics: QueryStatistics
  /** The mode that read the rows. */
  mode: ResultMode
  execution: QueryExecution
}

/** A query that finished on Athena, its rows not read yet. */
export interface FinishedQuery {
  queryId: string
  execution: QueryExecution
  statistics: QueryStatistics
  columns: ColumnInfo[]
  numAffectedRows: bigint | undefined
  mode: ResultMode
  /** Rows in batches of `batchSize`; pulled, so memory holds about one batch (or one row group) at a time. */
  batches<R = Record<string, unknown>>(batchSize?: number): AsyncGenerator<R[], void, undefined>
}

const CAPABILITIES: Capabilities = {
  transactions: false,
  savepoints: false,
  returning: false,
  serverSideCancel: true,
  sessions: false,
  transactionalDdl: false,
}

interface ResultStorage {
  /** The workgroup keeps results itself: only GetQueryResults can read them. */
  managed: boolean
  outputLocation: string | undefined
}

export class AthenaQueryClient implements SqlClient {
  readonly system = 'athena'
  readonly displayName = 'Amazon Athena'
  readonly capabilities = CAPABILITIES
  readonly transport: AwsTransport
  readonly config: Readonly<AthenaClientConfig>
  readonly #slots: QuerySlots
  #storage: Promise<ResultStorage> | undefined
  #closed = false

  constructor(config: AthenaClientConfig = {}) {
    this.config = config
    this.transport = new AwsTransport({
      client: config.client,
      s3: config.s3,
      retry: config.retry,
      expectedBucketOwner: config.expectedBucketOwner,
      logger: config.logger,
    })
    this.#slots = new QuerySlots(config.maxConcurrentQueries ?? 20)
    const mode = config.resultMode ?? 'api'
    if (mode !== 'api' && mode !== 'csv' && mode !== 'unload') {
      throw new ConfigurationError(`resultMode must be 'api', 'csv' or 'unload', got ${String(mode)}`, {
        system: 'athena',
      })
    }
  }

  /** Queries queued or running now, and callers waiting for a turn (`maxConcurrentQueries`). */
  get inFlight(): { running: number; waiting: number } {
    return { running: this.#slots.busy, waiting: this.#slots.waiting }
  }

  /** Runs a statement and reads all its rows. */
  async query<R = Record<string, unknown>>(
    sql: string,
    params: readonly unknown[] = [],
    options: QueryOptions = {},
  ): Promise<AthenaResult<R>> {
    const finished = await this.run(sql, params, options)
    const rows: R[] = []
    for await (const batch of finished.batches<R>(Number.MAX_SAFE_INTEGER))
      for (const row of batch) rows.push(row)
    return {
      rows,
      columns: finished.columns,
      queryId: finished.queryId,
      numAffectedRows: finished.numAffectedRows,
      statistics: finished.statistics,
      mode: finished.mode,
      execution: finished.execution,
    }
  }

  /** Rows one at a time. Breaking out of `for await`, an error, or the signal stops the reading. */
  stream<R = Record<string, unknown>>(
    sql: string,
    params: readonly unknown[] = [],
    options: StreamOptions = {},
  ): AsyncIterableIterator<R> {
    return flatten(this.streamBatches<R>(sql, params, options))
  }

  /** Like `stream`, in batches of `batchSize` rows (the last may be shorter). */
  async *streamBatches<R = Record<string, unknown>>(
    sql: string,
    params: readonly unknown[] = [],
    options: StreamOptions = {},
  ): AsyncGenerator<R[], void, undefined> {
    const finished = await this.run(sql, params, options)
    yield* finished.batches<R>(options.batchSize ?? this.config.streamBatchSize ?? 1000)
  }

  /**
   * Runs a statement until Athena reports it SUCCEEDED; its rows are read
   * from the result only when `batches()` is pulled.
   */
  async run(
    sql: string,
    params: readonly unknown[] = [],
    options: QueryOptions = {},
  ): Promise<FinishedQuery> {
    this.#assertOpen()
    const kind = classifyStatement(sql)
    let mode: ResultMode = kind.query ? (options.resultMode ?? this.config.resultMode ?? 'api') : 'api'
    if (mode === 'unload' && kind.ordered) {
      if (this.config.orderedUnload === 'refuse') {
        throw new NotSupportedError(
          'UNLOAD writes its files in no order, so a query ending in ORDER BY cannot be read in unload mode; ' +
            "read it with resultMode 'csv' or 'api'",
          { system: 'athena' },
        )
      }
      mode = 'csv'
    }
    let unloadPrefix: string | undefined
    if (mode !== 'api') {
      const storage = await this.#resultStorage()
      if (storage.managed) mode = 'api'
      else if (mode === 'unload') {
        unloadPrefix =
          this.config.unloadLocation ??
          (storage.outputLocation ? `${slash(storage.outputLocation)}unload/` : undefined)
        if (unloadPrefix === undefined) mode = 'csv'
      }
    }
    const bound = bindParameters(sql, params, kind, { inline: options.inlineParameters || mode === 'unload' })
    const queryString = mode === 'unload' ? unloadStatement(bound.sql, unloadPrefix!).sql : bound.sql
    const onQueryId = (queryId: string) => {
      this.config.onQueryStart?.(queryId)
      options.onQueryId?.(queryId)
    }
    const execution = await runQueryExecution(
      this.transport,
      this.#startInput(queryString, bound.executionParameters),
      {
        signal: options.signal,
        onQueryId,
        onPoll: this.config.onPoll,
        timeoutMs: options.timeoutMs ?? this.config.queryTimeoutMs,
        poll: this.config.poll,
        slots: this.#slots,
        logger: this.config.logger,
      },
    )
    const queryId = execution.QueryExecutionId!
    if (mode === 'csv' && !execution.ResultConfiguration?.OutputLocation?.endsWith('.csv')) mode = 'api'
    const reader = await this.#reader(mode, execution, options.signal)
    const columns = reader.columns.map((c) => ({ name: c.name, type: c.type }))
    const rowMode = options.rowMode ?? 'object'
    const signal = options.signal
    return {
      queryId,
      execution,
      statistics: statisticsOf(execution),
      columns,
      numAffectedRows: reader.numAffectedRows,
      mode: reader.mode,
      batches<R>(batchSize = 1000) {
        const shaped = rebatch(shapeRows<R>(reader, columns, rowMode), batchSize)
        return untilAborted(
          shaped,
          signal,
          (aborted) =>
            new QueryCancelledError(`reading the result of Athena query ${queryId} was aborted`, {
              queryId,
              system: 'athena',
              code: 'ABORTED',
              cause: aborted.reason,
            }),
        )
      },
    }
  }

  async acquire(options?: AcquireOptions): Promise<SqlConnection> {
    this.#assertOpen()
    if (options?.exclusive) {
      throw new NotSupportedError(
        'Amazon Athena has no sessions (cannot hold a connection of its own): each statement is a query execution',
        { system: 'athena' },
      )
    }
    return new AthenaConnection(this)
  }

  /** `SqlClient` execution for the bridges. */
  async executeStatement<R>(
    statement: SqlStatement,
  ): Promise<SqlResult<R> & { statistics: QueryStatistics }> {
    const result = await this.query<R>(statement.sql, statement.params, {
      signal: statement.signal,
      rowMode: statement.rowMode,
      onQueryId: statement.onQueryId,
    })
    return {
      rows: result.rows,
      columns: result.columns,
      queryId: result.queryId,
      numAffectedRows: result.numAffectedRows,
      statistics: result.statistics,
    }
  }

  async *streamStatement<R>(
    statement: SqlStatement,
    batchSize: number,
  ): AsyncGenerator<R[], void, undefined> {
    yield* this.streamBatches<R>(statement.sql, statement.params, {
      signal: statement.signal,
      rowMode: statement.rowMode,
      onQueryId: statement.onQueryId,
      batchSize,
    })
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.transport.destroy()
  }

  #startInput(
    queryString: string,
    executionParameters: string[] | undefined,
  ): Omit<StartQueryExecutionCommandInput, 'ClientRequestToken'> {
    const c = this.config
    const input: Omit<StartQueryExecutionCommandInput, 'ClientRequestToken'> = {
      QueryString: queryString,
      WorkGroup: c.workGroup,
      ExecutionParameters: executionParameters,
    }
    if (c.database !== undefined || c.catalog !== undefined) {
      input.QueryExecutionContext = { Database: c.database, Catalog: c.catalog }
    }
    if (c.outputLocation !== undefined || c.encryption !== undefined || c.expectedBucketOwner !== undefined) {
      input.ResultConfiguration = {
        OutputLocation: c.outputLocation,
        EncryptionConfiguration: c.encryption,
        ExpectedBucketOwner: c.expectedBucketOwner,
      }
    }
    if (c.resultReuse) {
      const age = typeof c.resultReuse === 'object' ? c.resultReuse.maxAgeInMinutes : undefined
      input.ResultReuseConfiguration = {
        ResultReuseByAgeConfiguration: { Enabled: true, MaxAgeInMinutes: age ?? 60 },
      }
    }
    return input
  }

  async #reader(
    mode: ResultMode,
    execution: QueryExecution,
    signal: AbortSignal | undefined,
  ): Promise<ResultReader> {
    if (mode === 'unload')
      return readThroughUnload(this.transport, execution, { signal, decoders: this.config.parquetDecoders })
    if (mode === 'csv') return readThroughCsv(this.transport, execution, { signal })
    return readThroughApi(this.transport, execution, { signal, pageSize: this.config.pageSize })
  }

  /** Where results go, asked of the workgroup once when a mode other than `api` needs to know. */
  #resultStorage(): Promise<ResultStorage> {
    this.#storage ??= (async (): Promise<ResultStorage> => {
      const name = this.config.workGroup ?? 'primary'
      try {
        const workGroup = await this.transport.getWorkGroup(name)
        const configuration = workGroup?.Configuration as
          | {
              ManagedQueryResultsConfiguration?: { Enabled?: boolean }
              ResultConfiguration?: { OutputLocation?: string }
              EnforceWorkGroupConfiguration?: boolean
            }
          | undefined
        const managed = configuration?.ManagedQueryResultsConfiguration?.Enabled === true
        const own = configuration?.ResultConfiguration?.OutputLocation
        const enforced = configuration?.EnforceWorkGroupConfiguration === true
        return { managed, outputLocation: enforced ? own : (this.config.outputLocation ?? own) }
      } catch (error) {
        log(this.config.logger, 'warn', 'GetWorkGroup failed; results are read as if it kept no settings', {
          workGroup: name,
          error: error instanceof Error ? error.message : String(error),
        })
        return { managed: false, outputLocation: this.config.outputLocation }
      }
    })()
    return this.#storage
  }

  #assertOpen(): void {
    if (this.#closed) throw new ConfigurationError('the Athena client is closed', { system: 'athena' })
  }
}

function slash(location: string): string {
  return location.endsWith('/') ? location : `${location}/`
}

/** Rows handed on at a time, so that a large batch (a Parquet row group) is shaped between event-loop turns. */
const SHAPE_SLICE = 1000
/** Longest stretch of shaping, together with the consumer's work on the rows handed out, between two turns. */
const SHAPE_TURN_MS = 2

async function* shapeRows<R>(
  reader: ResultReader,
  columns: ColumnInfo[],
  rowMode: RowMode,
): AsyncGenerator<R[], void, undefined> {
  const toObject = objectBuilder<R>(columns.map((c) => c.name))
  const turns = new EventLoopTurns(SHAPE_TURN_MS)
  for await (const batch of reader.batches()) {
    for (let start = 0; start < batch.length; start += SHAPE_SLICE) {
      const end = Math.min(batch.length, start + SHAPE_SLICE)
      if (rowMode === 'array') {
        yield (start === 0 && end === batch.length ? batch : batch.slice(start, end)) as R[]
      } else {
        const rows: R[] = new Array(end - start)
        for (let r = start; r < end; r++) rows[r - start] = toObject(batch[r]!)
        yield rows
      }
      await turns.maybeYield()
    }
  }
}

export function createClient(config: AthenaClientConfig = {}): AthenaQueryClient {
  return new AthenaQueryClient(config)
}
