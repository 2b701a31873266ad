/**
 * An open result set of a job: described columns and the rows PostgreSQL returned, fetched in
 * blocks the way the Mapepire server fetches from a JDBC ResultSet (`is_done` becomes true only
 * when a fetch runs past the last row).
 */

import type { Db2Type } from '../db2/types.ts'
import { type CellValue, cellValue, type DateTimeFormat } from '../db2/values.ts'

export interface ColumnMeta {
  name: string
  type: Db2Type
  /** JDBC ResultSetMetaData.isNullable: 0 no nulls, 1 nullable, 2 unknown. */
  nullable: 0 | 1 | 2
  autoIncrement: boolean
}

export class ResultCursor {
  readonly columns: ColumnMeta[]
  readonly #rows: (string | null)[][]
  readonly #formats: DateTimeFormat
  #position = 0
  #done = false
  #closed = false

  constructor(columns: ColumnMeta[], rows: (string | null)[][], formats: DateTimeFormat) {
    this.columns = columns
    this.#rows = rows
    this.#formats = formats
  }

  get done(): boolean {
    return this.#done
  }

  get closed(): boolean {
    return this.#closed
  }

  /** Up to `count` rows; past the end the cursor is done and closed (JDBC closes the result set). */
  fetch(count: number, terse: boolean): (CellValue[] | Record<string, CellValue>)[] {
    const out: (CellValue[] | Record<string, CellValue>)[] = []
    if (this.#done || this.#closed) return out
    for (let i = 0; i < count; i++) {
      const row = this.#rows[this.#position]
      if (row === undefined) {
        this.#done = true
        this.close()
        break
      }
      this.#position++
      if (terse) {
        out.push(row.map((text, c) => cellValue(text, this.columns[c]!.type.form, this.#formats)))
      } else {
        const record: Record<string, CellValue> = {}
        row.forEach((text, c) => {
          const column = this.columns[c]!
          record[column.name] = cellValue(text, column.type.form, this.#formats)
        })
        out.push(record)
      }
    }
    return out
  }

  close(): void {
    this.#closed = true
    this.#rows.length = 0
  }
}
