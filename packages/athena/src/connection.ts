/**
 * A lease on the Athena client, as Kysely and Drizzle acquire it. Athena has
 * no sessions: every statement is a query execution of its own, so a lease
 * holds nothing and any number run at once (up to the client's
 * `maxConcurrentQueries`).
 */
import type { ReleaseOptions, SqlConnection, SqlResult, SqlStatement } from '@tributary/core'
import type { AthenaQueryClient } from './client.ts'

export class AthenaConnection implements SqlConnection {
  readonly client: AthenaQueryClient

  constructor(client: AthenaQueryClient) {
    this.client = client
  }

  execute<R>(statement: SqlStatement): Promise<SqlResult<R>> {
    return this.client.executeStatement<R>(statement)
  }

  stream<R>(statement: SqlStatement, options: { batchSize: number }): AsyncIterable<R[]> {
    return this.client.streamStatement<R>(statement, options.batchSize)
  }

  async release(_options?: ReleaseOptions): Promise<void> {}
}
