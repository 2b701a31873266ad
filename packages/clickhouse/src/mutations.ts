import { setTimeout as sleep } from 'node:timers/promises'
import { TimeoutError } from '@tributary/core'
import type { ClickHouseClient, QueryOptions } from './client.ts'
import { versionAtLeast } from './server-version.ts'
import type { ServerInfo } from './transport/transport.ts'

const MUTATION =
  /^\s*ALTER\s+TABLE\s+((?:`(?:[^`\\]|\\.)*`|[A-Za-z_][\w]*)(?:\.(?:`(?:[^`\\]|\\.)*`|[A-Za-z_][\w]*))?)\s+(?:ON\s+CLUSTER\s+\S+\s+)?(?:UPDATE|DELETE)\b/i

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
  const match = MUTATION.exec(sql)
  if (!match) return
  const parts = splitTableName(match[1]!)
  const deadline = Date.now() + timeoutMs
  for (let delay = 5; ; delay = Math.min(delay * 2, 200)) {
    const { rows } = await client.query<unknown[]>(
      'SELECT count() FROM system.mutations WHERE database = ' +
        (parts.database === undefined ? 'currentDatabase()' : '{database:String}') +
        ' AND table = {table:String} AND is_done = 0',
      parts.database === undefined
        ? { table: parts.table }
        : { database: parts.database, table: parts.table },
      { signal: options.signal, sessionId: options.sessionId, rowMode: 'array' },
    )
    if (BigInt(rows[0]?.[0] as bigint | number) === 0n) return
    if (Date.now() > deadline) {
      throw new TimeoutError(`mutation on ${match[1]} did not finish in ${timeoutMs} ms`, {
        system: 'clickhouse',
      })
    }
    await sleep(delay, undefined, { signal: options.signal })
  }
}

/** Settings that make a mutation statement wait for its result, on servers that can. */
export function mutationSettings(sql: string, server: ServerInfo): Record<string, number> | undefined {
  return supportsMutationsSync(server) && MUTATION.test(sql) ? { mutations_sync: 1 } : undefined
}

export function supportsMutationsSync(server: ServerInfo): boolean {
  return versionAtLeast(server.version, 20, 1)
}

function splitTableName(text: string): { database?: string; table: string } {
  const parts: string[] = []
  const re = /`((?:[^`\\]|\\.)*)`|([A-Za-z_][\w]*)/g
  for (const m of text.matchAll(re)) parts.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]!)
  return parts.length === 2 ? { database: parts[0]!, table: parts[1]! } : { table: parts[0]! }
}
