/**
 * The wire: `@aws-sdk/client-athena` and `@aws-sdk/client-s3`. Every call
 * leaves as a typed error (`errors.ts`), and each call has one owner of its
 * retries. Clients built here get `maxAttempts: 1`, so the SDK does not retry
 * and `retry.ts` does. A client the caller passes keeps its own retry
 * strategy and is its calls' only owner: this package adds no attempts on
 * top, unless that client's `maxAttempts` is 1 (then `retry.ts` retries, as
 * for its own clients).
 */
import {
  AthenaClient,
  type AthenaClientConfig,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  type GetQueryResultsOutput,
  GetTableMetadataCommand,
  GetWorkGroupCommand,
  ListDatabasesCommand,
  ListTableMetadataCommand,
  type QueryExecution,
  StartQueryExecutionCommand,
  type StartQueryExecutionCommandInput,
  StopQueryExecutionCommand,
  type TableMetadata,
  type WorkGroup,
} from '@aws-sdk/client-athena'
import { GetObjectCommand, HeadObjectCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3'
import { ConfigurationError, type Logger } from '@tributary/core'
import { toDatabaseError } from './errors.ts'
import { type RetryOptions, withRetry } from './retry.ts'

/** Something with the SDK's `send`: an `AthenaClient` or `S3Client` of any copy of the SDK. */
interface Sender {
  send(command: unknown, options?: { abortSignal?: AbortSignal }): Promise<unknown>
  destroy?(): void
}

export interface AwsTransportConfig {
  /** An `AthenaClient`, or the config to build one from. */
  client?: AthenaClient | AthenaClientConfig | undefined
  /** An `S3Client`, or its config; by default one is built with the Athena client's region and credentials. */
  s3?: S3Client | S3ClientConfig | undefined
  retry?: RetryOptions | undefined
  /** S3 `ExpectedBucketOwner` on every read of results. */
  expectedBucketOwner?: string | undefined
  logger?: Logger | undefined
}

export interface S3Location {
  bucket: string
  key: string
}

export interface ObjectStream {
  body: AsyncIterable<Uint8Array> & { destroy?(error?: Error): void }
  contentLength: number | undefined
}

/** A GetQueryResults page: its rows, the column metadata, the token of the next page. */
export type ResultPage = Pick<GetQueryResultsOutput, 'ResultSet' | 'NextToken' | 'UpdateCount'>

interface RawResponse {
  statusCode?: number
  body?: unknown
}

interface MiddlewareStack {
  add(
    middleware: (
      next: (args: unknown) => Promise<{ response?: unknown; output?: unknown }>,
    ) => (args: unknown) => Promise<{ response?: unknown; output?: unknown }>,
    options: { step: 'build' | 'deserialize'; priority: 'low'; name: string },
  ): void
}

/**
 * GetQueryResults' JSON already is the page in the SDK's output shape (the same member names and
 * values), but the SDK's generic deserializer walks every Datum of it against the schema and builds
 * it again: for a page of 1000 rows that was the largest part of the time between two pages, and it
 * lies on the path from one page to the request for the next. So a successful answer's body is
 * parsed here, once, with `JSON.parse`, and the deserializer gets `{}` to read; any other status
 * passes through untouched, so the SDK makes its typed error of it as before. A body that does not
 * parse is handed on as it came, for the SDK to judge.
 */
function resultPageFromBody(taken: {
  page?: ResultPage
  onNextToken?: ((token: string) => void) | undefined
}) {
  return (next: (args: unknown) => Promise<{ response?: unknown; output?: unknown }>) =>
    async (args: unknown) => {
      const result = await next(args)
      const response = result.response as RawResponse | undefined
      if (response?.statusCode !== 200 || response.body === undefined || response.body === null) return result
      const bytes = await bodyBytes(response.body)
      if (bytes === undefined) return result
      try {
        // The next page can be asked for before this one is decoded and parsed (the caller checks the hint
        // against the page).
        if (taken.onNextToken) {
          const hint = nextTokenInBytes(bytes)
          if (hint !== undefined) {
            taken.onNextToken(hint)
            // The SDK sends that request through promises: let it reach the socket before this thread parses.
            await new Promise<void>((resolve) => setImmediate(resolve))
          }
        }
        taken.page = JSON.parse(utf8.decode(bytes)) as ResultPage
        response.body = new Uint8Array([0x7b, 0x7d])
      } catch {
        response.body = bytes
      }
      return result
    }
}

const utf8 = new TextDecoder()

/**
 * Stands for a NextToken not known yet in the body the SDK serializes; it cannot be a real token (those are
 * base64 text without spaces).
 */
const TOKEN_PLACEHOLDER = 'next token not known yet'
const TOKEN_PLACEHOLDER_JSON = Buffer.from(JSON.stringify(TOKEN_PLACEHOLDER))

/**
 * For a request sent before its NextToken is known: at the end of the build step, once the SDK has resolved
 * the endpoint, serialized the body and added its headers, waits for the token and writes it into the body.
 * Signing and the HTTP handler, which need the final body, come after. Those steps before it cost about a
 * millisecond of a cold CPU that would otherwise lie between a page's last byte and the next request.
 */
function tokenWhenKnown(token: Promise<string>, signal: AbortSignal | undefined) {
  return (next: (args: unknown) => Promise<{ response?: unknown; output?: unknown }>) =>
    async (args: unknown) => {
      const known = await untilAborted(token, signal)
      const request = (args as { request?: { body?: unknown; headers?: Record<string, string> } }).request
      const body = request?.body
      // The SDK serializes to bytes (to a string in older versions).
      const bytes =
        typeof body === 'string'
          ? Buffer.from(body)
          : body instanceof Uint8Array
            ? Buffer.from(body.buffer, body.byteOffset, body.byteLength)
            : undefined
      const at = bytes?.indexOf(TOKEN_PLACEHOLDER_JSON) ?? -1
      if (!bytes || at < 0) {
        throw Object.assign(new Error('the serialized GetQueryResults request has no NextToken to fill in'), {
          name: 'ProtocolError',
          $response: {},
        })
      }
      const filled = Buffer.concat([
        bytes.subarray(0, at),
        Buffer.from(JSON.stringify(known)),
        bytes.subarray(at + TOKEN_PLACEHOLDER_JSON.length),
      ])
      request!.body = typeof body === 'string' ? filled.toString() : filled
      const headers = request!.headers ?? {}
      for (const name of Object.keys(headers)) {
        if (name.toLowerCase() === 'content-length') headers[name] = String(filled.length)
      }
      return next(args)
    }
}

function abortError(): Error {
  return Object.assign(new Error('Request aborted'), { name: 'AbortError' })
}

/** `promise`, or an AbortError as soon as `signal` aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise
  if (signal.aborted) return Promise.reject(abortError())
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError())
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(error)
      },
    )
  })
}

/**
 * The top-level `NextToken` of a GetQueryResults answer, found without parsing the page. In JSON text a
 * `"NextToken"` followed by a colon can only be a key (a quote inside a string is always escaped), and only the
 * page object has that key. Undefined when it is not found in the usual form; the parsed page decides then.
 */
export function nextTokenIn(text: string): string | undefined {
  const key = text.lastIndexOf('"NextToken"')
  if (key < 0) return undefined
  let i = key + 11
  while (text.charCodeAt(i) <= 32) i++
  if (text[i] !== ':') return undefined
  i++
  while (text.charCodeAt(i) <= 32) i++
  if (text[i] !== '"') return undefined
  let j = i + 1
  while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1
  try {
    const token: unknown = JSON.parse(text.slice(i, j + 1))
    return typeof token === 'string' ? token : undefined
  } catch {
    return undefined
  }
}

const NEXT_TOKEN_KEY = Buffer.from('"NextToken"')

/**
 * `nextTokenIn` on the answer's bytes: only the text from the last `"NextToken"` on is decoded (the key is
 * ASCII, so it never matches inside a multi-byte character), not the whole page.
 */
export function nextTokenInBytes(bytes: Uint8Array): string | undefined {
  const key = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).lastIndexOf(NEXT_TOKEN_KEY)
  return key < 0 ? undefined : nextTokenIn(utf8.decode(bytes.subarray(key)))
}

/** A response body read whole: a Node stream or a web stream (both async iterables), or bytes already. */
async function bodyBytes(body: unknown): Promise<Uint8Array | undefined> {
  if (body instanceof Uint8Array) return body
  if (typeof (body as AsyncIterable<Uint8Array>)[Symbol.asyncIterator] !== 'function') return undefined
  const chunks: Uint8Array[] = []
  let length = 0
  for await (const chunk of body as AsyncIterable<Uint8Array | string>) {
    const bytes = typeof chunk === 'string' ? new TextEncoder().encode(chunk) : chunk
    chunks.push(bytes)
    length += bytes.length
  }
  if (chunks.length === 1) return chunks[0]!
  const out = new Uint8Array(length)
  let at = 0
  for (const c of chunks) {
    out.set(c, at)
    at += c.length
  }
  return out
}

export function parseS3Uri(uri: string): S3Location | undefined {
  const m = /^s3a?:\/\/([^/]+)\/?(.*)$/.exec(uri)
  return m ? { bucket: m[1]!, key: m[2]! } : undefined
}

/** A caller's SDK client's `maxAttempts` (the SDK resolves it to a provider); 3, the SDK's default, when unknown. */
async function sdkMaxAttempts(client: Sender): Promise<number> {
  const setting = (client as { config?: { maxAttempts?: unknown } }).config?.maxAttempts
  try {
    const value = typeof setting === 'function' ? await (setting as () => unknown)() : setting
    return typeof value === 'number' ? value : 3
  } catch {
    return 3
  }
}

function isSender(value: unknown): value is Sender {
  return typeof (value as Sender | undefined)?.send === 'function'
}

export class AwsTransport {
  readonly athena: AthenaClient
  readonly #s3Config: S3Client | S3ClientConfig | undefined
  #s3: S3Client | undefined
  readonly #ownsAthena: boolean
  #ownsS3 = false
  readonly #athenaConfig: AthenaClientConfig
  readonly #retry: RetryOptions
  readonly #logger: Logger | undefined
  readonly #bucketOwner: string | undefined
  readonly #secrets: (string | undefined)[] = []
  /** Whether `retry.ts` retries a client's calls: for a caller's client, only when its maxAttempts is 1. */
  readonly #retries = new WeakMap<Sender, Promise<boolean>>()

  constructor(config: AwsTransportConfig) {
    this.#retry = config.retry ?? {}
    this.#logger = config.logger
    this.#bucketOwner = config.expectedBucketOwner
    if (isSender(config.client)) {
      this.athena = config.client as AthenaClient
      this.#ownsAthena = false
      this.#athenaConfig = {}
    } else {
      this.#athenaConfig = config.client ?? {}
      this.athena = new AthenaClient({ ...this.#athenaConfig, maxAttempts: 1 })
      this.#ownsAthena = true
      this.#rememberSecrets(this.#athenaConfig.credentials)
    }
    this.#s3Config = config.s3
    if (isSender(config.s3)) this.#s3 = config.s3 as S3Client
    else this.#rememberSecrets((config.s3 as S3ClientConfig | undefined)?.credentials)
  }

  /** Whether the caller's own Athena client is used (whose retry strategy then also applies). */
  get ownsAthenaClient(): boolean {
    return this.#ownsAthena
  }

  get secrets(): readonly (string | undefined)[] {
    return this.#secrets
  }

  #rememberSecrets(credentials: unknown): void {
    if (credentials && typeof credentials === 'object') {
      const c = credentials as { secretAccessKey?: string; sessionToken?: string }
      this.#secrets.push(c.secretAccessKey, c.sessionToken)
    }
  }

  /** The S3 client, built on first use from the Athena client's settings when none was given. */
  get s3(): S3Client {
    if (this.#s3) return this.#s3
    const given = this.#s3Config as S3ClientConfig | undefined
    const base = this.#ownsAthena
      ? {
          region: this.#athenaConfig.region,
          credentials: this.#athenaConfig.credentials,
        }
      : {
          region: this.athena.config.region,
          credentials: this.athena.config.credentials,
        }
    this.#s3 = new S3Client({ ...base, ...given, maxAttempts: 1 } as S3ClientConfig)
    this.#ownsS3 = true
    return this.#s3
  }

  async #call<T>(
    operation: string,
    client: Sender,
    command: unknown,
    options: { signal?: AbortSignal | undefined; queryId?: string | undefined; retry?: boolean } = {},
  ): Promise<T> {
    const send = () =>
      client.send(command, options.signal ? { abortSignal: options.signal } : undefined) as Promise<T>
    try {
      if (options.retry === false || !(await this.#retriesFor(client))) return await send()
      return await withRetry(operation, send, {
        ...this.#retry,
        signal: options.signal,
        logger: this.#logger,
      })
    } catch (error) {
      throw toDatabaseError(error, { operation, queryId: options.queryId, secrets: this.#secrets })
    }
  }

  #retriesFor(client: Sender): Promise<boolean> {
    let known = this.#retries.get(client)
    if (known === undefined) {
      const owned = (client === this.athena && this.#ownsAthena) || (client === this.#s3 && this.#ownsS3)
      known = owned ? Promise.resolve(true) : sdkMaxAttempts(client).then((n) => n === 1)
      this.#retries.set(client, known)
    }
    return known
  }

  /** Starts a query. Not abortable: once sent, only its id lets it be stopped. */
  async startQueryExecution(input: StartQueryExecutionCommandInput): Promise<string> {
    const out = await this.#call<{ QueryExecutionId?: string }>(
      'StartQueryExecution',
      this.athena,
      new StartQueryExecutionCommand(input),
    )
    if (!out.QueryExecutionId) {
      throw toDatabaseError(
        { name: 'ProtocolError', message: 'no QueryExecutionId in the answer', $response: {} },
        { operation: 'StartQueryExecution' },
      )
    }
    return out.QueryExecutionId
  }

  async getQueryExecution(queryId: string, signal?: AbortSignal): Promise<QueryExecution> {
    const out = await this.#call<{ QueryExecution?: QueryExecution }>(
      'GetQueryExecution',
      this.athena,
      new GetQueryExecutionCommand({ QueryExecutionId: queryId }),
      { signal, queryId },
    )
    return out.QueryExecution ?? { QueryExecutionId: queryId }
  }

  /**
   * One page of GetQueryResults, as Athena wrote it. The page is taken from the response body by
   * `resultPageFromBody` below the SDK's deserializer (signing, the HTTP handler, retries and the
   * typed errors of a failed call stay the SDK's).
   */
  async getQueryResults(
    queryId: string,
    /**
     * The page's token, or a promise of it: then, on a client built here, the request is prepared at once
     * and leaves when the token is known (see `tokenWhenKnown`); a rejection fails the call before it is
     * sent.
     */
    nextToken: string | undefined | Promise<string>,
    maxResults: number,
    signal?: AbortSignal,
    /** Called with the next page's token as soon as the answer is in, before the page is parsed. */
    onNextToken?: (token: string) => void,
  ): Promise<ResultPage> {
    // A caller's client may carry middleware of its own that would see the placeholder: it waits here.
    if (typeof nextToken === 'object' && !this.#ownsAthena) nextToken = await untilAborted(nextToken, signal)
    const command = new GetQueryResultsCommand({
      QueryExecutionId: queryId,
      NextToken: typeof nextToken === 'object' ? TOKEN_PLACEHOLDER : nextToken,
      MaxResults: maxResults,
    })
    const stack = command.middlewareStack as unknown as MiddlewareStack
    if (typeof nextToken === 'object') {
      stack.add(tokenWhenKnown(nextToken, signal), {
        step: 'build',
        priority: 'low',
        name: 'tributaryNextTokenWhenKnown',
      })
    }
    const taken: { page?: ResultPage; onNextToken?: ((token: string) => void) | undefined } = { onNextToken }
    stack.add(resultPageFromBody(taken), {
      step: 'deserialize',
      priority: 'low',
      name: 'tributaryResultPageFromBody',
    })
    const out = await this.#call<ResultPage>('GetQueryResults', this.athena, command, { signal, queryId })
    return taken.page ?? out
  }

  async stopQueryExecution(queryId: string): Promise<void> {
    await this.#call(
      'StopQueryExecution',
      this.athena,
      new StopQueryExecutionCommand({ QueryExecutionId: queryId }),
      {
        queryId,
      },
    )
  }

  async getWorkGroup(name: string): Promise<WorkGroup | undefined> {
    const out = await this.#call<{ WorkGroup?: WorkGroup }>(
      'GetWorkGroup',
      this.athena,
      new GetWorkGroupCommand({ WorkGroup: name }),
    )
    return out.WorkGroup
  }

  async listDatabases(catalog: string): Promise<string[]> {
    const names: string[] = []
    let token: string | undefined
    do {
      const out = await this.#call<{ DatabaseList?: { Name?: string }[]; NextToken?: string }>(
        'ListDatabases',
        this.athena,
        new ListDatabasesCommand({ CatalogName: catalog, NextToken: token, MaxResults: 50 }),
      )
      for (const d of out.DatabaseList ?? []) if (d.Name) names.push(d.Name)
      token = out.NextToken
    } while (token)
    return names
  }

  async listTableMetadata(catalog: string, database: string): Promise<TableMetadata[]> {
    const tables: TableMetadata[] = []
    let token: string | undefined
    do {
      const out = await this.#call<{ TableMetadataList?: TableMetadata[]; NextToken?: string }>(
        'ListTableMetadata',
        this.athena,
        new ListTableMetadataCommand({
          CatalogName: catalog,
          DatabaseName: database,
          NextToken: token,
          MaxResults: 50,
        }),
      )
      tables.push(...(out.TableMetadataList ?? []))
      token = out.NextToken
    } while (token)
    return tables
  }

  async getTableMetadata(
    catalog: string,
    database: string,
    table: string,
  ): Promise<TableMetadata | undefined> {
    const out = await this.#call<{ TableMetadata?: TableMetadata }>(
      'GetTableMetadata',
      this.athena,
      new GetTableMetadataCommand({ CatalogName: catalog, DatabaseName: database, TableName: table }),
    )
    return out.TableMetadata
  }

  /** A result object's body as a stream of bytes (the caller reads it to the end or destroys it). */
  async getObjectStream(
    uri: string,
    signal: AbortSignal | undefined,
    queryId: string | undefined,
  ): Promise<ObjectStream> {
    const location = this.#location(uri)
    const out = await this.#call<{ Body?: unknown; ContentLength?: number }>(
      'GetObject',
      this.s3,
      new GetObjectCommand({
        Bucket: location.bucket,
        Key: location.key,
        ExpectedBucketOwner: this.#bucketOwner,
      }),
      { signal, queryId },
    )
    return {
      body: out.Body as AsyncIterable<Uint8Array> & { destroy?(error?: Error): void },
      contentLength: out.ContentLength,
    }
  }

  /** Bytes `start` (inclusive) to `end` (exclusive) of an object. */
  async getObjectRange(
    uri: string,
    start: number,
    end: number,
    signal: AbortSignal | undefined,
    queryId: string | undefined,
  ): Promise<Uint8Array> {
    const location = this.#location(uri)
    return this.#retryRead(async () => {
      const body = await this.#getObjectBody(location, `bytes=${start}-${end - 1}`, signal, queryId)
      const bytes = await body.transformToByteArray().catch((error: unknown) => {
        throw toDatabaseError(error, { operation: 'GetObject', queryId, secrets: this.#secrets })
      })
      if (bytes.length !== end - start) {
        throw toDatabaseError(
          {
            name: 'IncompleteBody',
            message: `expected ${end - start} bytes, got ${bytes.length}`,
            code: 'ECONNRESET',
          },
          { operation: 'GetObject', queryId },
        )
      }
      return bytes
    }, signal)
  }

  async objectSize(
    uri: string,
    signal: AbortSignal | undefined,
    queryId: string | undefined,
  ): Promise<number> {
    const location = this.#location(uri)
    const out = await this.#call<{ ContentLength?: number }>(
      'HeadObject',
      this.s3,
      new HeadObjectCommand({
        Bucket: location.bucket,
        Key: location.key,
        ExpectedBucketOwner: this.#bucketOwner,
      }),
      { signal, queryId },
    )
    return out.ContentLength ?? 0
  }

  async getObjectText(
    uri: string,
    signal: AbortSignal | undefined,
    queryId: string | undefined,
  ): Promise<string> {
    const location = this.#location(uri)
    return this.#retryRead(async () => {
      const body = await this.#getObjectBody(location, undefined, signal, queryId)
      return body.transformToString()
    }, signal).catch((error: unknown) => {
      throw toDatabaseError(error, { operation: 'GetObject', queryId, secrets: this.#secrets })
    })
  }

  /** One GetObject attempt (whole, or a byte range) for a body read whole; `#retryRead` owns the retries. */
  async #getObjectBody(
    location: S3Location,
    range: string | undefined,
    signal: AbortSignal | undefined,
    queryId: string | undefined,
  ): Promise<{ transformToByteArray(): Promise<Uint8Array>; transformToString(): Promise<string> }> {
    const out = await this.#call<{
      Body?: { transformToByteArray(): Promise<Uint8Array>; transformToString(): Promise<string> }
    }>(
      'GetObject',
      this.s3,
      new GetObjectCommand({
        Bucket: location.bucket,
        Key: location.key,
        Range: range,
        ExpectedBucketOwner: this.#bucketOwner,
      }),
      { signal, queryId, retry: false },
    )
    return out.Body!
  }

  /**
   * A GetObject whose body is read whole, retried as one (a body that breaks off included) when the S3
   * client's retries are ours; a caller's S3 client retries its requests itself and a broken body fails.
   */
  async #retryRead<T>(read: () => Promise<T>, signal: AbortSignal | undefined): Promise<T> {
    if (!(await this.#retriesFor(this.s3))) return read()
    return withRetry('GetObject', read, { ...this.#retry, signal, logger: this.#logger })
  }

  #location(uri: string): S3Location {
    const location = parseS3Uri(uri)
    if (!location) throw new ConfigurationError(`not an S3 location: ${uri}`, { system: 'athena' })
    return location
  }

  destroy(): void {
    if (this.#ownsAthena) this.athena.destroy()
    if (this.#ownsS3) this.#s3?.destroy()
  }
}
