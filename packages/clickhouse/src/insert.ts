import { EventLoopTurns, ParameterError } from '@tributary/core'
import type { ClickHouseClient, QueryOptions } from './client.ts'
import { parseType } from './formats/type-parser.ts'
import type { ClickHouseType } from './formats/types.ts'
import type { ValueContext } from './params/scalars.ts'
import { encodeText } from './params/text.ts'
import { quoteIdentifier, quoteTableName } from './statement.ts'
import type { DescribeOptions, TableColumn, TableColumnCache, TableDescription } from './table-columns.ts'

export type InsertRow = Record<string, unknown> | readonly unknown[]
export type InsertRows = Iterable<InsertRow> | AsyncIterable<InsertRow>

/** Encoded rows are sent in chunks of about this size; 64 KiB measured faster and leaner than 256 KiB. */
const CHUNK_BYTES = 64 * 1024

/** `DESCRIBE TABLE` of a table given as SQL text (`` `db`.`t` ``), as the column cache reads it. */
export async function describeTable(
  client: ClickHouseClient,
  table: string,
  options: DescribeOptions,
): Promise<TableColumn[]> {
  const { rows } = await client.query<unknown[]>(`DESCRIBE TABLE ${table}`, undefined, {
    signal: options.signal,
    sessionId: options.sessionId,
    rowMode: 'array',
  })
  return rows.map((row) => ({
    name: String(row[0]),
    type: parseType(String(row[1])),
    defaultKind: String(row[2] ?? ''),
  }))
}

/**
 * What an insert writes: the columns named in its statement and how a row
 * becomes a TabSeparated line. An array row gives the columns written, in
 * order (every insertable column when neither `columns` nor an object row 0
 * says otherwise).
 * Object rows give columns by name: the `columns` option, or else the keys of
 * the first row, decide which columns the statement names (the others take
 * their defaults on the server); a key with the value `undefined` counts as
 * left out, as in Kysely and Drizzle.
 */
interface InsertPlan {
  table: string
  columns: readonly TableColumn[]
  /** From the `columns` option rather than from the first row. */
  explicit: boolean
  /**
   * Per column, the field written when an object row leaves it out: `\N`,
   * which is that column's default (see `omittedField`), or the reason no
   * field can say so.
   */
  omitted: readonly ({ field: string } | { reason: string })[]
  /** One context per column; its `row` is set for the row being encoded. */
  contexts: readonly ValueContext[]
}

export interface InsertPlanOptions {
  /** The server reads `\N` in a column that is not Nullable as the column's default (20.1 and later, chDB). */
  nullAsDefault: boolean
  /** How a JS Date with more sub-second digits than its column holds is written (see ClickHouseClientConfig). */
  subsecondDates?: 'refuse' | 'truncate' | undefined
}

const NOT_WRITABLE = new Set(['MATERIALIZED', 'ALIAS'])

function refuse(message: string): never {
  throw new ParameterError(message, { system: 'clickhouse' })
}

function planInsert(
  described: TableDescription,
  first: InsertRow | undefined,
  requested: readonly string[] | undefined,
  options: InsertPlanOptions,
): InsertPlan {
  const { table, byName } = described
  const column = (name: string, where: string): TableColumn => {
    const found = byName.get(name)
    if (found === undefined) refuse(`${where} '${name}', which is not a column of table ${table}`)
    if (NOT_WRITABLE.has(found.defaultKind))
      refuse(`${where} '${name}', a ${found.defaultKind} column of table ${table}, which cannot be written`)
    return found
  }
  let columns: TableColumn[]
  const objects = first !== undefined && !Array.isArray(first)
  if (requested !== undefined) columns = requested.map((name) => column(name, 'the columns option names'))
  else if (objects) {
    const given = new Set<string>()
    for (const [key, value] of Object.entries(first as Record<string, unknown>))
      if (value !== undefined) given.add(column(key, 'row 0 has key').name)
    // In the table's order, so the statement reads like the table.
    columns = described.columns.filter((c) => given.has(c.name))
  } else
    columns = described.columns.filter(
      (c) => c.defaultKind !== 'EPHEMERAL' && !NOT_WRITABLE.has(c.defaultKind),
    )
  if (columns.length === 0 && first !== undefined) refuse(`row 0 gives no column of table ${table}`)
  return {
    table,
    columns,
    explicit: requested !== undefined,
    omitted: columns.map((c) => omittedField(c, options)),
    contexts: columns.map((c) => ({ name: c.name, role: 'column', subsecondDates: options.subsecondDates })),
  }
}

/**
 * What a row that leaves a column out writes there. `\N` is NULL in a Nullable
 * column, which is its default unless it has a DEFAULT expression; in other
 * columns servers that have `input_format_null_as_default` read it as the
 * column's default, DEFAULT expression included.
 */
function omittedField(
  column: TableColumn,
  options: InsertPlanOptions,
): { field: string } | { reason: string } {
  if (acceptsNull(column.type)) {
    if (column.defaultKind === '') return { field: '\\N' }
    return { reason: `a field can only say NULL there, not its ${column.defaultKind} expression` }
  }
  if (options.nullAsDefault) return { field: '\\N' }
  return { reason: 'this server cannot take the default of one field of a TabSeparated row' }
}

function acceptsNull(type: ClickHouseType): boolean {
  switch (type.kind) {
    case 'Nullable':
    case 'Nothing':
    case 'Variant':
    case 'Dynamic':
      return true
    case 'LowCardinality':
      return acceptsNull(type.inner)
    default:
      return false
  }
}

/** One TabSeparated line (with its newline) for row number `index`. */
function encodeRow(row: InsertRow, index: number, plan: InsertPlan): string {
  const { columns, contexts } = plan
  const width = columns.length
  let line = ''
  if (Array.isArray(row)) {
    if (row.length !== width) refuse(`row ${index} has ${row.length} values for ${width} columns`)
    for (let i = 0; i < width; i++) {
      const ctx = contexts[i] as ValueContext
      ctx.row = index
      if (i > 0) line += '\t'
      line += encodeText(row[i], (columns[i] as TableColumn).type, false, ctx)
    }
    return `${line}\n`
  }
  const record = row as Record<string, unknown>
  let given = 0
  for (let i = 0; i < width; i++) {
    const column = columns[i] as TableColumn
    const value = record[column.name]
    if (i > 0) line += '\t'
    if (value === undefined) {
      const omitted = plan.omitted[i] as { field: string } | { reason: string }
      // A misspelt key explains a left-out column better than the column does.
      if ('reason' in omitted)
        refuse(unknownKey(plan, record, index) ?? leftOut(plan, column, index, omitted.reason))
      line += omitted.field
      continue
    }
    given++
    const ctx = contexts[i] as ValueContext
    ctx.row = index
    line += encodeText(value, column.type, false, ctx)
  }
  // Every key with a value must be a column written: count them, and look for the stranger only when one is there.
  let keys = 0
  for (const key in record) if (record[key] !== undefined) keys++
  if (keys !== given) refuse(unknownKey(plan, record, index) ?? `row ${index} has keys that are not columns`)
  return `${line}\n`
}

function leftOut(plan: InsertPlan, column: TableColumn, index: number, reason: string): string {
  const source = plan.explicit ? 'the columns option names' : 'row 0 gives'
  return (
    `row ${index} leaves out column '${column.name}', which ${source}; ${reason}: ` +
    'give it in every row (null for NULL), or leave it out of every row'
  )
}

/** The message for the first key with a value that is not a column written, if there is one. */
function unknownKey(plan: InsertPlan, record: Record<string, unknown>, index: number): string | undefined {
  const written = new Set(plan.columns.map((c) => c.name))
  let key: string | undefined
  for (const k in record) {
    if (record[k] !== undefined && !written.has(k)) {
      key = k
      break
    }
  }
  if (key === undefined) return undefined
  if (plan.explicit)
    return `row ${index} has key '${key}', which is not among the columns to insert (${[...written].join(', ')})`
  return (
    `row ${index} has key '${key}', which is not among the columns row 0 gives (${[...written].join(', ')}): ` +
    'every row of an insert writes the columns of row 0 (give them all in row 0, or list them in the columns option)'
  )
}

function rowIterator(rows: InsertRows): AsyncIterator<InsertRow> {
  if (Symbol.asyncIterator in rows) return (rows as AsyncIterable<InsertRow>)[Symbol.asyncIterator]()
  const it = (rows as Iterable<InsertRow>)[Symbol.iterator]()
  return {
    next: async () => it.next(),
    return: async () => it.return?.() ?? { done: true, value: undefined },
  }
}

export interface PreparedInsert {
  statement: string
  columns: readonly string[]
  /** The rows, encoded as the wire asks for them; the first chunk is already encoded and checked. */
  body: AsyncGenerator<Uint8Array>
}

/**
 * Plans an insert and encodes its first chunk before anything is sent, so a
 * refusal made with a kept description of the table (a key it does not know, a
 * value its type refuses) is checked against a fresh one first, and a bad
 * first chunk stores nothing. Later rows are encoded only as fast as the wire
 * takes them; a refusal there ends the request and drops the kept description.
 */
export async function prepareInsert(
  tables: TableColumnCache,
  table: string,
  rows: InsertRows,
  requested: readonly string[] | undefined,
  options: QueryOptions & InsertPlanOptions,
): Promise<PreparedInsert> {
  const tableSql = quoteTableName(table)
  const source = rowIterator(rows)
  const head: InsertRow[] = []
  let finished = false
  let plan: InsertPlan
  let text: string
  try {
    const first = await source.next()
    if (first.done) finished = true
    else head.push(first.value)
    let kept = tables.get(tableSql, options)
    for (let refreshed = false; ; ) {
      const described = await kept.description
      try {
        plan = planInsert(described, head[0], requested, options)
        text = ''
        for (let i = 0; i < head.length; i++) text += encodeRow(head[i] as InsertRow, i, plan)
        while (!finished && text.length < CHUNK_BYTES) {
          const next = await source.next()
          if (next.done) finished = true
          else {
            head.push(next.value)
            text += encodeRow(next.value, head.length - 1, plan)
          }
        }
        break
      } catch (error) {
        if (!(error instanceof ParameterError) || !kept.cached || refreshed) throw error
        kept = { description: tables.refresh(tableSql, kept.description, options), cached: false }
        refreshed = true
      }
    }
  } catch (error) {
    if (!finished) await source.return?.()
    throw error
  }
  const ready = plan
  let index = head.length
  head.length = 0
  async function* body(): AsyncGenerator<Uint8Array> {
    const encoder = new TextEncoder()
    // Rows from an iterable that never waits, written to a socket that takes them, would
    // otherwise encode the whole insert in one stretch of the event loop.
    const turns = new EventLoopTurns()
    let chunk = text
    let done = finished
    try {
      for (;;) {
        if (chunk.length >= CHUNK_BYTES || (done && chunk.length > 0)) {
          yield encoder.encode(chunk)
          chunk = ''
        }
        if (done) break
        const next = await source.next()
        if (next.done) done = true
        else chunk += encodeRow(next.value, index++, ready)
        if ((index & 255) === 0 && turns.due) await turns.yield()
      }
    } catch (error) {
      if (error instanceof ParameterError) tables.forget(tableSql)
      throw error
    } finally {
      if (!done) await source.return?.()
    }
  }
  const names = ready.columns.map((c) => c.name)
  return {
    statement: `INSERT INTO ${tableSql} (${names.map(quoteIdentifier).join(', ')}) FORMAT TabSeparated`,
    columns: names,
    body: body(),
  }
}
