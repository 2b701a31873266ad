import { versionAtLeast } from '@tributary/core'
import { formatType } from '../formats/type-parser.ts'
import type { ClickHouseType } from '../formats/types.ts'
import type { TableDescription } from '../table-columns.ts'
import type { ServerInfo } from '../transport/transport.ts'
import type { DeferredType } from './deferred.ts'
import { inferType } from './infer.ts'
import type { ValueContext } from './scalars.ts'
import { TypedValue } from './typed.ts'

/**
 * The type text for a mark (params/deferred.ts), once the server and the
 * columns of the tables written to are known. A value for a column takes the column's type; a
 * non-NULL value SET by a mutation takes the type inside Nullable (servers
 * before 19 refuse `CAST(x AS Nullable(T))` there, and no server needs it).
 * A column the table does not have keeps the value's own type, so the
 * server reports the unknown column itself.
 */
export function resolveDeferredType(
  type: DeferredType,
  values: Readonly<Record<string, unknown>>,
  tables: ReadonlyMap<string, TableDescription>,
  server: ServerInfo,
  /** Filled in: where each parameter written to a column goes, for error messages. */
  targets: Record<string, ValueContext>,
): string {
  const dateTime64 = versionAtLeast(server.version, 20, 1)
  if (type.kind === 'instant') return dateTime64 ? `DateTime64(${type.precision}, 'UTC')` : "DateTime('UTC')"
  const raw = values[type.name]
  const value = raw instanceof TypedValue ? raw.value : raw
  if (type.kind === 'value') return inferType(value, { dateTime64 })
  const column = tables.get(type.table)?.byName.get(type.column)
  if (column === undefined) return inferType(value, { dateTime64 })
  targets[type.name] = { name: type.column, role: 'column' }
  let columnType: ClickHouseType = column.type
  if (type.kind === 'set' && columnType.kind === 'Nullable' && value !== null && value !== undefined)
    columnType = columnType.inner
  return formatType(columnType)
}
