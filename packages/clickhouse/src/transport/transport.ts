import type { ClickHouseClientConfig } from '../config.ts'

/**
 * What the ClickHouse client needs from a wire. Two implementations: HTTP on
 * undici (`http.ts`) and in-process chDB (`chdb.ts`). The client above builds
 * statements, chooses formats and decodes bytes; a transport only moves them.
 */

export type SettingValue = string | number | boolean

export interface ServerInfo {
  /** e.g. `18.16.1`, `26.7.2.1` */
  version: string
  /** `{name:Type}` placeholders with `param_name` values (19.14 / 20.x and later). */
  supportsQueryParameters: boolean
  /** `RowBinaryWithNamesAndTypes` output (19.3.3 and later). */
  supportsRowBinaryWithNamesAndTypes: boolean
  /** The server's default time zone, used to read DateTime values without their own zone. */
  timezone: string
}

export interface ClickHouseRequest {
  /** The statement text. */
  sql: string
  /** Output format for statements that return rows (HTTP `default_format`); an explicit `FORMAT` clause wins. */
  format?: string | undefined
  /**
   * Set for an INSERT whose rows follow in `body`: `sql` is then
   * `INSERT INTO <table> (<columns>) FORMAT <format>`, and transports with a
   * native insert API (chDB) may use these parts instead of the text.
   */
  insert?: { table: string; columns: readonly string[]; format: 'TabSeparated' } | undefined
  /** Parameter values already in ClickHouse's text form, by name (sent as `param_<name>`). */
  params?: Readonly<Record<string, string>> | undefined
  settings?: Readonly<Record<string, SettingValue>> | undefined
  queryId: string
  sessionId?: string | undefined
  database?: string | undefined
  /** Data that follows the statement (an INSERT's rows), streamed with backpressure. */
  body?: AsyncIterable<Uint8Array> | Uint8Array | undefined
  signal?: AbortSignal | undefined
  /** True when sending the request twice cannot change data (reads, DDL with IF [NOT] EXISTS). */
  idempotent?: boolean | undefined
  /**
   * Overrides the transport's limit on how long the server may keep the client waiting, in ms
   * (until the response starts, then for each next chunk while the reader waits for it).
   */
  timeoutMs?: number | undefined
  /**
   * True when the caller reads the whole result at once, without pausing (`query()`, `command()`):
   * the server may then also be given the time limit (`max_execution_time`). Streams leave it
   * unset, since the server's clock would count the reader's pauses.
   */
  readsWhole?: boolean | undefined
}

export interface ClickHouseProgress {
  readRows: bigint
  readBytes: bigint
  /** Undefined when the server did not report it (a summary without the counter; mutations). */
  writtenRows: bigint | undefined
  writtenBytes: bigint | undefined
  totalRowsToRead: bigint
  elapsedNs?: bigint | undefined
}

export interface ClickHouseResponse {
  queryId: string
  /** The format the server says it used (`X-ClickHouse-Format`), when known. */
  format?: string | undefined
  /** The session/server time zone (`X-ClickHouse-Timezone`), when known. */
  timezone?: string | undefined
  /**
   * The result bytes. Iterating checks for a ClickHouse exception in the
   * stream and throws a `ServerError` for it; `return()` stops the query.
   */
  body: AsyncIterable<Uint8Array>
  /** Resolves after the body is fully read, with the server's final summary when it sent one. */
  summary(): Promise<ClickHouseProgress | undefined>
}

export interface ClickHouseTransportEvents {
  onProgress?: ((queryId: string, progress: ClickHouseProgress) => void) | undefined
}

export interface ClickHouseTransport {
  readonly kind: 'http' | 'embedded'
  /** Asked once per client, then cached by the client. */
  serverInfo(signal?: AbortSignal): Promise<ServerInfo>
  request(request: ClickHouseRequest, events?: ClickHouseTransportEvents): Promise<ClickHouseResponse>
  /** Stops a running query on the server, from a different connection than the one running it. */
  kill(queryId: string): Promise<void>
  /** Ends a session: its temporary tables and settings are gone, its id may not be used again. */
  endSession(sessionId: string): Promise<void>
  close(): Promise<void>
  /**
   * Called once by `createClient` for a transport given in its config: the transport
   * takes the client options meant for the wire (settings, timeouts, logger) and
   * throws a `ConfigurationError` naming any option it cannot honour.
   */
  applyClientConfig?(config: ClickHouseClientConfig): void
}
