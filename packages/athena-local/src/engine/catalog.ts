// The data catalog (what Glue holds for Athena): databases, tables, views and partitions, kept as JSON
// in the data directory so a restarted server sees the same tables.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { SqlType } from '../sql/ast.ts'
import { parseHiveType, typeToString } from '../sql/types.ts'

export interface CatalogColumn {
  name: string
  /** Trino spelling (`varchar(10)`, `array(integer)`). */
  type: string
  comment: string | null
}

export interface Partition {
  values: string[]
  location: string
  created: number
}

export interface TableEntry {
  database: string
  name: string
  kind: 'hive' | 'iceberg' | 'view'
  columns: CatalogColumn[]
  partitionKeys: CatalogColumn[]
  location: string | null
  /** Storage of Hive tables. */
  storage: {
    inputFormat: string
    outputFormat: string
    serde: string
    serdeParameters: Record<string, string>
  } | null
  parameters: Record<string, string>
  partitions: Partition[]
  comment: string | null
  viewSql: string | null
  created: number
  /** Iceberg tables: the DuckDB table holding the rows. */
  duckTable: string | null
}

export interface DatabaseEntry {
  name: string
  description: string | null
  location: string | null
  parameters: Record<string, string>
  created: number
}

interface State {
  databases: DatabaseEntry[]
  tables: TableEntry[]
}

export class Catalog {
  private readonly file: string | null
  private state: State

  constructor(dir: string | null) {
    this.file = dir ? join(dir, 'catalog.json') : null
    this.state = { databases: [], tables: [] }
    if (this.file && existsSync(this.file)) this.state = JSON.parse(readFileSync(this.file, 'utf8')) as State
    if (!this.getDatabase('default')) {
      this.state.databases.push({
        name: 'default',
        description: 'Default Hive database',
        location: null,
        parameters: {},
        created: Date.now(),
      })
      this.save()
    }
  }

  private save(): void {
    if (!this.file) return
    const tmp = `${this.file}.tmp`
    writeFileSync(tmp, JSON.stringify(this.state))
    renameSync(tmp, this.file)
  }

  databases(): DatabaseEntry[] {
    return [...this.state.databases].sort((a, b) => a.name.localeCompare(b.name))
  }

  getDatabase(name: string): DatabaseEntry | undefined {
    return this.state.databases.find((d) => d.name === name.toLowerCase())
  }

  createDatabase(entry: DatabaseEntry): void {
    this.state.databases.push({ ...entry, name: entry.name.toLowerCase() })
    this.save()
  }

  dropDatabase(name: string): TableEntry[] {
    const n = name.toLowerCase()
    const dropped = this.state.tables.filter((t) => t.database === n)
    this.state.tables = this.state.tables.filter((t) => t.database !== n)
    this.state.databases = this.state.databases.filter((d) => d.name !== n)
    this.save()
    return dropped
  }

  tables(database: string): TableEntry[] {
    const n = database.toLowerCase()
    return this.state.tables.filter((t) => t.database === n).sort((a, b) => a.name.localeCompare(b.name))
  }

  getTable(database: string, name: string): TableEntry | undefined {
    const d = database.toLowerCase()
    const n = name.toLowerCase()
    return this.state.tables.find((t) => t.database === d && t.name === n)
  }

  putTable(entry: TableEntry): void {
    this.state.tables = this.state.tables.filter(
      (t) => !(t.database === entry.database && t.name === entry.name),
    )
    this.state.tables.push(entry)
    this.save()
  }

  dropTable(database: string, name: string): TableEntry | undefined {
    const t = this.getTable(database, name)
    if (t) {
      this.state.tables = this.state.tables.filter((x) => x !== t)
      this.save()
    }
    return t
  }

  /** Records a change made to an entry in place (partitions, properties). */
  touch(): void {
    this.save()
  }
}

export function columnType(c: CatalogColumn): SqlType {
  return parseHiveType(c.type)
}

export function catalogColumn(name: string, type: SqlType, comment: string | null = null): CatalogColumn {
  return { name: name.toLowerCase(), type: typeToString(type), comment }
}
