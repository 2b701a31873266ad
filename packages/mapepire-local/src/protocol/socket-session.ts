/**
 * One WebSocket: the Mapepire request loop. Each request runs on its own (as the Java server
 * gives each its own thread), except the synchronous types (connect, cl, dove, gettracedata)
 * which hold up the socket's later requests. Replies keep the Java server's key order:
 * `id`, the handler's fields, then `success` (or `error`, `success`, `sql_state`, `sql_rc`),
 * then `execution_time`.
 */

import type { WebSocket } from 'ws'
import { runClCommand } from '../cl/commands.ts'
import { jdbcErrors, RequestError, SqlError } from '../db2/errors.ts'
import type { Translated } from '../db2/translate.ts'
import { parameterTypeName } from '../db2/types.ts'
import { JsonText, toJson } from '../db2/values.ts'
import { type PropDefaults, parseConnectProps } from '../job/connect-props.ts'
import { type Execution, Job } from '../job/job.ts'
import type { JobTable } from '../job/job-table.ts'
import type { ColumnMeta, ResultCursor } from '../job/result-cursor.ts'
import type { FaultControl, FaultRule } from './faults.ts'
import {
  asBoolean,
  asInt,
  asString,
  gsonText,
  isObject,
  type JsonValue,
  parameterValues,
  parseRequest,
  SourceNumber,
} from './request.ts'

/** What every socket of a server shares. */
export interface ServerContext {
  jobs: JobTable
  faults: FaultControl
  /** User profiles: name → password. */
  users: Map<string, string>
  defaults: PropDefaults
  version: string
  buildDate: string
}

export interface SessionOptions extends ServerContext {
  clientIp: string
  /** The user and password of the upgrade's Basic authorization. */
  user: string
  password: string
}

type Reply = Record<string, unknown>

/** A statement the socket keeps for sqlmore / sqlclose / execute (the Java server's maps). */
interface StatementEntry {
  kind: 'query' | 'prepared'
  cursor?: ResultCursor
  done: boolean
  /** For prepared statements: the translation and its parameter metadata. */
  translated?: Translated
  parameters?: ParameterInfo[]
  executed: boolean
}

interface ParameterInfo {
  type: string
  mode: 'IN' | 'OUT' | 'INOUT'
  precision: number
  scale: number
  name: string | null
}

const SYNCHRONOUS = new Set(['connect', 'cl', 'dove', 'gettracedata'])

let unparseableCounter = 1
let incompleteCounter = 1

export class SocketSession {
  readonly #socket: WebSocket
  readonly #options: SessionOptions
  #job: Job | undefined
  readonly #statements = new Map<string, StatementEntry>()
  #gate: Promise<void> = Promise.resolve()
  #closed = false
  /** Stops reading requests (the Java server's reader dies on some malformed requests). */
  #readerDead = false
  readonly #typeCounts = new Map<string, number>()
  #held: string[] = []
  #holdTimer: NodeJS.Timeout | undefined
  /** Replies waiting out a delay fault: ended with the socket, so no timer outlives it. */
  readonly #delays = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>()

  constructor(socket: WebSocket, options: SessionOptions) {
    this.#socket = socket
    this.#options = options
    socket.on('message', (data, isBinary) => {
      if (this.#readerDead) return
      const text = Buffer.isBuffer(data)
        ? data.toString('utf8')
        : Array.isArray(data)
          ? Buffer.concat(data).toString('utf8')
          : Buffer.from(data).toString('utf8')
      if (isBinary && text.length === 0) return
      this.#receive(text)
    })
    socket.on('close', () => this.#end())
    socket.on('error', () => this.#end())
  }

  get job(): Job | undefined {
    return this.#job
  }

  #end(): void {
    if (this.#closed) return
    this.#closed = true
    if (this.#holdTimer) clearTimeout(this.#holdTimer)
    for (const delay of this.#delays) {
      clearTimeout(delay.timer)
      delay.resolve()
    }
    this.#delays.clear()
    for (const entry of this.#statements.values()) entry.cursor?.discard()
    this.#statements.clear()
    const job = this.#job
    this.#job = undefined
    if (job) this.#options.jobs.logger.info?.('job ended', { job: job.name })
    void job?.end()
  }

  #receive(text: string): void {
    for (const line of text.split('\n')) {
      if (line.trim() === '' || line.startsWith('//')) continue
      this.#dispatch(line)
    }
  }

  #dispatch(text: string) {
    let request: JsonValue
    try {
      request = parseRequest(text)
      if (!isObject(request)) throw new Error('not an object')
    } catch {
      this.#run({ id: `unparseable_${unparseableCounter++}` }, false, async (reply) => {
        reply.unparseable = text
        throw new RequestError(`Non-parseable request: '${text}'`)
      })
      return
    }
    const req = request
    if (req.type === undefined || req.type === null || req.id === undefined || req.id === null) {
      this.#run({ id: `incomplete_${incompleteCounter++}` }, false, async (reply) => {
        reply.incomplete = text
        throw new RequestError(`Request is missing required fields (most likely 'id' or 'type'): '${text}'`)
      })
      return
    }
    let id: string
    let type: string
    try {
      id = asString(req.id, 'id')
      type = asString(req.type, 'type')
    } catch {
      return
    }
    const reply: Reply = { id }
    const nth = (this.#typeCounts.get(type) ?? 0) + 1
    this.#typeCounts.set(type, nth)
    const fault = this.#options.faults.take({ type, sql: textField(req.sql) ?? textField(req.cmd), nth })
    const sync = SYNCHRONOUS.has(type)
    const contId = req.cont_id
    switch (type) {
      case 'ping':
        return this.#run(
          reply,
          sync,
          async (r) => {
            r.alive = true
            const job = this.#requireJob()
            r.db_alive = !job.ended
          },
          fault,
        )
      case 'connect':
        return this.#run(reply, sync, (r) => this.#connect(req, r), fault)
      case 'sql': {
        const entry: StatementEntry = { kind: 'query', done: false, executed: false }
        this.#statements.set(id, entry)
        return this.#run(reply, sync, (r) => this.#sql(req, r, entry), fault)
      }
      case 'prepare_sql':
      case 'prepare_sql_execute': {
        const entry: StatementEntry = { kind: 'prepared', done: false, executed: false }
        this.#statements.set(id, entry)
        return this.#run(
          reply,
          sync,
          (r) => this.#prepare(req, r, entry, type === 'prepare_sql_execute'),
          fault,
        )
      }
      case 'sqlmore':
      case 'sqlclose': {
        if (contId === undefined || contId === null) {
          this.#badRequest(reply, 'Correlation ID not specified')
          // The Java reader fails on the missing cont_id right after: the socket reads no more.
          this.#readerDead = true
          setTimeout(() => this.#socket.close(1011, 'Server error'), 50)
          return
        }
        const key = safeString(contId)
        const entry = this.#statements.get(key)
        if (entry === undefined) return this.#badRequest(reply, 'invalid correlation ID', fault)
        if (type === 'sqlclose') {
          this.#statements.delete(key)
          return this.#run(
            reply,
            sync,
            async () => {
              const cursor = entry.cursor
              if (cursor === undefined) return
              const job = this.#job
              await (job ? job.closeResult(cursor) : cursor.close())
            },
            fault,
          )
        }
        return this.#run(
          reply,
          sync,
          async (r) => {
            const rows = asInt(req.rows, 1000)
            r.data = await this.#block(entry, rows, asBoolean(req.terse, false))
            r.is_done = entry.kind === 'prepared' && !entry.executed ? true : entry.done
          },
          fault,
        )
      }
      case 'execute': {
        if (contId === undefined || contId === null)
          return this.#badRequest(reply, 'Correlation ID not specified', fault)
        const entry = this.#statements.get(safeString(contId))
        if (entry === undefined || entry.kind !== 'prepared')
          return this.#badRequest(reply, 'invalid correlation ID', fault)
        const own: StatementEntry = { kind: 'query', done: false, executed: true }
        return this.#run(reply, sync, (r) => this.#executePrepared(req, r, entry, own), fault)
      }
      case 'cl':
        return this.#run(reply, sync, (r) => this.#cl(req, r), fault)
      case 'dove':
        return this.#run(reply, sync, (r) => this.#dove(req, r), fault)
      case 'getdbjob':
        return this.#run(
          reply,
          sync,
          async (r) => {
            r.job = this.#job && !this.#job.ended ? this.#job.name : '??????/??????/??????'
          },
          fault,
        )
      case 'getversion':
        return this.#run(
          reply,
          sync,
          async (r) => {
            r.build_date = this.#options.buildDate
            r.version = this.#options.version
          },
          fault,
        )
      case 'setconfig':
        return this.#run(
          reply,
          sync,
          async (r) => {
            r.tracedest = 'unknown'
            r.tracelevel = 'unknown'
            r.jtopentracedest = 'unknown'
            r.jtopentracelevel = 'unknown'
          },
          fault,
        )
      case 'gettracedata':
        return this.#run(
          reply,
          sync,
          async (r) => {
            r.tracedata = '<prohibited>'
            r.jtopentracedata = '<prohibited>'
          },
          fault,
        )
      case 'exit':
        return this.#run(
          reply,
          sync,
          async (r) => {
            r.success = this.#job?.name ?? '??????/??????/??????'
            const job = this.#job
            this.#job = undefined
            await job?.end()
          },
          fault,
        )
      default:
        return this.#run(
          reply,
          sync,
          async () => {
            throw new RequestError(`Unknown request type: ${type}`)
          },
          fault,
        )
    }
  }

  #badRequest(reply: Reply, reason: string, fault?: FaultRule): void {
    this.#run(
      reply,
      false,
      async () => {
        throw new RequestError(`Bad request: ${reason}`)
      },
      fault,
    )
  }

  /** Runs a handler as ClientRequest.run does, then sends the reply (through the fault knobs). */
  #run(reply: Reply, sync: boolean, handler: (reply: Reply) => Promise<void>, fault?: FaultRule): void {
    const start = process.hrtime.bigint()
    const work = async () => {
      if (fault?.action === 'kill-job') await this.#job?.kill()
      try {
        await handler(reply)
        reply.success = true
      } catch (error) {
        if (!(error instanceof SqlError) && !(error instanceof RequestError)) {
          this.#options.jobs.logger.warn?.('request failed unexpectedly', {
            id: reply.id,
            error: String(error),
          })
        }
        reply.error = error instanceof Error ? error.message : String(error)
        reply.success = false
        if (error instanceof SqlError) {
          reply.sql_state = error.sqlState
          reply.sql_rc = error.sqlCode
        }
      }
      reply.execution_time = Number((process.hrtime.bigint() - start) / 1_000_000n)
      await this.#send(reply, fault)
    }
    const run = this.#gate.then(work)
    if (sync) this.#gate = run.catch(() => {})
    else run.catch(() => {})
  }

  async #send(reply: Reply, fault: FaultRule | undefined): Promise<void> {
    if (this.#closed) return
    if (fault?.action === 'drop') {
      if (fault.afterMs) await this.#sleep(fault.afterMs)
      this.#socket.terminate()
      return
    }
    let delay = this.#options.faults.replyDelay()
    if (fault?.action === 'delay') delay += fault.ms
    if (delay > 0) await this.#sleep(delay)
    if (this.#closed) return
    let text = `${toJson(reply)}\n\n`
    if (fault?.action === 'oversize') {
      const body = toJson(reply)
      const padding = Math.max(0, fault.bytes - body.length - 16)
      text = `${body.slice(0, -1)},"padding":"${'x'.repeat(padding)}"}\n\n`
    }
    const reorder = this.#options.faults.reorder
    if (reorder) {
      this.#held.push(text)
      this.#holdTimer ??= setTimeout(() => this.#flushHeld(), reorder.windowMs)
      return
    }
    this.#write(text)
  }

  /** A delay that ends early, and without a timer left behind, when the socket ends. */
  #sleep(ms: number): Promise<void> {
    if (this.#closed) return Promise.resolve()
    return new Promise((resolve) => {
      const delay = {
        timer: setTimeout(() => {
          this.#delays.delete(delay)
          resolve()
        }, ms),
        resolve,
      }
      this.#delays.add(delay)
    })
  }

  #flushHeld(): void {
    this.#holdTimer = undefined
    const held = this.#held
    this.#held = []
    for (let i = held.length - 1; i > 0; i--) {
      const j = Math.floor(this.#options.faults.random() * (i + 1))
      ;[held[i], held[j]] = [held[j]!, held[i]!]
    }
    for (const text of held) this.#write(text)
  }

  #write(text: string): void {
    if (this.#closed || this.#socket.readyState !== this.#socket.OPEN) return
    this.#socket.send(text)
  }

  #requireJob(): Job {
    const job = this.#job
    if (job === undefined) throw jdbcErrors.notConnected()
    return job
  }

  // ---- connect ----

  async #connect(req: Record<string, JsonValue>, reply: Reply): Promise<void> {
    const technique = req.technique
    if (technique !== undefined && technique !== null) {
      const t = asString(technique, 'technique').toUpperCase()
      if (t !== 'TCP' && t !== 'CLI') throw new RequestError('Invalid connection technique specified')
    }
    const props = req.props === undefined || req.props === null ? undefined : asString(req.props, 'props')
    const application =
      req.application === undefined || req.application === null
        ? ''
        : asString(req.application, 'application')
    const previous = this.#job
    this.#job = undefined
    await previous?.end()
    const user = this.#options.user.toUpperCase()
    const expected = this.#options.users.get(user)
    if (expected === undefined) {
      throw new SqlError(
        `java.sql.SQLNonTransientConnectionException: The application server rejected the connection. (User ID is not known.:${user})`,
        null,
        0,
      )
    }
    if (expected !== this.#options.password) {
      throw new SqlError(
        `java.sql.SQLNonTransientConnectionException: The application server rejected the connection. (Password is incorrect.:${user})`,
        null,
        0,
      )
    }
    const job = await Job.start(
      this.#options.jobs,
      user,
      parseConnectProps(props, this.#options.defaults),
      this.#options.clientIp,
      application,
    )
    if (this.#closed) {
      await job.end()
      return
    }
    this.#job = job
    this.#options.jobs.logger.info?.('job started', { job: job.name, client: this.#options.clientIp })
    reply.job = job.name
  }

  // ---- sql ----

  async #sql(req: Record<string, JsonValue>, reply: Reply, entry: StatementEntry): Promise<void> {
    const sql = asString(req.sql, 'sql')
    const rows = asInt(req.rows, 1000)
    const terse = asBoolean(req.terse, false)
    const job = this.#requireJob()
    const execution = await job.exclusive(async () => {
      const translated = this.#options.jobs.translate(sql, job.props.naming)
      if (translated.kind === 'statement' && translated.paramCount > 0) {
        throw new SqlError('[SQL0313] Number of host variables not valid.', '07001', -313)
      }
      return job.executeTranslated(translated, [], { fetchRows: rows })
    })
    entry.executed = true
    reply.has_results = execution.resultSet !== undefined
    reply.update_count = execution.updateCount
    if (execution.resultSet) {
      entry.cursor = execution.resultSet
      reply.metadata = this.#resultMetadata(execution.resultSet.columns, job)
      reply.data = await this.#block(entry, rows, terse)
      reply.is_done = entry.done
    }
  }

  async #block(entry: StatementEntry, rows: number, terse: boolean): Promise<JsonText> {
    if (entry.done) return new JsonText('[]')
    const cursor = entry.cursor
    if (cursor === undefined) throw new SqlError('Result set was null', null, 0)
    if (rows <= 0) return new JsonText('[]')
    const job = this.#job
    const data = await (job ? job.fetchBlock(cursor, rows, terse) : cursor.fetch(rows, terse))
    if (cursor.done) entry.done = true
    return data
  }

  #resultMetadata(columns: ColumnMeta[], job: Job): Record<string, unknown> {
    return {
      column_count: columns.length,
      job: job.name,
      columns: columns.map((c) => ({
        name: c.name,
        type: c.type.name,
        display_size: c.type.displaySize,
        label: c.name,
        precision: c.type.precision,
        scale: c.type.scale,
        autoIncrement: c.autoIncrement,
        nullable: c.nullable,
        readOnly: false,
        writeable: true,
      })),
    }
  }

  // ---- prepare / execute ----

  async #prepare(
    req: Record<string, JsonValue>,
    reply: Reply,
    entry: StatementEntry,
    execute: boolean,
  ): Promise<void> {
    const sql = asString(req.sql, 'sql')
    const job = this.#requireJob()
    await job.exclusive(async () => {
      const translated = this.#options.jobs.translate(sql, job.props.naming)
      entry.translated = translated
      const metadata: Record<string, unknown> = {}
      let parameters: ParameterInfo[]
      if (translated.kind === 'call') {
        const procedure = await job.procedureParameters(translated.schema, translated.name)
        parameters = (procedure?.parameters ?? []).map((p) => ({
          type: p.type,
          mode: p.mode,
          precision: p.precision,
          scale: p.scale,
          name: p.name,
        }))
        // Only the markers of the CALL are parameters.
        const markerModes = translated.args.flatMap((arg, i) => (arg.kind === 'param' ? [parameters[i]] : []))
        parameters = markerModes.filter((p): p is ParameterInfo => p !== undefined)
        if (procedure === undefined)
          parameters = translated.args.filter((a) => a.kind === 'param').map(() => unknownParameter())
      } else if (translated.kind === 'statement' && execute && translated.isQuery) {
        // The result set's metadata replaces the prepare metadata in the reply: no need to describe first.
        parameters = Array.from({ length: translated.paramCount }, () => unknownParameter())
      } else if (translated.kind === 'statement') {
        const columns = await job.describeColumns(translated)
        if (columns) {
          metadata.column_count = columns.length
          metadata.job = job.name
          metadata.columns = columns.map((c) => ({
            name: c.name,
            type: c.type.name,
            display_size: c.type.displaySize,
            label: c.name,
          }))
        }
        const types = await job.describeParameters(translated)
        parameters = types.map((t) => {
          const p = parameterTypeName(t)
          return { type: p.name, mode: 'IN', precision: p.precision, scale: p.scale, name: null }
        })
      } else {
        parameters = []
      }
      entry.parameters = parameters
      reply.parameter_count = parameters.length
      metadata.parameters = parameters
      reply.metadata = metadata
    })
    if (execute) {
      // The Java server merges the execution's fields only when it succeeds.
      const executed: Reply = {}
      await this.#executePrepared(req, executed, entry, entry)
      Object.assign(reply, executed)
    }
  }

  /** PreparedExecute: binds `parameters` (an array of arrays is a batch) and runs the statement. */
  async #executePrepared(
    req: Record<string, JsonValue>,
    reply: Reply,
    prepared: StatementEntry,
    target: StatementEntry,
  ): Promise<void> {
    const job = this.#requireJob()
    const raw = req.parameters
    if (raw === undefined || raw === null) {
      throw new RequestError(
        'Internal Error: NullPointerException: Cannot invoke "com.google.gson.JsonElement.getAsJsonArray()" because the request field "parameters" is null',
      )
    }
    if (!Array.isArray(raw)) throw new RequestError(`Not a JSON Array: ${gsonText(raw)}`)
    const translated = prepared.translated!
    const parameters = prepared.parameters ?? []
    const count = translated.kind === 'statement' || translated.kind === 'call' ? translated.paramCount : 0
    const isBatch = raw.length > 0 && Array.isArray(raw[0])
    const rows = asInt(req.rows, 1000)
    const terse = asBoolean(req.terse, false)
    const bind = (values: JsonValue[]): (string | null)[] => {
      if (values.length > count) throw jdbcErrors.descriptorIndex(count + 1, count)
      const bound = parameterValues(values)
      if (bound.length < count) {
        // OUT parameters of a CALL need no value.
        const missing = parameters.slice(bound.length).some((p) => p.mode !== 'OUT')
        if (missing || translated.kind !== 'call') throw jdbcErrors.parameterCountMismatch()
      }
      return bound
    }
    if (isBatch) {
      const batches = raw.map((row) => {
        if (!Array.isArray(row)) throw new RequestError(`Not a JSON Array: ${gsonText(row)}`)
        return bind(row)
      })
      reply.batch_added = batches.length
      let total = 0
      await job.exclusive(async () => {
        for (const values of batches) total += (await job.executeTranslated(translated, values)).updateCount
      })
      reply.data = []
      reply.has_results = false
      reply.update_count = total !== 0 ? total : -1
      reply.output_parms = []
      reply.is_done = true
      target.done = true
      target.executed = true
      return
    }
    const values = bind(raw)
    const execution: Execution = await job.exclusive(() =>
      job.executeTranslated(translated, values, { fetchRows: rows }),
    )
    target.executed = true
    if (execution.resultSet) {
      target.cursor = execution.resultSet
      reply.has_results = true
      reply.update_count = execution.updateCount
      reply.metadata = this.#resultMetadata(execution.resultSet.columns, job)
      reply.data = await this.#block(target, rows, terse)
      reply.output_parms = execution.outputParms ?? []
      reply.is_done = target.done
    } else {
      reply.data = []
      reply.has_results = false
      reply.update_count = execution.updateCount
      reply.output_parms = execution.outputParms ?? []
      reply.is_done = true
      target.done = true
    }
  }

  // ---- cl ----

  async #cl(req: Record<string, JsonValue>, reply: Reply): Promise<void> {
    const cmd = asString(req.cmd, 'cmd')
    const terse = asBoolean(req.terse, false)
    const job = this.#requireJob()
    const outcome = await job.exclusive(() => job.inStatement(() => runClCommand(job, cmd)))
    const columns = jobLogColumns()
    reply.metadata = this.#resultMetadata(columns, job)
    reply.data = outcome.entries.map((e) => {
      const values: unknown[] = [
        `${e.messageId} [${e.type.slice(0, 4)}]: ${e.text}`,
        e.severity,
        e.secondLevel || null,
        e.messageId,
        e.type,
        null,
        e.severity,
        timestampText(e.timestamp),
        'QSYS',
        e.fromProgram,
        null,
        null,
        null,
        'QSYS',
        'QZDASOINIT',
        null,
        null,
        null,
        job.user,
        'QSYS',
        'QCPFMSG',
        0,
        null,
        e.text,
        e.secondLevel || null,
        String(e.key).padStart(8, '0'),
        job.name,
      ]
      if (terse) return values
      const row: Record<string, unknown> = {}
      columns.forEach((c, i) => {
        row[c.name] = values[i]
      })
      return row
    })
    reply.is_done = true
    if (outcome.error) throw outcome.error
  }

  // ---- dove (Visual Explain) ----

  async #dove(req: Record<string, JsonValue>, reply: Reply): Promise<void> {
    const sql = asString(req.sql, 'sql')
    const run = asBoolean(req.run, false)
    const rows = asInt(req.rows, 1000)
    const terse = asBoolean(req.terse, false)
    const job = this.#requireJob()
    const translated = this.#options.jobs.translate(sql, job.props.naming)
    if (translated.kind !== 'statement')
      throw new SqlError('[SQL0084] SQL statement not allowed.', '42612', -84)
    const explain = await job.exclusive(() =>
      job.inStatement(() =>
        job.query(
          `EXPLAIN (FORMAT JSON${run ? ', ANALYZE' : ''}) ${translated.sql}`,
          new Array(translated.paramCount).fill(null),
        ),
      ),
    )
    const plan = JSON.parse(String((explain.rows[0] as unknown[])[0]))[0].Plan
    const nodes: Record<string, unknown>[] = []
    const walk = (node: Record<string, unknown>, parent: number, depth: number) => {
      const id = nodes.length + 1
      nodes.push({
        IFA_NODE_ID: id,
        IFA_PARENT_ID: parent,
        IFA_LEVEL: depth,
        IFA_ICON_NAME: String(node['Node Type'] ?? ''),
        IFA_OBJECT: node['Relation Name'] === undefined ? null : String(node['Relation Name']).toUpperCase(),
        IFA_COST: node['Total Cost'] ?? null,
        IFA_ROWS: node['Plan Rows'] ?? null,
      })
      for (const child of (node.Plans as Record<string, unknown>[] | undefined) ?? [])
        walk(child, id, depth + 1)
    }
    walk(plan, 0, 1)
    const names = [
      'IFA_NODE_ID',
      'IFA_PARENT_ID',
      'IFA_LEVEL',
      'IFA_ICON_NAME',
      'IFA_OBJECT',
      'IFA_COST',
      'IFA_ROWS',
    ]
    reply.vemetadata = {
      column_count: names.length,
      job: job.name,
      columns: names.map((name) => ({
        name,
        type: name === 'IFA_ICON_NAME' || name === 'IFA_OBJECT' ? 'VARCHAR' : 'DOUBLE',
        display_size: 22,
        label: name,
        precision: 53,
        scale: 0,
        autoIncrement: false,
        nullable: 1,
        readOnly: false,
        writeable: true,
      })),
    }
    reply.vedata = terse ? nodes.map((n) => names.map((k) => n[k])) : nodes
    if (run) {
      const execution = await job.exclusive(() => job.executeTranslated(translated, [], { fetchRows: rows }))
      if (execution.resultSet) {
        const entry: StatementEntry = {
          kind: 'query',
          done: false,
          executed: true,
          cursor: execution.resultSet,
        }
        reply.metadata = this.#resultMetadata(execution.resultSet.columns, job)
        reply.data = await this.#block(entry, rows, terse)
        reply.is_done = entry.done
        return
      }
    }
    reply.is_done = true
  }
}

function unknownParameter(): ParameterInfo {
  return { type: 'VARCHAR', mode: 'IN', precision: 0, scale: 0, name: null }
}

function textField(v: JsonValue | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined
}

function safeString(v: JsonValue): string {
  if (typeof v === 'string') return v
  if (v instanceof SourceNumber) return v.source
  return gsonText(v)
}

function timestampText(d: Date): string {
  const pad = (n: number, w = 2) => String(n).padStart(w, '0')
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}000`
}

/** The columns of the Java server's job-log query, in its order (SEVERITY and the second-level text twice). */
function jobLogColumns(): ColumnMeta[] {
  const v = (name: string, length: number): ColumnMeta => ({
    name,
    type: { name: 'VARCHAR', displaySize: length, precision: length, scale: 0, form: 'string' },
    nullable: 1,
    autoIncrement: false,
  })
  const i = (name: string, typeName = 'SMALLINT'): ColumnMeta => ({
    name,
    type: { name: typeName, displaySize: 6, precision: 5, scale: 0, form: 'integer' },
    nullable: 1,
    autoIncrement: false,
  })
  const ts: ColumnMeta = {
    name: 'MESSAGE_TIMESTAMP',
    type: { name: 'TIMESTAMP', displaySize: 26, precision: 26, scale: 6, form: 'timestamp' },
    nullable: 1,
    autoIncrement: false,
  }
  return [
    v('SUMMARY', 1050),
    i('SEVERITY'),
    v('MESSAGE_SECOND_LEVEL_TEXT', 4096),
    v('MESSAGE_ID', 7),
    v('MESSAGE_TYPE', 13),
    v('MESSAGE_SUBTYPE', 22),
    i('SEVERITY'),
    ts,
    v('FROM_LIBRARY', 10),
    v('FROM_PROGRAM', 256),
    v('FROM_MODULE', 10),
    v('FROM_PROCEDURE', 4096),
    v('FROM_INSTRUCTION', 10),
    v('TO_LIBRARY', 10),
    v('TO_PROGRAM', 10),
    v('TO_MODULE', 10),
    v('TO_PROCEDURE', 4096),
    v('TO_INSTRUCTION', 10),
    v('FROM_USER', 10),
    v('MESSAGE_LIBRARY', 10),
    v('MESSAGE_FILE', 10),
    i('MESSAGE_TOKEN_LENGTH', 'INTEGER'),
    v('MESSAGE_TOKENS', 4096),
    v('MESSAGE_TEXT', 1024),
    v('MESSAGE_SECOND_LEVEL_TEXT', 4096),
    v('MESSAGE_KEY', 8),
    v('QUALIFIED_JOB_NAME', 28),
  ]
}
