// Query executions and their lifecycle: QUEUED → RUNNING (→ QUEUED on a requeue fault) → SUCCEEDED | FAILED
// | CANCELLED, with the latency knobs, the result files written before SUCCEEDED, and statistics.
import { randomBytes, randomUUID } from 'node:crypto'
import type { DuckDBConnection } from '@duckdb/node-api'
import type { ExecutionOutcome, Executor } from '../engine/executor.ts'
import { CATEGORY_SYSTEM, QueryFailure } from '../failure.ts'
import type { Faults } from '../faults.ts'
import { csvLine, metadataFile, txtBody } from '../results/files.ts'
import { type ObjectStore, parseS3Uri } from '../s3/object-store.ts'
import type { Statement } from '../sql/ast.ts'
import { bindParameters } from '../sql/parameters.ts'
import type { ParsedStatement, StatementKind } from '../sql/parse.ts'

export type State = 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED'

export interface Latency {
  /** Time a query spends QUEUED before it runs. */
  queuedMs: number
  /** Least time a query spends RUNNING. */
  runningMs: number
  /** Delay added to every Athena API call. */
  apiMs: number
}

/** What GetQueryExecution echoes of a query's ResultConfiguration beside its OutputLocation. */
export interface ResultSettings {
  EncryptionConfiguration?: { EncryptionOption: string; KmsKey?: string }
  ExpectedBucketOwner?: string
  AclConfiguration?: { S3AclOption: string }
}

export interface Execution {
  id: string
  engineId: string
  query: string
  parsed: ParsedStatement
  parameters: string[]
  kind: StatementKind
  context: { Database?: string; Catalog?: string }
  database: string
  workGroup: string
  outputBase: string
  outputLocation: string
  /** ResultConfiguration members besides OutputLocation, as the query was started with them. */
  resultSettings: ResultSettings
  state: State
  failure: QueryFailure | null
  cancelReason: string | null
  submitted: number
  started: number | null
  completed: number | null
  queueMs: number
  outcome: ExecutionOutcome | null
  manifestLocation: string | null
  reused: boolean
  reuse: { enabled: boolean; maxAgeInMinutes: number } | null
  token: string | null
  /** What a repeated ClientRequestToken must match: the request, not its parameters or workgroup. */
  fingerprint: string
  /** What result reuse matches: the request with its parameters and workgroup. */
  reuseKey: string
  connection: DuckDBConnection | null
}

/** Athena engine query ids look like `20260917_085344_00007_k6s5b`. */
function engineQueryId(n: number): string {
  const d = new Date()
  const p = (x: number, w = 2) => String(x).padStart(w, '0')
  const suffix = Array.from(randomBytes(5), (b) => 'abcdefghijklmnopqrstuvwxyz234567'[b % 32]).join('')
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}_${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}_${p(n % 100000, 5)}_${suffix}`
}

export class Executions {
  readonly all = new Map<string, Execution>()
  readonly order: string[] = []
  readonly byToken = new Map<string, string>()
  private counter = 0
  private readonly executor: Executor
  private readonly store: ObjectStore
  private readonly faults: Faults
  readonly latency: Latency
  private readonly prepared = new Map<string, Map<string, { statement: Statement; parameterCount: number }>>()
  private readonly running = new Set<Promise<void>>()
  private stopped = false
  private readonly stopping = new AbortController()

  constructor(executor: Executor, store: ObjectStore, faults: Faults, latency: Latency) {
    this.executor = executor
    this.store = store
    this.faults = faults
    this.latency = latency
  }

  /** Waits `ms`, or less when the server is stopping. */
  private sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve()
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms)
      this.stopping.signal.addEventListener(
        'abort',
        () => {
          clearTimeout(t)
          resolve()
        },
        { once: true },
      )
    })
  }

  preparedFor(workGroup: string): Map<string, { statement: Statement; parameterCount: number }> {
    let m = this.prepared.get(workGroup)
    if (!m) {
      m = new Map()
      this.prepared.set(workGroup, m)
    }
    return m
  }

  activeCount(): number {
    let n = 0
    for (const e of this.all.values()) if (e.state === 'QUEUED' || e.state === 'RUNNING') n++
    return n
  }

  create(
    init: Omit<
      Execution,
      | 'id'
      | 'engineId'
      | 'state'
      | 'failure'
      | 'cancelReason'
      | 'submitted'
      | 'started'
      | 'completed'
      | 'queueMs'
      | 'outcome'
      | 'manifestLocation'
      | 'reused'
      | 'connection'
      | 'outputLocation'
    >,
  ): Execution {
    const id = randomUUID()
    const e: Execution = {
      ...init,
      id,
      engineId: engineQueryId(this.counter++),
      state: 'QUEUED',
      failure: null,
      cancelReason: null,
      submitted: Date.now(),
      started: null,
      completed: null,
      queueMs: 0,
      outcome: null,
      manifestLocation: null,
      reused: false,
      connection: null,
      outputLocation: '',
    }
    e.outputLocation = outputFile(e)
    this.all.set(id, e)
    this.order.push(id)
    if (init.token) this.byToken.set(init.token, id)
    return e
  }

  /** A finished execution whose results a new one may reuse. */
  reusable(reuseKey: string, maxAgeMinutes: number): Execution | undefined {
    const cutoff = Date.now() - maxAgeMinutes * 60000
    for (let i = this.order.length - 1; i >= 0; i--) {
      const e = this.all.get(this.order[i]!)!
      if (
        e.reuseKey === reuseKey &&
        e.state === 'SUCCEEDED' &&
        !e.reused &&
        (e.completed ?? 0) >= cutoff &&
        e.kind.output === 'csv'
      )
        return e
    }
    return undefined
  }

  reuseFrom(e: Execution, previous: Execution): void {
    e.state = 'SUCCEEDED'
    e.reused = true
    e.outcome = previous.outcome
    e.outputLocation = previous.outputLocation
    e.started = e.submitted
    e.completed = Date.now()
  }

  start(e: Execution): void {
    const p = this.lifecycle(e).finally(() => this.running.delete(p))
    this.running.add(p)
  }

  private async lifecycle(e: Execution): Promise<void> {
    await this.sleep(this.latency.queuedMs)
    if (e.state !== 'QUEUED' || this.stopped) return
    let requeue = this.faults.requeue(e.query)
    e.queueMs = Date.now() - e.submitted
    e.state = 'RUNNING'
    e.started = Date.now()
    const minimum = Math.max(this.latency.runningMs, this.faults.slowMs(e.query))
    try {
      if (requeue) {
        for (let i = 0; i < requeue.times; i++) {
          await this.sleep(20)
          if (!this.isRunning(e)) return
          e.state = 'QUEUED'
          await this.sleep(requeue.ms)
          if (e.state !== 'QUEUED') return
          e.state = 'RUNNING'
        }
        requeue = undefined
      }
      const injected = this.faults.queryFailure(e.query)
      if (injected) {
        await this.sleep(minimum)
        throw new QueryFailure(
          injected.errorName ?? 'GENERIC_INTERNAL_ERROR',
          injected.message ?? 'Injected failure',
          {
            category: injected.category ?? CATEGORY_SYSTEM,
            errorType: injected.errorType,
            retryable: injected.retryable,
          },
        )
      }
      const parsed = this.bind(e)
      const started = Date.now()
      const outcome = await this.executor.run(parsed, {
        sql: e.query,
        queryId: e.id,
        engineQueryId: e.engineId,
        database: e.database,
        outputBase: e.outputBase,
        workGroup: e.workGroup,
        prepared: this.preparedFor(e.workGroup),
        onConnection: (c) => {
          e.connection = c
        },
      })
      e.connection = null
      const elapsed = Date.now() - started
      if (elapsed < minimum) await this.sleep(minimum - elapsed)
      if (!this.isRunning(e)) return
      e.outcome = outcome
      this.writeFiles(e, outcome)
      if (!this.isRunning(e)) return
      e.state = 'SUCCEEDED'
      e.completed = Date.now()
    } catch (err) {
      e.connection = null
      if (!this.isRunning(e)) return
      const failure =
        err instanceof QueryFailure
          ? err
          : new QueryFailure('GENERIC_INTERNAL_ERROR', String(err), {
              category: CATEGORY_SYSTEM,
              errorType: 100,
              retryable: true,
            })
      if (failure.errorName === 'USER_CANCELED' && e.state !== 'RUNNING') return
      e.failure = failure
      e.state = 'FAILED'
      e.completed = Date.now()
    }
  }

  private isRunning(e: Execution): boolean {
    return e.state === 'RUNNING' && !this.stopped
  }

  private bind(e: Execution): ParsedStatement {
    const p = e.parsed
    if (p.dialect === 'trino') {
      return { ...p, statement: bindParameters(p.statement, p.parameterCount, e.parameters) }
    }
    if (p.parameterCount > 0 && e.parameters.length !== p.parameterCount) {
      throw new QueryFailure(
        'INVALID_PARAMETER_USAGE',
        `line 1:1: Incorrect number of parameters: expected ${p.parameterCount} but found ${e.parameters.length}`,
      )
    }
    return p
  }

  /** Writes the result files; a failure to write fails the query as Athena would. */
  private writeFiles(e: Execution, outcome: ExecutionOutcome): void {
    const loc = parseS3Uri(e.outputLocation)
    if (!loc) return
    const key = loc.key
    const put = (k: string, body: Buffer | string, contentType: string) => {
      try {
        this.store.write(loc.bucket, k, body, { contentType })
      } catch (err) {
        throw new QueryFailure(
          'HIVE_CANNOT_OPEN_SPLIT',
          `Error writing query results to ${e.outputBase}: ${(err as Error).message}`,
          {
            category: CATEGORY_SYSTEM,
            errorType: 401,
            retryable: true,
          },
        )
      }
    }
    const metadataId = outcome.metadataQueryId === 'execution' ? e.id : e.engineId
    const metadata = metadataFile(metadataId, outcome.updateType, outcome.updateCount, outcome.columns)
    switch (e.kind.output) {
      case 'csv': {
        const header = csvLine(outcome.columns.map((c) => c.Name))
        put(key, header + outcome.rows.map(csvLine).join(''), 'application/octet-stream')
        put(`${key}.metadata`, metadata, 'application/octet-stream')
        break
      }
      case 'txt':
        put(key, txtBody(outcome.rows), 'binary/octet-stream')
        put(`${key}.metadata`, metadata, 'binary/octet-stream')
        break
      case 'update':
        put(`${key}.metadata`, metadata, 'application/octet-stream')
        break
      case 'insert':
      case 'ctas':
      case 'unload': {
        put(`${key}.metadata`, metadata, 'application/octet-stream')
        const manifestKey = `${key}-manifest.csv`
        put(manifestKey, (outcome.written ?? []).map((f) => `${f}\n`).join(''), 'application/octet-stream')
        e.manifestLocation = `s3://${loc.bucket}/${manifestKey}`
        break
      }
    }
  }

  stop(e: Execution): void {
    if (e.state !== 'QUEUED' && e.state !== 'RUNNING') return
    e.state = 'CANCELLED'
    e.cancelReason = 'Query cancelled by user'
    e.completed = Date.now()
    try {
      e.connection?.interrupt()
    } catch {
      // the statement already finished
    }
  }

  async shutdown(): Promise<void> {
    this.stopped = true
    this.stopping.abort()
    for (const e of this.all.values()) {
      try {
        e.connection?.interrupt()
      } catch {
        // finished
      }
    }
    await Promise.allSettled([...this.running])
  }
}

/** Where Athena puts a statement's result, by statement kind. */
function outputFile(e: Pick<Execution, 'outputBase' | 'id' | 'kind'>): string {
  switch (e.kind.output) {
    case 'csv':
    case 'update':
      return `${e.outputBase}${e.id}.csv`
    case 'txt':
      return `${e.outputBase}${e.id}.txt`
    case 'ctas':
      return `${e.outputBase}tables/${e.id}`
    default:
      return `${e.outputBase}${e.id}`
  }
}
