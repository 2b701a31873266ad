/**
 * A project with only `@tributary/clickhouse` installed: the root entry point and the embedded one load;
 * using chDB without the optional `chdb` package is a clear typed error.
 */
import { ConfigurationError, createClient, DatabaseError } from '@tributary/clickhouse'
import { chdb } from '@tributary/clickhouse/embedded'

const client = createClient({ transport: chdb({ path: './data' }) })
let error: unknown
try {
  await client.query('SELECT 1')
} catch (e) {
  error = e
}
let closeError: unknown
try {
  await client.close()
} catch (e) {
  closeError = e
}
console.log(
  JSON.stringify({
    databaseError: error instanceof DatabaseError,
    configurationError: error instanceof ConfigurationError,
    message: error instanceof Error ? error.message : String(error),
    closeError: closeError === undefined ? null : String(closeError),
  }),
)
