/** The client on embedded chDB, and the error types of the installed copy of core. */
import { createClient, DatabaseError, ServerError } from '@tributary/clickhouse'
import { chdb } from '@tributary/clickhouse/embedded'
import * as core from '@tributary/core'

const client = createClient({ transport: chdb({ path: './data' }) })
const { rows } = await client.query<{ n: bigint; s: string }>(
  'SELECT toUInt64({n:UInt64}) + 1 AS n, {s:String} AS s',
  {
    n: 9007199254740992n,
    s: "it's",
  },
)
let streamed = 0n
for await (const row of client.stream<{ number: bigint }>('SELECT number FROM numbers(10000)'))
  streamed += row.number
let error: unknown
try {
  await client.query('SELECT * FROM no_such_table')
} catch (e) {
  error = e
}
await client.close()

// A second copy of core, loaded from another directory, as when two dialects each bring their own.
const second = (await import(new URL('./second-core/dist/index.js', import.meta.url).href)) as typeof core

console.log(
  JSON.stringify({
    n: String(rows[0]!.n),
    nType: typeof rows[0]!.n,
    s: rows[0]!.s,
    streamed: String(streamed),
    name: error instanceof Error ? error.name : typeof error,
    code: (error as ServerError).code,
    codeType: typeof (error as ServerError).code,
    databaseError: error instanceof DatabaseError,
    serverError: error instanceof ServerError,
    coreDatabaseError: error instanceof core.DatabaseError,
    sameClass: DatabaseError === core.DatabaseError,
    secondCopyDistinct: second.DatabaseError !== core.DatabaseError,
    secondCopyDatabaseError: error instanceof second.DatabaseError,
    secondCopyServerError: error instanceof second.ServerError,
    secondCopyNotConnectionError: !(error instanceof second.ConnectionError),
  }),
)
