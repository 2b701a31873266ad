/**
 * Drizzle's relational queries (`db.query.users.findMany({ with: { posts: true } })`) in SQL Trino runs.
 *
 * pg-core nests each relation as `LEFT JOIN LATERAL (… json_agg(json_build_array(…)) …)`, which Trino lacks, and
 * Trino decorrelates only some correlated subqueries (not OFFSET inside one). So each relation here is an
 * uncorrelated derived table, joined on the relation's keys, one row per parent key:
 *
 *   left join (select "k0", CAST(array_agg("row" ORDER BY "rn") AS JSON) AS "data"
 *              from (select p."user_id" AS "k0", CAST(ARRAY[CAST(p."id" AS JSON), …] AS JSON) AS "row",
 *                           row_number() over (partition by p."user_id" order by …) AS "rn"
 *                    from "posts" p <p's own relations, the same way>
 *                    where (<where>) and p."user_id" in (select "users"."id" from "users" "users" <users' where, …>)) p
 *              where "rn" > <offset> and "rn" <= <offset + limit> group by "k0") p on p."k0" = "users"."id"
 *
 * The semi-join keeps Athena from reading (and billing for) the related rows of parents that are not selected: the
 * IN subquery is the parent's own selection (its where, and at the top its order and limit when it has both; a
 * nested parent is restricted by its own parent in turn). Several key columns compare as a row,
 * `(a, b) in (select x, y …)`, which Trino takes since trinodb/trino#7863.
 *
 * A `one` relation keeps the row whose "rn" is offset + 1, without aggregating. A row is
 * `CAST(ARRAY[CAST(a AS JSON), …] AS JSON)`, a JSON array in the selection's order, which is what Drizzle's row
 * mapping reads (Trino casts a ROW to a JSON object whose unnamed fields all have the key "", so not a ROW).
 *
 * Values cross the nesting as JSON, chosen by each column's SQL type so that they come back as the driver gives
 * them outside a relation: integers, booleans, floating point, strings and JSON as JSON values (integers beyond
 * 2^53 exact, the client parses JSON losslessly); decimals, dates, times and other types as their VARCHAR text;
 * timestamps as their text, read back by the client's timestamp reader; varbinary as hex, read back as bytes.
 */

import { dialectInternals, type RelationalQueryOptions } from '@tributary/core/drizzle'
import {
  aliasedTable,
  aliasedTableColumn,
  and,
  type BuildRelationalQueryResult,
  Column,
  type DBQueryConfig,
  getOperators,
  getOrderByOperators,
  getTableUniqueName,
  is,
  mapColumnsInAliasedSQLToAlias,
  mapColumnsInSQLToAlias,
  normalizeRelation,
  One,
  Placeholder,
  type Relation,
  type SQL,
  sql,
  type TableRelationalConfig,
} from 'drizzle-orm'
import type { PgColumn, PgDialect, PgTable } from 'drizzle-orm/pg-core'
import { parseTimestamp, parseVarbinary } from '../results/text-values.ts'

type Selection = BuildRelationalQueryResult<PgTable, PgColumn>['selection']

/** What the builder needs from the dialect. */
export interface RelationalQueryDialect extends PgDialect {
  buildLimitOffset(
    limit: number | Placeholder | undefined,
    offset: number | Placeholder | undefined,
  ): SQL | undefined
  limitOperand(value: number | Placeholder): SQL
  notSupported(feature: string, hint?: string): Error
}

/** One level of the query: a table under an alias, what it selects and the joins of its relations. */
interface Level {
  selection: Selection
  /** The select-list expression of each selection item, in order. */
  values: SQL[]
  from: SQL
  joins: SQL[]
  /** The level's own where and, below the top, the semi-join restricting it to its parent's rows. */
  where: SQL | undefined
  orderBy: SQL[]
  limit: number | Placeholder | undefined
  offset: number | Placeholder | undefined
}

export function buildRelationalQuery(
  dialect: RelationalQueryDialect,
  options: RelationalQueryOptions,
): BuildRelationalQueryResult<PgTable, PgColumn> {
  const level = buildLevel(dialect, options, options.tableAlias, options.queryConfig, undefined)
  const items = level.selection.map((item, i) => {
    const value = level.values[i]!
    return item.isJson || !is(item.field, Column) ? sql`${value} as ${sql.identifier(item.dbKey)}` : value
  })
  const where = level.where ? sql` where ${level.where}` : undefined
  const orderBy = level.orderBy.length > 0 ? sql` order by ${sql.join(level.orderBy, sql`, `)}` : undefined
  const query = sql`select ${sql.join(items, sql`, `)} from ${level.from}${sql.join(level.joins)}${where}${orderBy}${dialect.buildLimitOffset(level.limit, level.offset)}`
  return { tableTsKey: options.tableConfig.tsName, sql: query, selection: level.selection }
}

function buildLevel(
  dialect: RelationalQueryDialect,
  options: RelationalQueryOptions,
  alias: string,
  config: true | DBQueryConfig<'many', true>,
  /** Undefined at the top; below it, the condition keeping only the keys of the parent's rows. */
  restriction: SQL | undefined,
): Level {
  const nesting = restriction === undefined ? 'top' : 'nested'
  const { tableConfig } = options
  const selection: Selection = []
  const values: SQL[] = []
  const joins: SQL[] = []
  const query: DBQueryConfig<'many', true> = config === true ? {} : config
  const aliasedColumns = Object.fromEntries(
    Object.entries(tableConfig.columns).map(([key, column]) => [key, aliasedTableColumn(column, alias)]),
  )

  for (const key of selectedColumns(tableConfig, query)) {
    const column = tableConfig.columns[key] as PgColumn
    const aliased = aliasedTableColumn(column, alias)
    if (nesting === 'top') {
      selection.push(item(column.name, key, aliased))
      values.push(sql`${aliased}`)
    } else {
      const nested = nestedColumn(dialect, tableConfig, key, column, aliased)
      selection.push(item(column.name, key, nested.field))
      values.push(nested.value)
    }
  }

  if (query.extras) {
    const extras = typeof query.extras === 'function' ? query.extras(aliasedColumns, { sql }) : query.extras
    for (const [key, extra] of Object.entries(extras)) {
      const aliased = mapColumnsInAliasedSQLToAlias(extra as SQL.Aliased, alias)
      selection.push(item(aliased.fieldAlias, key, aliased))
      values.push(sql`${aliased.sql}`)
    }
  }

  let where: SQL | undefined
  if (query.where) {
    const whereSql =
      typeof query.where === 'function' ? query.where(aliasedColumns, getOperators()) : query.where
    where = whereSql ? mapColumnsInSQLToAlias(whereSql, alias) : undefined
  }
  if (restriction) where = where ? sql`(${where}) and ${restriction}` : restriction
  const orderByConfig =
    typeof query.orderBy === 'function'
      ? query.orderBy(aliasedColumns, getOrderByOperators())
      : (query.orderBy ?? [])
  const orderBy = (Array.isArray(orderByConfig) ? orderByConfig : [orderByConfig]).map((value) =>
    is(value, Column)
      ? sql`${aliasedTableColumn(value, alias)}`
      : mapColumnsInSQLToAlias(value as SQL, alias),
  )
  const from = dialectInternals(dialect).buildFromTable(aliasedTable(options.table, alias))

  const relations: [string, Relation, true | DBQueryConfig<'many', true>][] = []
  for (const [key, relationConfig] of Object.entries(query.with ?? {})) {
    if (!relationConfig) continue
    const relation = tableConfig.relations[key]
    if (!relation)
      throw dialect.notSupported(`The relation "${key}" of ${tableConfig.tsName}, which is not defined,`)
    relations.push([key, relation, relationConfig])
  }

  // The parent's rows as its relations' semi-joins select them. At the top, a limit or offset under an order is
  // part of that selection; the relation keys end both orders so that the subquery and the query keep the same
  // rows among ties (rows tied on all of them give the same keys). A limited top level without an order, or a
  // nested one (its limit is per parent, a window bound), restricts by its where only: more keys, same answer.
  const parentKeys = (relation: Relation) =>
    normalizeRelation(options.schema, options.tableNamesMap, relation).fields.map(
      (field) => sql`${aliasedTableColumn(field as PgColumn, alias)}`,
    )
  const bounded =
    nesting === 'top' && orderBy.length > 0 && (query.limit !== undefined || query.offset !== undefined)
  if (bounded) for (const [, relation] of relations) orderBy.push(...parentKeys(relation))
  const parentSelection = (keys: SQL[]) => {
    const filter = where ? sql` where ${where}` : undefined
    const bounds = bounded
      ? sql` order by ${sql.join(orderBy, sql`, `)}${dialect.buildLimitOffset(query.limit, query.offset)}`
      : undefined
    return sql`select ${sql.join(keys, sql`, `)} from ${from}${filter}${bounds}`
  }

  for (const [key, relation, relationConfig] of relations) {
    const built = buildRelation(dialect, options, alias, key, relation, relationConfig, (r) =>
      parentSelection(parentKeys(r)),
    )
    joins.push(built.join)
    selection.push({
      dbKey: key,
      tsKey: key,
      field: built.value,
      relationTableTsKey: built.tableTsKey,
      isJson: true,
      selection: built.selection,
    })
    values.push(built.value)
  }

  if (selection.length === 0) {
    throw dialect.notSupported(`A relational query on ${tableConfig.tsName} that selects no columns`)
  }

  return {
    selection,
    values,
    from,
    joins,
    where,
    orderBy,
    limit: query.limit,
    offset: query.offset,
  }
}

/** The derived table of one relation, its join and the value the parent selects. */
function buildRelation(
  dialect: RelationalQueryDialect,
  options: RelationalQueryOptions,
  parentAlias: string,
  key: string,
  relation: Relation,
  relationConfig: true | DBQueryConfig<'many', true>,
  parentSelection: (relation: Relation) => SQL,
): { join: SQL; value: SQL; selection: Selection; tableTsKey: string } {
  const { schema, tableNamesMap, fullSchema } = options
  const normalized = normalizeRelation(schema, tableNamesMap, relation)
  const tableTsKey = tableNamesMap[getTableUniqueName(relation.referencedTable)] as string
  const alias = `${parentAlias}_${key}`
  const one = is(relation, One)
  const keys = normalized.references.map((column) => sql`${aliasedTableColumn(column as PgColumn, alias)}`)
  const keyRow = keys.length === 1 ? keys[0]! : sql`(${sql.join(keys, sql`, `)})`
  const level = buildLevel(
    dialect,
    {
      ...options,
      table: fullSchema[tableTsKey] as PgTable,
      tableConfig: schema[tableTsKey] as TableRelationalConfig,
    },
    alias,
    relationConfig,
    sql`${keyRow} in (${parentSelection(relation)})`,
  )

  const keyNames = keys.map((_, i) => sql.identifier(`k${i}`))
  const offset = rowBound(dialect, key, 'offset', level.offset) ?? 0
  const limit = one ? 1 : rowBound(dialect, key, 'limit', level.limit)

  // Trino writes a ROW cast to JSON as an object keyed by field names ("" for every unnamed field), so a row is
  // an ARRAY of JSON values instead: a nested relation is JSON already, everything else is cast on its own.
  const elements = level.values.map((value, i) =>
    level.selection[i]!.isJson ? value : sql`CAST(${value} AS JSON)`,
  )
  // Trino's ARRAY constructor takes at most 254 elements that are not constants: a wider row is several, joined.
  const constructors: SQL[] = []
  for (let i = 0; i < elements.length; i += MAX_ARRAY_ELEMENTS)
    constructors.push(sql`ARRAY[${sql.join(elements.slice(i, i + MAX_ARRAY_ELEMENTS), sql`, `)}]`)
  const row = sql`CAST(${sql.join(constructors, sql` || `)} AS JSON)`
  const orderBy = level.orderBy.length > 0 ? sql` order by ${sql.join(level.orderBy, sql`, `)}` : undefined
  const rank = sql`row_number() over (partition by ${sql.join(keys, sql`, `)}${orderBy})`
  const where = level.where ? sql` where ${level.where}` : undefined
  const ranked = sql`select ${sql.join(
    keys.map((k, i) => sql`${k} as ${keyNames[i]}`),
    sql`, `,
  )}, ${row} as "row", ${rank} as "rn" from ${level.from}${sql.join(level.joins)}${where}`

  const bounds = [offset > 0 ? sql`"rn" > ${sql.raw(String(offset))}` : undefined]
  if (limit !== undefined) bounds.push(sql`"rn" <= ${sql.raw(String(offset + limit))}`)
  const kept = bounds.filter((b): b is SQL => b !== undefined)
  const filter = kept.length > 0 ? sql` where ${sql.join(kept, sql` and `)}` : undefined
  const keyList = sql.join(keyNames, sql`, `)
  const derived = one
    ? sql`select ${keyList}, "row" as "data" from (${ranked}) ${sql.identifier(alias)}${filter}`
    : sql`select ${keyList}, CAST(array_agg("row" order by "rn") AS JSON) as "data" from (${ranked}) ${sql.identifier(alias)}${filter} group by ${keyList}`

  const on = and(
    ...normalized.fields.map(
      (field, i) =>
        sql`${sql.identifier(alias)}.${keyNames[i]} = ${aliasedTableColumn(field as PgColumn, parentAlias)}`,
    ),
  ) as SQL
  const data = sql`${sql.identifier(alias)}."data"`
  return {
    join: sql` left join (${derived}) ${sql.identifier(alias)} on ${on}`,
    value: one ? data : sql`coalesce(${data}, JSON '[]')`,
    selection: level.selection,
    tableTsKey,
  }
}

const MAX_ARRAY_ELEMENTS = 254

/** A relation's LIMIT or OFFSET as a number: it becomes a bound on row_number() in the SQL text. */
function rowBound(
  dialect: RelationalQueryDialect,
  relation: string,
  clause: 'limit' | 'offset',
  value: number | Placeholder | undefined,
): number | undefined {
  if (value === undefined) return undefined
  if (is(value, Placeholder)) {
    throw dialect.notSupported(
      `sql.placeholder() as the ${clause} of the nested relation "${relation}"`,
      'Give the relation a number.',
    )
  }
  // The literal check and its ParameterError are the dialect's, as for any LIMIT.
  dialect.limitOperand(value)
  return value as number
}

function item(dbKey: string, tsKey: string, field: Selection[number]['field']): Selection[number] {
  return { dbKey, tsKey, field, relationTableTsKey: undefined, isJson: false, selection: [] }
}

/** The keys of the columns a level selects, as pg-core chooses them from `columns`. */
function selectedColumns(tableConfig: TableRelationalConfig, query: DBQueryConfig<'many', true>): string[] {
  const all = Object.keys(tableConfig.columns)
  if (!query.columns) return all
  const named = Object.entries(query.columns).filter(
    ([key, value]) => value !== undefined && key in tableConfig.columns,
  )
  // pg-core: a `columns` naming no column of the table (`columns: {}`) selects none of them.
  if (named.length === 0) return []
  if (named.some(([, value]) => value === true))
    return named.filter(([, value]) => value === true).map(([k]) => k)
  const excluded = new Set(named.map(([key]) => key))
  return all.filter((key) => !excluded.has(key))
}

/**
 * A column inside a relation: the SQL that puts it in the row's JSON, and a decoder giving the value the driver
 * gives outside a relation before the column's own mapping.
 */
function nestedColumn(
  dialect: RelationalQueryDialect,
  tableConfig: TableRelationalConfig,
  key: string,
  column: PgColumn,
  aliased: PgColumn,
): { value: SQL; field: SQL } {
  const type = column.getSQLType().toLowerCase()
  const mapped = (read: (value: unknown) => unknown) =>
    sql``.mapWith({ mapFromDriverValue: (value: unknown) => column.mapFromDriverValue(read(value)) })
  const asIs = (value: unknown) => value
  if (type.endsWith('[]')) {
    throw dialect.notSupported(
      `The array column ${tableConfig.tsName}.${key} inside a nested relation`,
      `Leave it out with columns: { ${key}: false } and select it on its own.`,
    )
  }
  if (JSON_VALUES.test(type)) return { value: sql`${aliased}`, field: mapped(asIs) }
  if (/^timestamp/.test(type)) {
    return { value: sql`CAST(${aliased} AS VARCHAR)`, field: mapped((v) => parseTimestamp(v as string)) }
  }
  if (BINARY.test(type)) {
    return { value: sql`to_hex(${aliased})`, field: mapped((v) => parseVarbinary(v as string)) }
  }
  return { value: sql`CAST(${aliased} AS VARCHAR)`, field: mapped(asIs) }
}

/** Types whose values Trino's CAST(… AS JSON) writes as JSON values the client reads back exactly. */
const JSON_VALUES =
  /^(?:boolean|tinyint|smallint|integer|int|int2|int4|int8|bigint|serial|smallserial|bigserial|real|float4|float8|double precision|double|text|string|varchar|char|character|json|jsonb)\b/

const BINARY = /^(?:bytea|varbinary|binary|blob)\b/
