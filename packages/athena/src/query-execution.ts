/**
 * One query's life on Athena: StartQueryExecution, GetQueryExecution polled
 * with backoff and jitter until a final state, StopQueryExecution when the
 * caller aborts or a deadline passes.
 *
 * QUEUED and RUNNING are waited through in any order (Athena can move a query
 * from RUNNING back to QUEUED after a transient failure); FAILED becomes an
 * `AthenaQueryError` and CANCELLED a `QueryCancelledError`, both naming the
 * query id. An abort that arrives while StartQueryExecution is on its way
 * cannot stop anything yet: the start is awaited for its id, then stopped.
 */
import { randomUUID } from 'node:crypto'
import type { QueryExecution, StartQueryExecutionCommandInput } from '@aws-sdk/client-athena'
import {
  type BackoffOptions,
  type Logger,
  log,
  pollUntil,
  QueryCancelledError,
  TimeoutError,
} from '@tributary/core'
import { AthenaQueryError, errorName } from './errors.ts'
import type { QuerySlots } from './query-slots.ts'
import type { AwsTransport } from './transport/aws.ts'

export type QueryState = 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED'

export interface PollOptions extends Pick<BackoffOptions, 'initialDelayMs' | 'maxDelayMs' | 'multiplier'> {}

export interface QueryLifeOptions {
  signal?: AbortSignal | undefined
  /** Called once with the id as soon as StartQueryExecution answers. */
  onQueryId?: ((queryId: string) => void) | undefined
  /** Called with each execution the poll reads (state, statistics so far). */
  onPoll?: ((execution: QueryExecution) => void) | undefined
  /** Stops the query and fails with `TimeoutError` when it has not finished by then. */
  timeoutMs?: number | undefined
  poll?: PollOptions | undefined
  slots: QuerySlots
  logger?: Logger | undefined
}

const FINAL = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED'])

/** Runs a query to SUCCEEDED and returns its execution; anything else throws a typed error naming the id. */
export async function runQueryExecution(
  transport: AwsTransport,
  input: Omit<StartQueryExecutionCommandInput, 'ClientRequestToken'>,
  options: QueryLifeOptions,
): Promise<QueryExecution> {
  const { signal } = options
  const release = await options.slots.acquire(signal)
  try {
    if (signal?.aborted) throw cancelled(undefined, 'before it was sent')
    // Not abortable: an abort now must wait for the id to stop the query.
    const queryId = await transport.startQueryExecution({ ...input, ClientRequestToken: randomUUID() })
    try {
      options.onQueryId?.(queryId)
    } catch (error) {
      log(options.logger, 'warn', 'the onQueryId hook threw', { queryId, error: String(error) })
    }
    const execution = await waitForFinalState(transport, queryId, options)
    return checkSucceeded(execution, queryId)
  } finally {
    release()
  }
}

async function waitForFinalState(
  transport: AwsTransport,
  queryId: string,
  options: QueryLifeOptions,
): Promise<QueryExecution> {
  const { signal } = options
  const deadline = options.timeoutMs === undefined ? undefined : AbortSignal.timeout(options.timeoutMs)
  const stop = signal && deadline ? AbortSignal.any([signal, deadline]) : (signal ?? deadline)
  try {
    return await pollUntil(
      async () => {
        const execution = await transport.getQueryExecution(queryId, stop)
        try {
          options.onPoll?.(execution)
        } catch (error) {
          log(options.logger, 'warn', 'the onPoll hook threw', { queryId, error: String(error) })
        }
        return FINAL.has(execution.Status?.State ?? '') ? execution : undefined
      },
      {
        signal: stop,
        initialDelayMs: options.poll?.initialDelayMs ?? 50,
        maxDelayMs: options.poll?.maxDelayMs ?? 2000,
        multiplier: options.poll?.multiplier ?? 1.5,
      },
    )
  } catch (error) {
    if (!stop?.aborted) throw error
    await stopQuery(transport, queryId, options.logger)
    if (deadline?.aborted && !signal?.aborted) {
      throw new TimeoutError(
        `Athena query ${queryId} did not finish within ${options.timeoutMs} ms and was stopped`,
        {
          queryId,
          system: 'athena',
          code: 'TIMEOUT',
        },
      )
    }
    throw cancelled(queryId, 'and stopped on Athena', signal?.reason)
  }
}

/** StopQueryExecution; a failure is logged, since the caller's own error says more. */
export async function stopQuery(
  transport: AwsTransport,
  queryId: string,
  logger: Logger | undefined,
): Promise<void> {
  try {
    await transport.stopQueryExecution(queryId)
  } catch (error) {
    log(logger, 'warn', 'StopQueryExecution failed', {
      queryId,
      error: error instanceof Error ? error.message : String(error),
    })
  }
}

function checkSucceeded(execution: QueryExecution, queryId: string): QueryExecution {
  const status = execution.Status ?? {}
  if (status.State === 'SUCCEEDED') return execution
  const reason = status.AthenaError?.ErrorMessage ?? status.StateChangeReason
  if (status.State === 'CANCELLED') {
    throw new QueryCancelledError(`Athena query ${queryId} was cancelled: ${reason ?? 'no reason given'}`, {
      queryId,
      system: 'athena',
      code: 'CANCELLED',
    })
  }
  const error = status.AthenaError
  throw new AthenaQueryError(
    `Athena query ${queryId} failed: ${reason ?? 'no reason given'}`,
    {
      errorCategory: error?.ErrorCategory,
      errorType: error?.ErrorType,
      retryable: error?.Retryable,
      errorMessage: reason,
    },
    { code: errorName(reason, error?.ErrorType), queryId, system: 'athena' },
  )
}

function cancelled(queryId: string | undefined, how: string, cause?: unknown): QueryCancelledError {
  const what = queryId ? `Athena query ${queryId}` : 'the Athena query'
  return new QueryCancelledError(`${what} was aborted ${how}`, {
    queryId,
    system: 'athena',
    code: 'ABORTED',
    cause,
  })
}

/** Statistics Athena reports for every finished query. */
export interface QueryStatistics {
  dataScannedInBytes: number | undefined
  engineExecutionTimeInMillis: number | undefined
  queryQueueTimeInMillis: number | undefined
  queryPlanningTimeInMillis: number | undefined
  serviceProcessingTimeInMillis: number | undefined
  totalExecutionTimeInMillis: number | undefined
  /** The result came from an earlier run (result reuse). */
  reusedPreviousResult: boolean
  dataManifestLocation: string | undefined
}

export function statisticsOf(execution: QueryExecution): QueryStatistics {
  const s = execution.Statistics ?? {}
  return {
    dataScannedInBytes: s.DataScannedInBytes,
    engineExecutionTimeInMillis: s.EngineExecutionTimeInMillis,
    queryQueueTimeInMillis: s.QueryQueueTimeInMillis,
    queryPlanningTimeInMillis: s.QueryPlanningTimeInMillis,
    serviceProcessingTimeInMillis: s.ServiceProcessingTimeInMillis,
    totalExecutionTimeInMillis: s.TotalExecutionTimeInMillis,
    reusedPreviousResult: s.ResultReuseInformation?.ReusedPreviousResult === true,
    dataManifestLocation: s.DataManifestLocation,
  }
}
