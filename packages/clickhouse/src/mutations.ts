import { pollUntil, TimeoutError, versionAtLeast } from '@tributary/core'
import type { ClickHouseClient, QueryOptions } from './client.ts'
import { mutationTarget } from './statement-kind.ts'
import type { ServerInfo } from './transport/transport.ts'

/**
 * `ALTER TABLE … UPDATE/DELETE` are asynchronous mutations. Servers with
 * `mutations_sync` are asked to wait (see `mutationSettings`); on older ones the
 * client polls `system.mutations` so that a statement that returned has applied.
 */
export async function waitForMutations(
  client: ClickHouseClient,
  sql: string,
  server: ServerInfo,
  options: QueryOptions,
  timeoutMs = 300_000,
): Promise<void> {
  if (supportsMutationsSync(server)) return
  const target = mutationTarget(sql)
  if (target === undefined) return
  const parts = splitTableName(target)
  await pollUntil(
    async () => {
      const { rows } = await client.query<unknown[]>(
        'SELECT count() FROM system.mutations WHERE database = ' +
          (parts.database === undefined ? 'currentDatabase()' : '{database:String}') +
          ' AND table = {table:String} AND is_done = 0',
        parts.database === undefined
          ? { table: parts.table }
          : { database: parts.database, table: parts.table },
        { signal: options.signal, sessionId: options.sessionId, rowMode: 'array' },
      )
      return BigInt(rows[0]?.[0] as bigint | number) === 0n ? true : undefined
    },
    {
      signal: options.signal,
      timeoutMs,
      initialDelayMs: 5,
      maxDelayMs: 200,
      jitter: 'none',
      onTimeout: () =>
        new TimeoutError(`mutation on ${target} did not finish in ${timeoutMs} ms`, { system: 'clickhouse' }),
    },
  )
}

/** Settings that make a mutation statement wait for its result, on servers that can. */
export function mutationSettings(sql: string, server: ServerInfo): Record<string, number> | undefined {
  return supportsMutationsSync(server) && mutationTarget(sql) !== undefined
    ? { mutations_sync: 1 }
    : undefined
}

export function supportsMutationsSync(server: ServerInfo): boolean {
  return versionAtLeast(server.version, 20, 1)
}

function splitTableName(text: string): { database?: string; table: string } {
  const parts: string[] = []
  const re = /`((?:[^`\\]|\\.)*)`|"((?:[^"\\]|\\.)*)"|([A-Za-z_][\w]*)/g
  for (const m of text.matchAll(re)) {
    const quoted = m[1] ?? m[2]
    parts.push(quoted !== undefined ? quoted.replace(/\\(.)/g, '$1') : m[3]!)
  }
  return parts.length === 2 ? { database: parts[0]!, table: parts[1]! } : { table: parts[0]! }
}
