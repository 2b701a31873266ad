/**
 * One IBM i job: a PostgreSQL connection of its own, the job's name, naming mode, default schema
 * or library list, commitment control, and its job log. Everything a socket runs goes through
 * `exclusive`, because a job (like a JDBC connection) runs one statement at a time.
 */

import pg from 'pg'
import Cursor from 'pg-cursor'
import { runClCommand } from '../cl/commands.ts'
import { fromPostgres, jdbcErrors, type PgErrorLike, SqlError } from '../db2/errors.ts'
import { db2Name, pgName, quoteLiteral, quotePg } from '../db2/names.ts'
import { createProcedure, type ProcedureParameter } from '../db2/procedures.ts'
import { type CallArgument, type Translated, translate, UNNAMED_COLUMN } from '../db2/translate.ts'
import { db2Type } from '../db2/types.ts'
import { cellValue, type DateTimeFormat, type JsonText } from '../db2/values.ts'
import { createSqlSample } from '../sample/create-sql-sample.ts'
import { type ConnectProps, pgIsolation } from './connect-props.ts'
import type { AttributeFacts, JobTable } from './job-table.ts'
import { type ColumnMeta, ResultCursor, type RowSource, type TextRow } from './result-cursor.ts'

export interface JobLogEntry {
  messageId: string
  type: 'COMPLETION' | 'DIAGNOSTIC' | 'ESCAPE' | 'INFORMATIONAL' | 'REQUEST' | 'INQUIRY'
  severity: number
  text: string
  secondLevel: string
  timestamp: Date
  fromProgram: string
  key: number
}

export interface OutputParameter {
  index: number
  type: string
  precision: number
  scale: number
  name: string
  ccsid: number
  value?: unknown
}

export interface Execution {
  resultSet?: ResultCursor
  updateCount: number
  outputParms?: OutputParameter[]
  /** For CALL: the procedure's parameters (prepare metadata). */
  procedureParameters?: ProcedureParameter[]
}

export type ParamValue = string | null

export interface ExecuteOptions {
  /**
   * Rows the first block of a query will take. With it, a query outside commitment control is read
   * through a portal, that many rows at first, and its result streams; without it, it is read whole.
   */
  fetchRows?: number | undefined
}

/** Every value as PostgreSQL's text: the Db2 value rules start from it. */
const TEXT_TYPES = { getTypeParser: () => (value: string) => value }

/** Raised when the job is gone (its connection died or was ended). */
export const connectionGone = () => new SqlError('The connection does not exist.', '08003', -99999)

const SYSTEM_SCHEMAS_SQL = ['qsys2', 'sysibm', 'sysproc', 'qsys']

export class Job {
  readonly name: string
  readonly user: string
  readonly number: string
  readonly props: ConnectProps
  readonly table: JobTable
  readonly client: pg.Client
  readonly backendPid: number
  readonly formats: DateTimeFormat
  /** Library list (system naming) or the path's user part. */
  libraryList: string[]
  currentLibrary: string | undefined
  /** Default schema under SQL naming. */
  defaultSchema: string
  readonly jobLog: JobLogEntry[] = []
  #nextMessageKey = 1
  #logWrites: Promise<void> = Promise.resolve()
  #queue: Promise<unknown> = Promise.resolve()
  #inTransaction = false
  #running = 0
  #ended = false
  #removed = false
  #statementCounter = 0
  /** Results still reading from a portal of this job's connection. */
  readonly #portals = new Set<ResultCursor>()

  private constructor(init: {
    table: JobTable
    client: pg.Client
    backendPid: number
    user: string
    number: string
    props: ConnectProps
  }) {
    this.table = init.table
    this.client = init.client
    this.backendPid = init.backendPid
    this.user = init.user
    this.number = init.number
    this.props = init.props
    this.name = `${init.number}/${init.user}/QZDASOINIT`
    this.formats = {
      dateFormat: init.props.dateFormat,
      dateSeparator: init.props.dateSeparator,
      timeFormat: init.props.timeFormat,
      timeSeparator: init.props.timeSeparator,
    }
    const libraries = init.props.libraries.filter((l) => l !== '*LIBL' && l !== ',')
    this.libraryList = init.props.naming === 'system' ? libraries.map((l) => l.toUpperCase()) : []
    this.currentLibrary = undefined
    this.defaultSchema = init.props.naming === 'sql' && libraries[0] ? libraries[0].toUpperCase() : init.user
  }

  static async start(
    table: JobTable,
    user: string,
    props: ConnectProps,
    clientIp: string,
    application: string,
  ): Promise<Job> {
    const client = new pg.Client({
      ...table.postgres,
      application_name: 'mapepire-local job',
      types: TEXT_TYPES,
    })
    await client.connect()
    const pid = await client.query<{ pid: string }>('SELECT pg_backend_pid() AS pid')
    const job = new Job({
      table,
      client,
      backendPid: Number(pid.rows[0]!.pid),
      user: user.toUpperCase(),
      number: table.nextJobNumber(),
      props,
    })
    client.on('error', () => {
      job.#ended = true
    })
    client.on('end', () => {
      job.#ended = true
    })
    await client.query(
      `SELECT set_config('mapepire.job_name', $1, false), set_config('mapepire.user', $2, false),
              set_config('mapepire.server', 'LOCALHOST', false), set_config('standard_conforming_strings', 'on', false)`,
      [job.name, job.user],
    )
    await job.#applyPath()
    table.add(job)
    await table
      .controlQuery(
        'INSERT INTO qsys.jobs (job_name, job_user, job_number, backend_pid, client_ip, application) VALUES ($1, $2, $3, $4, $5, $6)',
        [job.name, job.user, job.number, job.backendPid, clientIp, application],
      )
      .catch(() => {})
    job.log(
      'CPF1124',
      'INFORMATIONAL',
      0,
      `Job ${job.name} started on ${new Date().toISOString().slice(0, 10)} in subsystem QUSRWRK in QSYS.`,
    )
    job.log('CPIAD02', 'INFORMATIONAL', 0, `User ${job.user} from client ${clientIp} connected to server.`)
    return job
  }

  get ended(): boolean {
    return this.#ended
  }

  get inTransaction(): boolean {
    return this.#inTransaction
  }

  get running(): boolean {
    return this.#running > 0
  }

  /** Commitment control is active when auto commit is off and the isolation is not *NONE. */
  get commitmentControl(): boolean {
    return !this.props.autoCommit && this.props.isolation !== 'none'
  }

  /** The schema Db2 names in messages for unqualified objects. */
  get messageSchema(): string {
    return this.props.naming === 'system' ? '*LIBL' : this.defaultSchema
  }

  /**
   * Runs `work` when the job's earlier work is done (one statement at a time per job). A result still
   * reading from a portal is read to its end first (the connection can serve one statement at a time),
   * unless it is `own`: the result `work` reads more of.
   */
  exclusive<T>(work: () => Promise<T>, own?: ResultCursor): Promise<T> {
    const run = this.#queue.then(async () => {
      await this.#settlePortals(own)
      return work()
    })
    this.#queue = run.catch(() => {})
    return run
  }

  async #settlePortals(own: ResultCursor | undefined): Promise<void> {
    for (const cursor of this.#portals) {
      if (cursor === own) continue
      this.#portals.delete(cursor)
      if (cursor.streaming) await cursor.materialize().catch(() => {})
    }
  }

  /** The next block of a result: read from its portal in turn with the job's other work when it must be. */
  async fetchBlock(cursor: ResultCursor, count: number, terse: boolean): Promise<JsonText> {
    const block = cursor.needsSource(count)
      ? await this.exclusive(async () => {
          try {
            return await cursor.fetch(count, terse)
          } finally {
            if (!cursor.streaming) this.#portals.delete(cursor)
          }
        }, cursor)
      : await cursor.fetch(count, terse)
    this.readAhead(cursor, count)
    return block
  }

  /** Reads a result's next block in turn with the job's other work, before the client asks for it. */
  readAhead(cursor: ResultCursor, count: number): void {
    if (!cursor.streaming || count <= 0) return
    void this.exclusive(async () => {
      if (!this.#ended) await cursor.readAhead(count)
    }, cursor).catch(() => {})
  }

  /** Closes a result (`sqlclose`); a portal is closed in turn with the job's other work. */
  closeResult(cursor: ResultCursor): Promise<void> {
    if (!cursor.streaming) return cursor.close()
    cursor.requestClose()
    return this.exclusive(async () => {
      this.#portals.delete(cursor)
      await cursor.close().catch(() => {})
    }, cursor)
  }

  log(messageId: string, type: JobLogEntry['type'], severity: number, text: string, secondLevel = ''): void {
    const entry: JobLogEntry = {
      messageId,
      type,
      severity,
      text,
      secondLevel,
      timestamp: new Date(),
      fromProgram: 'QZDASOINIT',
      key: this.#nextMessageKey++,
    }
    this.jobLog.push(entry)
    // Mirrored for QSYS2.JOBLOG_INFO through the control connection, outside the job's transaction.
    const write = this.table
      .controlQuery(
        `INSERT INTO qsys.joblog (qualified_job_name, ordinal_position, message_id, message_type, severity, message_timestamp,
           from_program, message_text, message_second_level_text) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [
          this.name,
          entry.key,
          messageId,
          type,
          severity,
          entry.timestamp,
          entry.fromProgram,
          text,
          secondLevel || null,
        ],
      )
      .then(
        () => {},
        () => {},
      )
    this.#logWrites = this.#logWrites.then(() => write)
  }

  /** Job log messages written so far are visible to SQL once this resolves. */
  flushLog(): Promise<void> {
    return this.#logWrites
  }

  /** What unqualified names resolve through: part of the key of cached statement facts. */
  get #pathKey(): string {
    return `${this.props.naming}|${this.defaultSchema}|${this.currentLibrary ?? ''}|${this.libraryList.join(',')}`
  }

  async #applyPath(): Promise<void> {
    const schemas =
      this.props.naming === 'system'
        ? [...(this.currentLibrary ? [this.currentLibrary] : []), ...this.libraryList, 'QGPL']
        : [this.defaultSchema]
    const path = [...schemas.map((s) => pgName(s)), ...SYSTEM_SCHEMAS_SQL]
    const current = this.props.naming === 'system' ? '*LIBL' : this.defaultSchema
    await this.#query(
      `SELECT set_config('search_path', $1, false), set_config('mapepire.current_schema', $2, false), set_config('mapepire.path', $3, false)`,
      [path.map(quotePg).join(', '), current, schemas.map((s) => `"${s}"`).join(',')],
    )
  }

  /** Library list changes (ADDLIBLE, RMVLIBLE, CHGCURLIB) take effect for the next statement. */
  async setLibraries(list: string[], current: string | undefined): Promise<void> {
    this.libraryList = list
    this.currentLibrary = current
    await this.#applyPath()
  }

  async schemaExists(db2Schema: string): Promise<boolean> {
    const r = await this.#query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [pgName(db2Schema)])
    return r.rows.length > 0
  }

  /**
   * The system name of a table, view or other relation in a schema, found by its SQL name or by its
   * system name (CL commands name objects by system name; long SQL names get a short one, as the
   * catalog views show it). Undefined when there is none.
   */
  async systemObjectName(db2Schema: string, db2Object: string): Promise<string | undefined> {
    const r = await this.#query(
      `SELECT upper(left(qsys.db2_name(c.relname), 10)) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND (c.relname = $2 OR upper(left(qsys.db2_name(c.relname), 10)) = $3)
        ORDER BY c.relname = $2 DESC LIMIT 1`,
      [pgName(db2Schema), pgName(db2Object), db2Object.trimEnd()],
    )
    return (r.rows[0] as string[] | undefined)?.[0]
  }

  /** Runs one Db2 statement with its parameters (already counted by the caller). */
  async execute(sql: string, params: ParamValue[] | undefined): Promise<Execution> {
    const translated = translate(sql, { naming: this.props.naming })
    return this.executeTranslated(translated, params ?? [])
  }

  async executeTranslated(
    t: Translated,
    params: ParamValue[],
    options: ExecuteOptions = {},
  ): Promise<Execution> {
    switch (t.kind) {
      case 'statement':
        return this.#statement(t, params, options.fetchRows)
      case 'call':
        // A procedure may change definitions.
        this.table.definitionsChanged()
        return this.#call(t, params)
      case 'set-schema': {
        const schema = t.param ? params[0] : t.schema
        this.defaultSchema = schema ? (t.param ? schema.toUpperCase() : schema) : this.user
        await this.#applyPath()
        return { updateCount: 0 }
      }
      case 'set-path':
        return { updateCount: 0 }
      case 'transaction': {
        if (this.#inTransaction) {
          this.#inTransaction = false
          await this.#query(t.sql)
        }
        return { updateCount: 0 }
      }
      case 'savepoint': {
        await this.#beginIfNeeded()
        await this.#query(t.sql).catch((error) => {
          throw this.#sqlError(error)
        })
        return { updateCount: 0 }
      }
      case 'create-procedure': {
        const procedure = createProcedure(t.tokens, t.orReplace, {
          naming: this.props.naming,
          defaultSchema:
            this.props.naming === 'system'
              ? (this.currentLibrary ?? this.libraryList[0] ?? 'QGPL')
              : this.defaultSchema,
        })
        await this.#inStatement(async () => {
          for (const statement of procedure.statements) await this.#query(statement.sql, statement.params)
        })
        return { updateCount: 0 }
      }
      case 'drop-procedure': {
        const schema = t.schema ?? (await this.#resolveProcedureSchema(t.name))
        if (schema === undefined) {
          if (t.ifExists) return { updateCount: 0 }
          throw new SqlError(`[SQL0204] ${t.name} in ${this.messageSchema} type *N not found.`, '42704', -204)
        }
        await this.#inStatement(async () => {
          await this.#query(
            `DROP PROCEDURE ${t.ifExists ? 'IF EXISTS ' : ''}${quotePg(pgName(schema))}.${quotePg(pgName(t.name))}`,
          )
          await this.#query('DELETE FROM qsys.procedures WHERE routine_schema = $1 AND routine_name = $2', [
            pgName(schema),
            pgName(t.name),
          ])
        })
        return { updateCount: 0 }
      }
      case 'noop':
        return { updateCount: 0 }
    }
  }

  /** Parameter types of a statement, as PostgreSQL infers them (for prepare metadata). */
  async describeParameters(t: Translated & { kind: 'statement' }): Promise<string[]> {
    if (t.paramCount === 0 || !/^(SELECT|INSERT|UPDATE|DELETE|MERGE|WITH|VALUES)$/.test(t.verb)) {
      return new Array(t.paramCount).fill('unknown')
    }
    const name = `mp_describe_${++this.#statementCounter}`
    return this.#inStatement(async () => {
      await this.#query(`PREPARE ${name} AS ${t.sql}`)
      try {
        const r = await this.#query(
          'SELECT parameter_types::text[] AS types FROM pg_prepared_statements WHERE name = $1',
          [name],
        )
        const types = r.rows[0]?.[0] as string | undefined
        return parseTextArray(types ?? '{}')
      } finally {
        await this.#query(`DEALLOCATE ${name}`)
      }
    })
  }

  /**
   * JTOpen reads a string bound to a binary parameter as hex, so a client sends bytes as hex text.
   * PostgreSQL would store that text itself in a bytea, so hex strings bound where PostgreSQL infers
   * bytea are given its hex input form. Only statements with a hex-looking string pay for the describe.
   */
  async #binaryParameters(
    t: Translated & { kind: 'statement' },
    params: ParamValue[],
  ): Promise<ParamValue[]> {
    const hex = /^(?:[0-9A-Fa-f]{2})*$/
    if (!params.some((p) => typeof p === 'string' && hex.test(p))) return params
    if (!/^(SELECT|INSERT|UPDATE|DELETE|MERGE|WITH|VALUES)$/.test(t.verb)) return params
    const key = `${this.name}|${this.#pathKey}\u0000${t.sql}`
    let types = this.table.parameterTypes.get(key)
    if (types === undefined) {
      types = await this.#describeBaseTypes(t)
      this.table.rememberParameterTypes(key, types)
    }
    const described = types
    return params.map((p, i) =>
      described[i] === 'bytea' && typeof p === 'string' && hex.test(p) ? `\\x${p}` : p,
    )
  }

  /** Parameter types as PostgreSQL infers them, domains as their base types. */
  async #describeBaseTypes(t: Translated & { kind: 'statement' }): Promise<string[]> {
    const name = `mp_describe_${++this.#statementCounter}`
    await this.#query(`PREPARE ${name} AS ${t.sql}`)
    try {
      const r = await this.#query(
        // Db2's binary types are domains over bytea: compare base types.
        `SELECT array(SELECT CASE WHEN t.typtype = 'd' THEN t.typbasetype::regtype::text ELSE t.oid::regtype::text END
           FROM unnest(p.parameter_types) WITH ORDINALITY AS u(oid, i) JOIN pg_type t ON t.oid = u.oid ORDER BY u.i)::text[]
           FROM pg_prepared_statements p WHERE p.name = $1`,
        [name],
      )
      return parseTextArray((r.rows[0]?.[0] as string | undefined) ?? '{}')
    } finally {
      await this.#query(`DEALLOCATE ${name}`)
    }
  }

  /** Result columns of a query without running it to completion. */
  async describeColumns(t: Translated & { kind: 'statement' }): Promise<ColumnMeta[] | undefined> {
    if (!t.isQuery || /\bRETURNING \*/.test(t.sql)) return undefined
    const params = new Array(t.paramCount).fill(null)
    return this.#inStatement(async () => {
      const r = await this.#query(`SELECT * FROM (${t.sql}) AS mp_describe LIMIT 0`, params)
      return this.#columns(r.fields, t.numberAllColumns)
    })
  }

  async #statement(
    t: Translated & { kind: 'statement' },
    params: ParamValue[],
    fetchRows: number | undefined,
  ): Promise<Execution> {
    if (/joblog_info/i.test(t.sql)) await this.flushLog()
    return this.#inStatement(t.objectSchema, async () => {
      for (const sql of t.before ?? []) await this.#query(sql)
      const values = await this.#binaryParameters(t, params)
      // Under commitment control a statement is wrapped in a savepoint released right after it, so
      // its result is read whole; elsewhere a query's rows stream from a portal.
      if (fetchRows !== undefined && t.isQuery && !this.#inTransaction && !/\bRETURNING\b/.test(t.sql)) {
        return this.#openPortal(t, values, fetchRows)
      }
      const r = await this.#query(t.sql, values)
      if (t.createdSchema !== undefined) {
        await this.#query('SELECT qsys.create_schema_catalog($1)', [pgName(t.createdSchema)])
      }
      if (!/^(SELECT|INSERT|UPDATE|DELETE|MERGE|WITH|VALUES)$/.test(t.verb)) this.table.definitionsChanged()
      if (r.fields.length > 0 && (t.isQuery || r.command === 'SELECT' || /RETURNING \*/.test(t.sql))) {
        const columns = await this.#columns(r.fields, t.numberAllColumns)
        return {
          resultSet: new ResultCursor(columns, r.rows as (string | null)[][], this.formats),
          updateCount: -1,
        }
      }
      const count = /^(INSERT|UPDATE|DELETE|MERGE)$/.test(r.command ?? '') ? (r.rowCount ?? 0) : 0
      return { updateCount: count }
    })
  }

  /**
   * Runs a query through a portal: its first `fetchRows` rows now, the rest as blocks are fetched.
   * A small result is over with the first read, and the connection is free again.
   */
  async #openPortal(
    t: Translated & { kind: 'statement' },
    values: ParamValue[],
    fetchRows: number,
  ): Promise<Execution> {
    if (this.#ended) throw connectionGone()
    const portal = new PortalRows(
      this.client.query(new Cursor(t.sql, values, { rowMode: 'array', types: TEXT_TYPES })),
    )
    let first: { rows: TextRow[]; fields: pg.FieldDef[] }
    try {
      first = await portal.first(Math.max(fetchRows, 1))
    } catch (error) {
      if (this.#ended) throw connectionGone()
      throw error
    }
    if (first.fields.length === 0) {
      await portal.close()
      return { updateCount: 0 }
    }
    // While the portal is open the connection serves nothing else: catalog facts come through the control connection.
    const columns = await this.#columns(
      first.fields,
      t.numberAllColumns,
      portal.exhausted ? 'job' : 'control',
    )
    const source: RowSource = {
      read: (count) => this.#readPortal(portal, count),
      close: () => portal.close(),
      get exhausted() {
        return portal.exhausted
      },
    }
    const cursor = new ResultCursor(columns, first.rows, this.formats, source)
    if (cursor.streaming) {
      this.#portals.add(cursor)
      this.readAhead(cursor, fetchRows)
    }
    return { resultSet: cursor, updateCount: -1 }
  }

  /** A later block of a portal: a statement running (CANCEL_SQL stops it), Db2 errors. */
  async #readPortal(portal: PortalRows, count: number): Promise<TextRow[]> {
    if (this.#ended) throw connectionGone()
    this.#running++
    try {
      return await portal.read(count)
    } catch (error) {
      throw this.#sqlError(error)
    } finally {
      this.#running--
    }
  }

  /** A statement under commitment control is atomic on its own, as on Db2: a failure undoes only it. */
  async #inStatement<T>(
    schemaOrWork: string | undefined | (() => Promise<T>),
    maybeWork?: () => Promise<T>,
  ): Promise<T> {
    const work = typeof schemaOrWork === 'function' ? schemaOrWork : maybeWork!
    const objectSchema = typeof schemaOrWork === 'function' ? undefined : schemaOrWork
    if (this.#ended) throw connectionGone()
    await this.#beginIfNeeded()
    const wrapped = this.#inTransaction
    if (wrapped) await this.#query('SAVEPOINT mp_statement')
    this.#running++
    try {
      const result = await work()
      if (wrapped) await this.#query('RELEASE SAVEPOINT mp_statement')
      return result
    } catch (error) {
      if (wrapped && !this.#ended) await this.#query('ROLLBACK TO SAVEPOINT mp_statement').catch(() => {})
      throw this.#sqlError(error, objectSchema)
    } finally {
      this.#running--
    }
  }

  async #beginIfNeeded(): Promise<void> {
    if (this.commitmentControl && !this.#inTransaction) {
      await this.#query(`BEGIN ISOLATION LEVEL ${pgIsolation(this.props.isolation)}`)
      this.#inTransaction = true
    }
  }

  #sqlError(error: unknown, objectSchema?: string): Error {
    if (error instanceof SqlError || !(error instanceof Error)) return error as Error
    if (this.#ended) return connectionGone()
    const pgError = error as Error & PgErrorLike
    if (typeof pgError.code === 'string') {
      return fromPostgres(pgError, { defaultSchema: objectSchema ?? this.messageSchema, db2Name })
    }
    return error
  }

  async #query(text: string, values?: unknown[]): Promise<pg.QueryArrayResult> {
    if (this.#ended) throw connectionGone()
    try {
      return await this.client.query({ text, values: values ?? [], rowMode: 'array' })
    } catch (error) {
      if (this.#ended) throw connectionGone()
      throw error
    }
  }

  /** Runs PostgreSQL SQL on this job's connection (used by CL commands and the sample builder). */
  query(text: string, values?: unknown[]): Promise<pg.QueryArrayResult> {
    return this.#query(text, values)
  }

  /** Runs PostgreSQL SQL as one Db2 statement (savepoint under commitment control, Db2 errors). */
  inStatement<T>(work: () => Promise<T>): Promise<T> {
    return this.#inStatement(work)
  }

  async #columns(
    fields: pg.FieldDef[],
    numberAll: boolean,
    via: 'job' | 'control' = 'job',
  ): Promise<ColumnMeta[]> {
    const tables = [
      ...new Set(fields.map((f) => f.tableID).filter((id) => id !== 0 && !this.table.attributes.has(id))),
    ]
    if (tables.length > 0) {
      const sql = `SELECT attrelid, attnum, atttypid, attnotnull, attidentity <> '' FROM pg_attribute WHERE attrelid = ANY($1::oid[]) AND attnum > 0`
      const ids = [`{${tables.join(',')}}`]
      const r = via === 'job' ? await this.#query(sql, ids) : await this.table.controlQuery(sql, ids, 'array')
      for (const id of tables) this.table.attributes.set(id, new Map())
      for (const row of r.rows as string[][]) {
        this.table.attributes.get(Number(row[0]))!.set(Number(row[1]), {
          typeId: Number(row[2]),
          // 't' from the job's connection (text values), true from the control connection.
          notNull: String(row[3]).startsWith('t'),
          identity: String(row[4]).startsWith('t'),
        })
      }
    }
    return fields.map((f, index) => {
      const facts: AttributeFacts | undefined = f.tableID
        ? this.table.attributes.get(f.tableID)?.get(f.columnID)
        : undefined
      const unnamed = numberAll || f.name.toLowerCase() === UNNAMED_COLUMN
      return {
        name: unnamed ? String(index + 1).padStart(5, '0') : db2Name(f.name),
        type: db2Type(f.dataTypeID, f.dataTypeModifier, this.table.domains, facts?.typeId),
        nullable: facts ? (facts.notNull ? 0 : 1) : 1,
        autoIncrement: facts?.identity ?? false,
      }
    })
  }

  // ---- CALL ----

  async #resolveProcedureSchema(name: string): Promise<string | undefined> {
    const path =
      this.props.naming === 'system'
        ? [...(this.currentLibrary ? [this.currentLibrary] : []), ...this.libraryList, 'QGPL']
        : [this.defaultSchema]
    const r = await this.#query(
      'SELECT routine_schema FROM qsys.procedures WHERE routine_name = $1 AND routine_schema = ANY($2::text[])',
      [pgName(name), `{${path.map((p) => `"${pgName(p)}"`).join(',')}}`],
    )
    const found = new Set((r.rows as string[][]).map((row) => row[0]!))
    const schema = path.find((p) => found.has(pgName(p)))
    return schema
  }

  async procedureParameters(
    schema: string | undefined,
    name: string,
  ): Promise<{ schema: string; parameters: ProcedureParameter[]; resultSets: number } | undefined> {
    const resolved = schema ?? (await this.#resolveProcedureSchema(name))
    if (resolved === undefined) return undefined
    const p = await this.#query(
      'SELECT result_sets FROM qsys.procedures WHERE routine_schema = $1 AND routine_name = $2',
      [pgName(resolved), pgName(name)],
    )
    if (p.rows.length === 0) return undefined
    const r = await this.#query(
      `SELECT parameter_mode, parameter_name, data_type, numeric_precision, numeric_scale, character_maximum_length
       FROM qsys.procedure_parameters WHERE routine_schema = $1 AND routine_name = $2 ORDER BY ordinal_position`,
      [pgName(resolved), pgName(name)],
    )
    const parameters = (r.rows as (string | null)[][]).map((row) => ({
      mode: row[0] as ProcedureParameter['mode'],
      name: row[1]!,
      type: row[2]!,
      precision: Number(row[5] ?? row[3] ?? 0),
      scale: Number(row[4] ?? 0),
    }))
    return { schema: resolved, parameters, resultSets: Number((p.rows[0] as string[])[0]) }
  }

  async #call(t: Translated & { kind: 'call' }, params: ParamValue[]): Promise<Execution> {
    const schema = t.schema
    const builtin = `${schema ?? ''}.${t.name}`
    const argValue = (arg: CallArgument | undefined): string | null => {
      if (arg === undefined) return null
      if (arg.kind === 'param') return params[arg.index] ?? null
      if (arg.kind === 'literal') return arg.value
      throw new SqlError(`[SQL0104] Token ${arg.sql} was not valid. Valid tokens: ? :.`, '42601', -104)
    }
    switch (builtin) {
      case 'QSYS.CREATE_SQL_SAMPLE':
      case '.CREATE_SQL_SAMPLE': {
        const target = argValue(t.args[0])
        if (!target) throw new SqlError('[SQL0204] *N in QSYS type *LIB not found.', '42704', -204)
        await this.#inStatement(() => createSqlSample(this, target))
        return { updateCount: 0 }
      }
      case 'QSYS2.CANCEL_SQL':
      case '.CANCEL_SQL': {
        const target = argValue(t.args[0]) ?? ''
        const job = this.table.find(target)
        if (job === undefined) {
          throw new SqlError(`[SQL0443] Job ${target} not found.`, '38501', -443)
        }
        await job.cancelRunningStatement()
        return { updateCount: 0 }
      }
      case 'QSYS2.QCMDEXC':
      case 'QSYS.QCMDEXC':
      case '.QCMDEXC': {
        const command = argValue(t.args[0]) ?? ''
        const outcome = await this.#inStatement(() => runClCommand(this, command))
        if (outcome.error) throw outcome.error
        return { updateCount: 0 }
      }
    }
    const procedure = await this.procedureParameters(schema, t.name)
    if (procedure === undefined) {
      throw new SqlError(
        `[SQL0204] ${t.name} in ${schema ?? this.messageSchema} type *N not found.`,
        '42884',
        -204,
      )
    }
    if (t.args.length !== procedure.parameters.length) {
      throw new SqlError(
        `[SQL0440] Routine ${t.name} in ${schema ?? this.messageSchema} not found with specified parameters.`,
        '42884',
        -440,
      )
    }
    // OUT parameters take a NULL placeholder in PostgreSQL's CALL.
    const values: ParamValue[] = []
    const args = t.args.map((arg, i) => {
      const parameter = procedure.parameters[i]!
      if (parameter.mode === 'OUT') return 'NULL'
      if (arg.kind === 'param') {
        values.push(params[arg.index] ?? null)
        return `$${values.length}`
      }
      if (arg.kind === 'literal') return arg.value === null ? 'NULL' : quoteLiteral(arg.value)
      return arg.sql
    })
    const callSql = `CALL ${quotePg(pgName(procedure.schema))}.${quotePg(pgName(t.name))}(${args.join(', ')})`
    return this.#inStatement(async () => {
      const ownTransaction = procedure.resultSets > 0 && !this.#inTransaction
      if (ownTransaction) await this.#query('BEGIN')
      try {
        const r = await this.#query(callSql, values)
        let resultSet: ResultCursor | undefined
        if (procedure.resultSets > 0) {
          const cursors = await this.#query(
            "SELECT name FROM pg_cursors WHERE name LIKE 'mp\\_rs\\_%' ORDER BY creation_time, name",
          )
          const names = (cursors.rows as string[][]).map((row) => row[0]!)
          if (names.length > 0) {
            const rows = await this.#query(`FETCH ALL FROM ${quotePg(names[0]!)}`)
            resultSet = new ResultCursor(
              await this.#columns(rows.fields, false),
              rows.rows as (string | null)[][],
              this.formats,
            )
          }
          for (const name of names) await this.#query(`CLOSE ${quotePg(name)}`)
        }
        if (ownTransaction) await this.#query('COMMIT')
        const outRow = (r.rows[0] ?? []) as (string | null)[]
        const outFields = r.fields
        const last = procedure.parameters[procedure.parameters.length - 1]
        let outIndex = 0
        const outputParms: OutputParameter[] = procedure.parameters.map((parameter, i) => {
          const item: OutputParameter = {
            index: i + 1,
            type: parameter.type,
            precision: parameter.precision,
            // JTOpen's server reads every parameter's scale from the last parameter.
            scale: last?.scale ?? 0,
            name: parameter.name,
            ccsid: /CHAR|CLOB|GRAPHIC/.test(parameter.type) ? 37 : 0,
          }
          if (parameter.mode !== 'IN') {
            const field = outFields[outIndex]
            const text = outRow[outIndex] ?? null
            outIndex++
            item.value = outputValue(text, field, this)
          }
          return item
        })
        return {
          ...(resultSet ? { resultSet } : {}),
          updateCount: resultSet ? -1 : 0,
          outputParms,
          procedureParameters: procedure.parameters,
        }
      } catch (error) {
        if (ownTransaction) await this.#query('ROLLBACK').catch(() => {})
        throw error
      }
    })
  }

  /** QSYS2.CANCEL_SQL: stops the statement this job is running, which then fails with SQL0952. */
  async cancelRunningStatement(): Promise<void> {
    if (!this.running || this.#ended) return
    await this.table.controlQuery('SELECT pg_cancel_backend($1)', [this.backendPid])
  }

  /** Ends the job's connection (the socket stays); its job table entry and job log go with it. */
  async end(): Promise<void> {
    if (this.#removed) return
    this.#removed = true
    const wasEnded = this.#ended
    this.#ended = true
    this.table.remove(this)
    await this.#logWrites
    this.#portals.clear()
    await this.table.controlQuery('DELETE FROM qsys.jobs WHERE job_name = $1', [this.name]).catch(() => {})
    await this.table
      .controlQuery('DELETE FROM qsys.joblog WHERE qualified_job_name = $1', [this.name])
      .catch(() => {})
    if (!wasEnded) await this.client.end().catch(() => {})
    else this.client.end().catch(() => {})
  }

  /** A job that dies: its PostgreSQL backend is terminated under it (fault injection). */
  async kill(): Promise<void> {
    await this.table.controlQuery('SELECT pg_terminate_backend($1)', [this.backendPid]).catch(() => {})
    this.#ended = true
  }
}

function outputValue(text: string | null, field: pg.FieldDef | undefined, job: Job): unknown {
  if (text === null || field === undefined) return null
  const type = db2Type(field.dataTypeID, field.dataTypeModifier, job.table.domains)
  switch (type.form) {
    case 'integer':
      return Number(text)
    case 'char':
    case 'string':
      // JTOpen's server trims string output parameters at both ends.
      return text.trim()
    default:
      return cellValue(text, type.form, job.formats)
  }
}

function parseTextArray(text: string): string[] {
  // {integer,"character varying"}
  const inner = text.replace(/^\{|\}$/g, '')
  if (inner === '') return []
  const out: string[] = []
  const re = /"((?:[^"\\]|\\.)*)"|([^,]+)/g
  for (const m of inner.matchAll(re)) out.push(m[1] ?? m[2] ?? '')
  return out
}

export { jdbcErrors }

/** A pg-cursor portal on a job's connection, read a block at a time. */
class PortalRows {
  readonly #cursor: Cursor<TextRow>
  #exhausted = false
  #closed = false

  constructor(cursor: Cursor<TextRow>) {
    this.#cursor = cursor
  }

  get exhausted(): boolean {
    return this.#exhausted || this.#closed
  }

  /** The first block, with the row description. */
  first(count: number): Promise<{ rows: TextRow[]; fields: pg.FieldDef[] }> {
    return new Promise((resolve, reject) => {
      this.#cursor.read(count, (error, rows, result) => {
        if (error) {
          this.#exhausted = true
          reject(error)
          return
        }
        if (rows.length < count) this.#exhausted = true
        resolve({ rows, fields: result.fields ?? [] })
      })
    })
  }

  async read(count: number): Promise<TextRow[]> {
    if (this.exhausted) return []
    try {
      const rows = await this.#cursor.read(count)
      if (rows.length < count) this.#exhausted = true
      return rows
    } catch (error) {
      this.#exhausted = true
      throw error
    }
  }

  async close(): Promise<void> {
    if (this.exhausted) return
    this.#closed = true
    await this.#cursor.close()
  }
}
