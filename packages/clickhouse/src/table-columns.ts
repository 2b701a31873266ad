import type { ClickHouseType } from './formats/types.ts'
import { classifyStatement } from './statement-kind.ts'

/** A column as `DESCRIBE TABLE` reports it. */
export interface TableColumn {
  name: string
  type: ClickHouseType
  /** `''`, `DEFAULT`, `MATERIALIZED`, `ALIAS` or `EPHEMERAL`. */
  defaultKind: string
}

export interface TableDescription {
  table: string
  columns: readonly TableColumn[]
  byName: ReadonlyMap<string, TableColumn>
}

export interface DescribeOptions {
  sessionId?: string | undefined
  signal?: AbortSignal | undefined
}

export type DescribeTable = (table: string, options: DescribeOptions) => Promise<TableColumn[]>

/** A description as the cache hands it out: `cached` when it was read for an earlier statement. */
export interface KeptDescription {
  description: Promise<TableDescription>
  cached: boolean
}

interface Entry {
  description: Promise<TableDescription>
  /** Described inside this session (its temporary tables may shadow a table of the same name). */
  sessionId: string | undefined
}

/** Tables kept at most; the oldest is described again when it is needed after that. */
const LIMIT = 256

/**
 * The columns of the tables a client writes to, kept between statements so a
 * small insert costs one round trip. A kept description can only go wrong when
 * the table changes, so it is dropped when this client runs DDL, when the server
 * refuses a statement that used it, and it is read again before a value or a
 * key is refused on its word (`refresh`).
 */
export class TableColumnCache {
  readonly #entries = new Map<string, Entry>()
  readonly #describe: DescribeTable

  constructor(describe: DescribeTable) {
    this.#describe = describe
  }

  get(table: string, options: DescribeOptions): KeptDescription {
    const entry = this.#entries.get(table)
    if (entry !== undefined && (entry.sessionId === undefined || entry.sessionId === options.sessionId)) {
      // Most recently used last, so the oldest goes first when the cache is full.
      this.#entries.delete(table)
      this.#entries.set(table, entry)
      return { description: entry.description, cached: true }
    }
    return { description: this.#read(table, options), cached: false }
  }

  /** Describes the table again, unless another statement already did since `stale` was handed out. */
  refresh(
    table: string,
    stale: Promise<TableDescription>,
    options: DescribeOptions,
  ): Promise<TableDescription> {
    const entry = this.#entries.get(table)
    if (entry !== undefined && entry.description !== stale) return entry.description
    return this.#read(table, options)
  }

  forget(table: string): void {
    this.#entries.delete(table)
  }

  /** Drops every description a statement may have changed (DDL run by this client). */
  noticeStatement(sql: string): void {
    if (this.#entries.size > 0 && changesColumns(sql)) this.#entries.clear()
  }

  #read(table: string, options: DescribeOptions): Promise<TableDescription> {
    const description = this.#describe(table, options).then((columns) => ({
      table,
      columns,
      byName: new Map(columns.map((c) => [c.name, c])),
    }))
    const entry = { description, sessionId: options.sessionId }
    this.#entries.set(table, entry)
    if (this.#entries.size > LIMIT) this.#entries.delete(this.#entries.keys().next().value as string)
    description.catch(() => {
      if (this.#entries.get(table) === entry) this.#entries.delete(table)
    })
    return description
  }
}

const SCHEMA_KEYWORDS = new Set(['CREATE', 'DROP', 'RENAME', 'EXCHANGE', 'ATTACH', 'DETACH', 'REPLACE'])

/** Whether a statement may change the columns of a table; ALTER only when it names a COLUMN (not for mutations). */
function changesColumns(sql: string): boolean {
  const { keyword } = classifyStatement(sql)
  return SCHEMA_KEYWORDS.has(keyword) || (keyword === 'ALTER' && /\bCOLUMN\b/i.test(sql))
}
