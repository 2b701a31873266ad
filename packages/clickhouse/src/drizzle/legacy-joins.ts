/**
 * Joins that read correctly on ClickHouse servers before 19.1.
 *
 * Those servers do not fill the right table's ON key columns in the join
 * result: selecting `posts.user_id` from `… join posts on posts.user_id = users.id`
 * returns zeros or stray memory, or fails with "Size of filter doesn't match
 * size of column" under a WHERE. Joining a subquery that copies each key
 * column under a private name, and joining on the copies, leaves the real
 * columns as ordinary ones:
 *
 *   join (select *, `user_id` as `__tributary_k1` from `posts`) as `posts`
 *     on `posts`.`__tributary_k1` = `users`.`id`
 *
 * Newer servers get the plain join. When the dialect does not know the
 * server yet, it writes both forms between markers and `chooseJoinForm`
 * keeps one just before the statement is sent.
 */
import { Column, getTableName, is, SQL, sql, Table } from 'drizzle-orm'
import type { CasingCache } from 'drizzle-orm/casing'
import type { PgSelectJoinConfig } from 'drizzle-orm/pg-core'

export type JoinForm = 'plain' | 'legacy' | 'unknown'

const SCHEMA = Symbol.for('drizzle:Schema')
const ORIGINAL_NAME = Symbol.for('drizzle:OriginalName')
const OPEN = '\uE001'
const SPLIT = '\uE002'
const CLOSE = '\uE003'
const CHOICE = /\uE001([^\uE001-\uE003]*)\uE002([^\uE001-\uE003]*)\uE003/g

/** Servers before 19.1 need the legacy form. */
export function needsLegacyJoins(version: string): boolean {
  const major = Number.parseInt(version, 10)
  return Number.isFinite(major) && major < 19
}

/** Keeps the plain or the legacy text of every choice in `sqlText`. */
export function chooseJoinForm(sqlText: string, legacy: boolean): string {
  if (!sqlText.includes(OPEN)) return sqlText
  return sqlText.replace(CHOICE, (_, plain: string, old: string) => (legacy ? old : plain))
}

/** The joins with each ON key column of a joined table copied under a private name, per `form`. */
export function rewriteJoins(
  joins: PgSelectJoinConfig[] | undefined,
  form: JoinForm,
  casing: CasingCache,
): PgSelectJoinConfig[] | undefined {
  if (!joins || form === 'plain') return joins
  let counter = 0
  return joins.map((join) => {
    const table = join.table
    if (!is(table, Table) || !join.on) return join
    const alias = join.alias ?? getTableName(table)
    const keys = new Map<string, string>()
    const on = replaceColumns(join.on, (column) => {
      if (column.table !== table) return undefined
      const name = casing.getColumnCasing(column)
      let copy = keys.get(name)
      if (copy === undefined) {
        counter++
        copy = `__tributary_k${counter}`
        keys.set(name, copy)
      }
      return sql`${sql.identifier(alias)}.${sql.identifier(copy)}`
    })
    if (keys.size === 0) return join
    const record = table as unknown as Record<symbol, string | undefined>
    const schema = record[SCHEMA]
    const originalName = record[ORIGINAL_NAME] as string
    const source = sql`${schema ? sql`${sql.identifier(schema)}.` : undefined}${sql.identifier(originalName)}`
    const copies = sql.join(
      [...keys].map(([name, copy]) => sql`${sql.identifier(name)} as ${sql.identifier(copy)}`),
      sql`, `,
    )
    const legacyTable = sql`(select *, ${copies} from ${source}) as ${sql.identifier(alias)}`
    const plainTable = sql`${source}${alias === originalName ? undefined : sql` ${sql.identifier(alias)}`}`
    return {
      ...join,
      table: form === 'legacy' ? legacyTable : choice(plainTable, legacyTable),
      on: form === 'legacy' ? on.legacy : on.both,
    } as PgSelectJoinConfig
  })
}

function choice(plain: SQL, legacy: SQL): SQL {
  return sql`${sql.raw(OPEN)}${plain}${sql.raw(SPLIT)}${legacy}${sql.raw(CLOSE)}`
}

/**
 * The ON expression with matching columns replaced: `legacy` uses the copies,
 * `both` has a choice at each replaced column.
 */
function replaceColumns(
  expression: SQL,
  replace: (column: Column) => SQL | undefined,
): { legacy: SQL; both: SQL } {
  const legacy: unknown[] = []
  const both: unknown[] = []
  for (const chunk of expression.queryChunks) {
    if (is(chunk, SQL)) {
      const inner = replaceColumns(chunk, replace)
      legacy.push(inner.legacy)
      both.push(inner.both)
      continue
    }
    const replacement = is(chunk, Column) ? replace(chunk) : undefined
    if (replacement) {
      legacy.push(replacement)
      both.push(choice(sql`${chunk}`, replacement))
    } else {
      legacy.push(chunk)
      both.push(chunk)
    }
  }
  return { legacy: new SQL(legacy as SQL['queryChunks']), both: new SQL(both as SQL['queryChunks']) }
}
