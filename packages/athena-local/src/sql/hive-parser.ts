// Parser for the statements Athena runs through its Hive DDL engine: CREATE [EXTERNAL] TABLE, DROP TABLE,
// CREATE/DROP DATABASE, ALTER TABLE (partitions, columns, properties), MSCK REPAIR TABLE, SHOW …, DESCRIBE.
// Names are unquoted or `backquoted`; double-quoted names are refused as Athena refuses them.
import type { Ident, SqlType } from './ast.ts'
import { SqlSyntaxError, tokenize } from './lexer.ts'
import { TokenStream } from './token-stream.ts'
import { parseHiveType } from './types.ts'

export interface HiveColumn {
  name: string
  type: SqlType
  typeText: string
  comment: string | null
}

export type PartitionSpec = [string, string][]

export interface RowFormat {
  serde: string
  properties: Record<string, string>
}

export type HiveStatement =
  | {
      kind: 'create-table'
      external: boolean
      ifNotExists: boolean
      name: Ident[]
      columns: HiveColumn[]
      comment: string | null
      partitionedBy: HiveColumn[]
      /** Iceberg's `PARTITIONED BY (col, day(ts), bucket(16, id))`: references to columns, not new ones. */
      partitionTransforms: string[]
      rowFormat: RowFormat | null
      storedAs: string | null
      inputFormat: string | null
      outputFormat: string | null
      location: string | null
      properties: Record<string, string>
    }
  | { kind: 'drop-table'; ifExists: boolean; name: Ident[] }
  | {
      kind: 'create-database'
      ifNotExists: boolean
      name: Ident
      comment: string | null
      location: string | null
      properties: Record<string, string>
    }
  | { kind: 'drop-database'; ifExists: boolean; name: Ident; cascade: boolean }
  | {
      kind: 'add-partitions'
      name: Ident[]
      ifNotExists: boolean
      partitions: { spec: PartitionSpec; location: string | null }[]
    }
  | { kind: 'drop-partitions'; name: Ident[]; ifExists: boolean; partitions: PartitionSpec[] }
  | { kind: 'add-columns'; name: Ident[]; columns: HiveColumn[]; replace: boolean }
  | { kind: 'set-properties'; name: Ident[]; properties: Record<string, string> }
  | { kind: 'set-location'; name: Ident[]; location: string }
  | { kind: 'msck'; name: Ident[] }
  | { kind: 'show-tables'; database: Ident | null; pattern: string | null }
  | { kind: 'show-views'; database: Ident | null; pattern: string | null }
  | { kind: 'show-databases'; pattern: string | null }
  | { kind: 'show-columns'; name: Ident[]; database: Ident | null }
  | { kind: 'show-create-table'; name: Ident[] }
  | { kind: 'show-create-view'; name: Ident[] }
  | { kind: 'show-partitions'; name: Ident[] }
  | { kind: 'show-tblproperties'; name: Ident[]; property: string | null }
  | { kind: 'describe'; mode: 'plain' | 'extended' | 'formatted'; name: Ident[]; column: string | null }

export const HIVE_SERDE = {
  lazySimple: 'org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe',
  parquet: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
  openCsv: 'org.apache.hadoop.hive.serde2.OpenCSVSerde',
  json: 'org.openx.data.jsonserde.JsonSerDe',
  hiveJson: 'org.apache.hive.hcatalog.data.JsonSerDe',
  orc: 'org.apache.hadoop.hive.ql.io.orc.OrcSerde',
}

/** True when Athena hands the statement to its Hive DDL engine rather than to Trino. */
export function isHiveStatement(sql: string): boolean {
  let tokens: ReturnType<typeof tokenize>
  try {
    tokens = tokenize(sql, { hive: true })
  } catch {
    return false
  }
  const w = (i: number) => (tokens[i]?.kind === 'ident' ? tokens[i]!.value.toUpperCase() : '')
  switch (w(0)) {
    case 'SHOW':
    case 'DESCRIBE':
    case 'DESC':
    case 'MSCK':
      return true
    case 'ALTER':
      return w(1) === 'TABLE' || w(1) === 'DATABASE' || w(1) === 'SCHEMA'
    case 'DROP':
      return w(1) === 'TABLE' || w(1) === 'DATABASE' || w(1) === 'SCHEMA'
    case 'CREATE': {
      if (w(1) === 'EXTERNAL' || w(1) === 'DATABASE' || w(1) === 'SCHEMA') return true
      if (w(1) !== 'TABLE') return false
      // CREATE TABLE with column definitions (not CTAS)
      let i = 2
      if (w(2) === 'IF') i = 5
      while (
        tokens[i] &&
        tokens[i]!.kind !== 'eof' &&
        !(tokens[i]!.kind === 'op' && tokens[i]!.value === '(')
      ) {
        if (tokens[i]!.kind === 'ident' && (w(i) === 'AS' || w(i) === 'WITH')) return false
        i++
      }
      if (!tokens[i] || tokens[i]!.kind === 'eof') return true
      // `(a, b) AS` is a CTAS column list; `(a int` is a definition
      const next = tokens[i + 2]
      return !(next?.kind === 'op' && (next.value === ',' || next.value === ')'))
    }
    default:
      return false
  }
}

export function parseHive(sql: string): HiveStatement {
  const p = new HiveParser(sql)
  const s = p.statement()
  p.ts.acceptOp(';')
  if (p.ts.peek.kind !== 'eof') p.ts.fail(['<EOF>'])
  return s
}

class HiveParser {
  readonly ts: TokenStream
  constructor(sql: string) {
    this.ts = new TokenStream(tokenize(sql, { hive: true }), sql)
  }

  statement(): HiveStatement {
    const ts = this.ts
    if (ts.acceptWord('CREATE')) {
      if (ts.acceptWord('DATABASE') || ts.acceptWord('SCHEMA')) {
        const ifNotExists = ts.acceptWord('IF', 'NOT', 'EXISTS')
        const name = this.ident()
        let comment: string | null = null
        let location: string | null = null
        let properties: Record<string, string> = {}
        for (;;) {
          if (ts.acceptWord('COMMENT')) comment = this.string()
          else if (ts.acceptWord('LOCATION')) location = this.string()
          else if (ts.acceptWord('WITH', 'DBPROPERTIES')) properties = this.propertyList()
          else break
        }
        return { kind: 'create-database', ifNotExists, name, comment, location, properties }
      }
      const external = ts.acceptWord('EXTERNAL')
      ts.expectWord('TABLE')
      return this.createTable(external)
    }
    if (ts.acceptWord('DROP')) {
      if (ts.acceptWord('TABLE')) {
        const ifExists = ts.acceptWord('IF', 'EXISTS')
        const name = this.name()
        ts.acceptWord('PURGE')
        return { kind: 'drop-table', ifExists, name }
      }
      if (!ts.acceptWord('DATABASE')) ts.expectWord('SCHEMA')
      const ifExists = ts.acceptWord('IF', 'EXISTS')
      const name = this.ident()
      let cascade = false
      if (ts.acceptWord('CASCADE')) cascade = true
      else ts.acceptWord('RESTRICT')
      return { kind: 'drop-database', ifExists, name, cascade }
    }
    if (ts.acceptWord('ALTER')) {
      if (!ts.acceptWord('TABLE')) ts.noViableAlternative()
      if (ts.isWord('IF')) ts.noViableAlternative(ts.ahead(1))
      const name = this.name()
      if (ts.acceptWord('ADD')) {
        if (ts.isWord('COLUMNS')) {
          ts.next()
          return { kind: 'add-columns', name, columns: this.columnList(), replace: false }
        }
        if (ts.isWord('COLUMN')) ts.noViableAlternative()
        const ifNotExists = ts.acceptWord('IF', 'NOT', 'EXISTS')
        const partitions: { spec: PartitionSpec; location: string | null }[] = []
        while (ts.acceptWord('PARTITION')) {
          const spec = this.partitionSpec()
          const location = ts.acceptWord('LOCATION') ? this.string() : null
          partitions.push({ spec, location })
        }
        if (partitions.length === 0) ts.fail(["'COLUMNS'", "'PARTITION'"])
        return { kind: 'add-partitions', name, ifNotExists, partitions }
      }
      if (ts.acceptWord('REPLACE', 'COLUMNS'))
        return { kind: 'add-columns', name, columns: this.columnList(), replace: true }
      if (ts.acceptWord('DROP')) {
        const ifExists = ts.acceptWord('IF', 'EXISTS')
        const partitions: PartitionSpec[] = []
        do {
          ts.expectWord('PARTITION')
          partitions.push(this.partitionSpec())
        } while (ts.acceptOp(','))
        return { kind: 'drop-partitions', name, ifExists, partitions }
      }
      if (ts.acceptWord('SET')) {
        if (ts.acceptWord('TBLPROPERTIES'))
          return { kind: 'set-properties', name, properties: this.propertyList() }
        ts.expectWord('LOCATION')
        return { kind: 'set-location', name, location: this.string() }
      }
      return ts.noViableAlternative()
    }
    if (ts.acceptWord('MSCK')) {
      ts.expectWord('REPAIR')
      ts.expectWord('TABLE')
      return { kind: 'msck', name: this.name() }
    }
    if (ts.acceptWord('SHOW')) return this.show()
    if (ts.acceptWord('DESCRIBE') || ts.acceptWord('DESC')) {
      let mode: 'plain' | 'extended' | 'formatted' = 'plain'
      if (ts.acceptWord('EXTENDED')) mode = 'extended'
      else if (ts.acceptWord('FORMATTED')) mode = 'formatted'
      const name = this.name()
      let column: string | null = null
      if (ts.peek.kind === 'ident' || ts.peek.kind === 'backquoted') column = this.ident().name.toLowerCase()
      return { kind: 'describe', mode, name, column }
    }
    return ts.noViableAlternative()
  }

  private show(): HiveStatement {
    const ts = this.ts
    const pattern = () => {
      ts.acceptWord('LIKE')
      return ts.peek.kind === 'string' ? this.string() : null
    }
    if (ts.acceptWord('TABLES')) {
      const database = ts.acceptWord('IN') || ts.acceptWord('FROM') ? this.ident() : null
      return { kind: 'show-tables', database, pattern: pattern() }
    }
    if (ts.acceptWord('VIEWS')) {
      const database = ts.acceptWord('IN') || ts.acceptWord('FROM') ? this.ident() : null
      return { kind: 'show-views', database, pattern: pattern() }
    }
    if (ts.acceptWord('DATABASES') || ts.acceptWord('SCHEMAS'))
      return { kind: 'show-databases', pattern: pattern() }
    if (ts.acceptWord('COLUMNS')) {
      if (!ts.acceptWord('IN')) ts.expectWord('FROM')
      const name = this.name()
      const database = ts.acceptWord('IN') || ts.acceptWord('FROM') ? this.ident() : null
      return { kind: 'show-columns', name, database }
    }
    if (ts.acceptWord('CREATE')) {
      // SHOW CREATE VIEW is Trino's statement in Athena: double-quoted names are fine there
      if (ts.acceptWord('VIEW')) return { kind: 'show-create-view', name: this.name(true) }
      ts.expectWord('TABLE')
      return { kind: 'show-create-table', name: this.name() }
    }
    if (ts.acceptWord('PARTITIONS')) return { kind: 'show-partitions', name: this.name() }
    if (ts.acceptWord('TBLPROPERTIES')) {
      const name = this.name()
      let property: string | null = null
      if (ts.acceptOp('(')) {
        property = this.string()
        ts.expectOp(')')
      }
      return { kind: 'show-tblproperties', name, property }
    }
    return ts.fail([
      "'COLUMNS'",
      "'CREATE'",
      "'DATABASES'",
      "'PARTITIONS'",
      "'SCHEMAS'",
      "'TABLES'",
      "'TBLPROPERTIES'",
      "'VIEWS'",
    ])
  }

  private createTable(external: boolean): HiveStatement {
    const ts = this.ts
    const ifNotExists = ts.acceptWord('IF', 'NOT', 'EXISTS')
    const name = this.name()
    const columns = ts.isOp('(') ? this.columnList() : []
    let comment: string | null = null
    let partitionedBy: HiveColumn[] = []
    let partitionTransforms: string[] = []
    let rowFormat = null as RowFormat | null
    let storedAs: string | null = null
    let inputFormat: string | null = null
    let outputFormat: string | null = null
    let location: string | null = null
    let properties: Record<string, string> = {}
    for (;;) {
      if (ts.acceptWord('COMMENT')) comment = this.string()
      else if (ts.acceptWord('PARTITIONED', 'BY')) {
        if (this.partitionReferences()) partitionTransforms = this.transformList()
        else partitionedBy = this.columnList()
      } else if (ts.acceptWord('CLUSTERED', 'BY')) {
        this.skipParens()
        if (ts.acceptWord('SORTED', 'BY')) this.skipParens()
        ts.expectWord('INTO')
        ts.next()
        ts.expectWord('BUCKETS')
      } else if (ts.acceptWord('ROW', 'FORMAT')) rowFormat = this.rowFormat()
      else if (ts.acceptWord('WITH', 'SERDEPROPERTIES')) {
        const props = this.propertyList()
        rowFormat = {
          serde: rowFormat?.serde ?? HIVE_SERDE.lazySimple,
          properties: { ...rowFormat?.properties, ...props },
        }
      } else if (ts.acceptWord('STORED', 'AS')) {
        if (ts.acceptWord('INPUTFORMAT')) {
          inputFormat = this.string()
          ts.expectWord('OUTPUTFORMAT')
          outputFormat = this.string()
        } else {
          storedAs = ts.next().value.toUpperCase()
        }
      } else if (ts.acceptWord('LOCATION')) location = this.string()
      else if (ts.acceptWord('TBLPROPERTIES')) properties = this.propertyList()
      else break
    }
    return {
      kind: 'create-table',
      external,
      ifNotExists,
      name,
      columns,
      comment,
      partitionedBy,
      partitionTransforms,
      rowFormat,
      storedAs,
      inputFormat,
      outputFormat,
      location,
      properties,
    }
  }

  private rowFormat(): RowFormat {
    const ts = this.ts
    if (ts.acceptWord('SERDE')) {
      const serde = this.string()
      const properties = ts.acceptWord('WITH', 'SERDEPROPERTIES') ? this.propertyList() : {}
      return { serde, properties }
    }
    ts.expectWord('DELIMITED')
    const properties: Record<string, string> = {}
    for (;;) {
      if (ts.acceptWord('FIELDS', 'TERMINATED', 'BY')) {
        properties['field.delim'] = this.string()
        if (ts.acceptWord('ESCAPED', 'BY')) properties['escape.delim'] = this.string()
      } else if (ts.acceptWord('COLLECTION', 'ITEMS', 'TERMINATED', 'BY')) {
        properties['collection.delim'] = this.string()
      } else if (ts.acceptWord('MAP', 'KEYS', 'TERMINATED', 'BY')) {
        properties['mapkey.delim'] = this.string()
      } else if (ts.acceptWord('LINES', 'TERMINATED', 'BY')) {
        properties['line.delim'] = this.string()
      } else if (ts.acceptWord('NULL', 'DEFINED', 'AS')) {
        properties['serialization.null.format'] = this.string()
      } else break
    }
    return { serde: HIVE_SERDE.lazySimple, properties }
  }

  private columnList(): HiveColumn[] {
    const ts = this.ts
    ts.expectOp('(')
    const columns: HiveColumn[] = []
    do {
      const name = this.ident().name.toLowerCase()
      const start = ts.peek.start
      // a type runs to the next top-level ',' / ')' / COMMENT
      let depth = 0
      let end = start
      for (;;) {
        const t = ts.peek
        if (t.kind === 'eof') break
        if (depth === 0 && t.kind === 'op' && (t.value === ',' || t.value === ')')) break
        if (depth === 0 && t.kind === 'ident' && t.value.toUpperCase() === 'COMMENT') break
        if (t.kind === 'op' && (t.value === '<' || t.value === '(')) depth++
        if (t.kind === 'op' && (t.value === '>' || t.value === ')')) depth--
        if (t.kind === 'op' && t.value === '>' && depth < 0) break
        end = t.end
        ts.next()
      }
      const typeText = ts.sql.slice(start, end).trim()
      let type: SqlType
      try {
        type = parseHiveType(typeText)
      } catch {
        const t = ts.tokens.find((x) => x.start === start) ?? ts.peek
        throw new SqlSyntaxError(`mismatched input '${typeText}'. Expecting: <type>`, t.line, t.column)
      }
      const comment = ts.acceptWord('COMMENT') ? this.string() : null
      columns.push({ name, type, typeText, comment })
    } while (ts.acceptOp(','))
    ts.expectOp(')')
    return columns
  }

  /** True when PARTITIONED BY lists column references or transforms (Iceberg) rather than typed columns (Hive). */
  private partitionReferences(): boolean {
    const ts = this.ts
    if (!ts.isOp('(')) return false
    const second = ts.ahead(2)
    return second.kind === 'op' && (second.value === ',' || second.value === ')' || second.value === '(')
  }

  private transformList(): string[] {
    const ts = this.ts
    ts.expectOp('(')
    const out: string[] = []
    let depth = 0
    let start = ts.peek.start
    for (;;) {
      const t = ts.peek
      if (t.kind === 'eof') ts.fail(["')'"])
      if (t.kind === 'op' && t.value === '(') depth++
      if (t.kind === 'op' && t.value === ')') {
        if (depth === 0) {
          out.push(ts.sql.slice(start, t.start).trim())
          ts.next()
          return out
        }
        depth--
      }
      if (depth === 0 && t.kind === 'op' && t.value === ',') {
        out.push(ts.sql.slice(start, t.start).trim())
        ts.next()
        start = ts.peek.start
        continue
      }
      ts.next()
    }
  }

  private partitionSpec(): PartitionSpec {
    const ts = this.ts
    ts.expectOp('(')
    const spec: PartitionSpec = []
    do {
      const key = this.ident().name.toLowerCase()
      ts.expectOp('=')
      const t = ts.next()
      if (t.kind !== 'string' && t.kind !== 'integer' && t.kind !== 'decimal') ts.fail(['<value>'], t)
      spec.push([key, t.value])
    } while (ts.acceptOp(','))
    ts.expectOp(')')
    return spec
  }

  private propertyList(): Record<string, string> {
    const ts = this.ts
    ts.expectOp('(')
    const props: Record<string, string> = {}
    do {
      const key = this.string()
      ts.expectOp('=')
      props[key] = this.string()
    } while (ts.acceptOp(','))
    ts.expectOp(')')
    return props
  }

  private skipParens(): void {
    const ts = this.ts
    ts.expectOp('(')
    let depth = 1
    while (depth > 0 && ts.peek.kind !== 'eof') {
      const t = ts.next()
      if (t.kind === 'op' && t.value === '(') depth++
      if (t.kind === 'op' && t.value === ')') depth--
    }
  }

  private string(): string {
    const t = this.ts.next()
    if (t.kind !== 'string' && t.kind !== 'quoted') this.ts.fail(['<string>'], t)
    return t.value
  }

  ident(allowQuoted = false): Ident {
    const t = this.ts.peek
    if (t.kind === 'quoted' && !allowQuoted) this.ts.noViableAlternative(t)
    if (t.kind !== 'ident' && t.kind !== 'backquoted' && !(allowQuoted && t.kind === 'quoted'))
      this.ts.fail(['<identifier>'])
    this.ts.next()
    return { name: t.value, quoted: t.kind === 'backquoted' }
  }

  name(allowQuoted = false): Ident[] {
    const parts = [this.ident(allowQuoted)]
    while (this.ts.isOp('.')) {
      this.ts.next()
      parts.push(this.ident(allowQuoted))
    }
    return parts
  }
}
