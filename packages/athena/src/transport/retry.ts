/**
 * The one owner of retries. Clients this package builds have the SDK's own
 * retry switched off (`maxAttempts: 1`), so throttling, 5xx answers and
 * dropped sockets are retried here: a bounded number of attempts with
 * exponential backoff and full jitter, capped. Every call retried here is
 * idempotent (StartQueryExecution carries a ClientRequestToken, so a retry
 * returns the same query).
 */
import { backoffDelay, type Logger, log, sleep } from '@tributary/core'
import { isRetryable } from './errors.ts'

export interface RetryOptions {
  /** Attempts in all, the first included. Default 6. */
  attempts?: number | undefined
  /** First backoff delay. Default 100 ms. */
  initialDelayMs?: number | undefined
  /** Largest backoff delay. Default 5 s. */
  maxDelayMs?: number | undefined
}

export async function withRetry<T>(
  operation: string,
  send: () => Promise<T>,
  options: RetryOptions & { signal?: AbortSignal | undefined; logger?: Logger | undefined },
): Promise<T> {
  const attempts = Math.max(1, options.attempts ?? 6)
  for (let attempt = 0; ; attempt++) {
    try {
      return await send()
    } catch (error) {
      if (attempt + 1 >= attempts || !isRetryable(error) || options.signal?.aborted) throw error
      const delay = backoffDelay(attempt, {
        initialDelayMs: options.initialDelayMs ?? 100,
        maxDelayMs: options.maxDelayMs ?? 5000,
      })
      log(options.logger, 'debug', 'retrying an Athena call', {
        operation,
        attempt: attempt + 1,
        delayMs: delay,
        error: (error as { name?: string }).name,
      })
      await sleep(delay, options.signal)
    }
  }
}
