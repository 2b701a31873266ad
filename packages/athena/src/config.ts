import type {
  AthenaClient,
  EncryptionConfiguration,
  QueryExecution,
  AthenaClientConfig as SdkAthenaConfig,
} from '@aws-sdk/client-athena'
import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3'
import type { Logger } from '@tributary/core'
import type { PollOptions } from './query-execution.ts'
import type { ParquetDecoderPool } from './results/parquet-decoder.ts'
import type { ResultMode } from './results/reader.ts'
import type { RetryOptions } from './transport/retry.ts'

export interface AthenaClientConfig {
  /**
   * An `AthenaClient` of `@aws-sdk/client-athena`, or the config to build one
   * from (`{ region, credentials, endpoint }`). A client built here has the
   * SDK's retries off (`maxAttempts: 1`) and this package retries instead
   * (`retry`). A client you pass keeps its own retry strategy and is then the
   * only one retrying its calls (`retry` is not applied on top), unless you
   * built it with `maxAttempts: 1`, in which case `retry` applies as for a
   * client built here.
   */
  client?: AthenaClient | SdkAthenaConfig | undefined
  /**
   * An `S3Client` or its config for reading result files; by default built from the Athena client's region
   * and credentials. Retries follow the same rule as `client`.
   */
  s3?: S3Client | S3ClientConfig | undefined
  /** `QueryExecutionContext.Database`. */
  database?: string | undefined
  /** `QueryExecutionContext.Catalog`. Default `AwsDataCatalog`. */
  catalog?: string | undefined
  /** Default `primary`. */
  workGroup?: string | undefined
  /** `ResultConfiguration.OutputLocation` (`s3://bucket/prefix/`); without it the workgroup's. */
  outputLocation?: string | undefined
  /** How results are read: GetQueryResults pages (`api`, default), `<id>.csv` from S3 (`csv`), or UNLOAD to Parquet (`unload`). */
  resultMode?: ResultMode | undefined
  /** Where `unload` writes its Parquet files: default `<outputLocation>unload/`. */
  unloadLocation?: string | undefined
  /**
   * What `unload` does with a query that ends in ORDER BY (UNLOAD writes its files in no order):
   * `csv` (default) reads that one query through its CSV file instead, `refuse` throws `NotSupportedError`.
   */
  orderedUnload?: 'csv' | 'refuse' | undefined
  /**
   * The worker threads that decode `unload`'s Parquet row groups. By default one pool for the whole process,
   * shared by every client and every read, of `defaultDecoderThreads()` workers (the cores Node may use, one
   * fewer above 2 cores, at most 4); pass `new ParquetDecoderPool({ threads })` for another size.
   */
  parquetDecoders?: ParquetDecoderPool | undefined
  /** `ResultConfiguration.EncryptionConfiguration` (SSE_S3, SSE_KMS with a key, CSE_KMS). */
  encryption?: EncryptionConfiguration | undefined
  /** `ResultConfiguration.ExpectedBucketOwner`, also sent on every S3 read of results. */
  expectedBucketOwner?: string | undefined
  /** Reuse results of the same query younger than this (`ResultReuseByAgeConfiguration`). */
  resultReuse?: { maxAgeInMinutes?: number | undefined } | boolean | undefined
  /** Queries queued or running at once from this client; more wait their turn. Default 20. */
  maxConcurrentQueries?: number | undefined
  /** Stops a query that has not finished after this long (`TimeoutError`). Default: none. */
  queryTimeoutMs?: number | undefined
  /** GetQueryExecution polling: first delay 50 ms, ×1.5 each time, at most 2 s, with full jitter. */
  poll?: PollOptions | undefined
  /** Throttling, 5xx and dropped sockets: 6 attempts, backoff from 100 ms to 5 s with full jitter. */
  retry?: RetryOptions | undefined
  /** Rows per GetQueryResults page in `api` mode (1 to 1000). Default 1000. */
  pageSize?: number | undefined
  /** Called with every query's id as soon as Athena assigns it (PyAthena's `on_start_query_execution`). */
  onQueryStart?: ((queryId: string) => void) | undefined
  /** Called with each GetQueryExecution answer while a query runs. */
  onPoll?: ((execution: QueryExecution) => void) | undefined
  /** Rows per batch of `stream()`. Default 1000. */
  streamBatchSize?: number | undefined
  logger?: Logger | undefined
}
