// The Athena operations (AWS JSON 1.1, `X-Amz-Target: AmazonAthena.<Operation>`), answering as Athena does.
import { createHash } from 'node:crypto'
import type { Catalog, TableEntry } from '../engine/catalog.ts'
import { columnType } from '../engine/catalog.ts'
import type { Faults } from '../faults.ts'
import { parseS3Uri } from '../s3/object-store.ts'
import { SqlSyntaxError } from '../sql/lexer.ts'
import { classify, parseAthena, StartRefusal } from '../sql/parse.ts'
import { hiveTypeToString } from '../sql/types.ts'
import { ApiError, invalidRequest, metadataError, tooManyRequests, validation } from './errors.ts'
import type { Execution, Executions, ResultSettings } from './executions.ts'

export interface WorkGroup {
  name: string
  outputLocation: string | null
  enforce: boolean
  description: string
  created: number
}

type Json = Record<string, unknown>

const MAX_QUERY_BYTES = 262144
const seconds = (ms: number | null) => (ms === null ? undefined : ms / 1000)

function str(body: Json, name: string): string | undefined {
  const v = body[name]
  return typeof v === 'string' ? v : undefined
}

function maxResults(body: Json, field: string, max: number, fallback: number): number {
  const v = body.MaxResults
  if (v === undefined || v === null) return fallback
  if (typeof v !== 'number' || !Number.isInteger(v)) throw validation(field, 'Member must be an integer')
  if (v < 1) throw validation(field, 'Member must have value greater than or equal to 1')
  if (v > max) throw validation(field, `Member must have value less than or equal to ${max}`)
  return v
}

function encodeToken(offset: number, scope: string): string {
  return Buffer.from(JSON.stringify({ o: offset, s: scope })).toString('base64')
}

function decodeToken(token: string | undefined, scope: string): number {
  if (!token) return 0
  try {
    const t = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { o: number; s: string }
    if (t.s !== scope || !Number.isInteger(t.o) || t.o < 0) throw new Error('scope')
    return t.o
  } catch {
    throw invalidRequest('The nextToken provided is not valid.', 'INVALID_INPUT')
  }
}

export class AthenaApi {
  private readonly executions: Executions
  private readonly catalog: Catalog
  private readonly faults: Faults
  readonly workGroups: Map<string, WorkGroup>
  private readonly created = Date.now()

  constructor(executions: Executions, catalog: Catalog, faults: Faults, workGroups: WorkGroup[]) {
    this.executions = executions
    this.catalog = catalog
    this.faults = faults
    this.workGroups = new Map(workGroups.map((w) => [w.name, w]))
  }

  async handle(operation: string, body: Json): Promise<Json> {
    if (this.faults.overRate(operation, Date.now())) throw tooManyRequests('Rate exceeded')
    switch (operation) {
      case 'StartQueryExecution':
        return this.startQueryExecution(body)
      case 'GetQueryExecution':
        return { QueryExecution: this.describe(this.execution(body)) }
      case 'GetQueryResults':
        return this.getQueryResults(body)
      case 'StopQueryExecution':
        this.executions.stop(this.execution(body))
        return {}
      case 'BatchGetQueryExecution':
        return this.batchGetQueryExecution(body)
      case 'ListQueryExecutions':
        return this.listQueryExecutions(body)
      case 'ListDatabases':
        return this.listDatabases(body)
      case 'GetDatabase':
        return this.getDatabase(body)
      case 'ListTableMetadata':
        return this.listTableMetadata(body)
      case 'GetTableMetadata':
        return this.getTableMetadata(body)
      case 'GetWorkGroup': {
        const name = str(body, 'WorkGroup')
        if (!name) throw validation('workGroup', 'Member must not be null')
        return { WorkGroup: this.workGroupJson(this.workGroup(name)) }
      }
      case 'ListWorkGroups':
        return {
          WorkGroups: [...this.workGroups.values()].map((w) => ({
            Name: w.name,
            State: 'ENABLED',
            Description: w.description,
            CreationTime: w.created / 1000,
            EngineVersion: {
              SelectedEngineVersion: 'AUTO',
              EffectiveEngineVersion: 'Athena engine version 3',
            },
          })),
        }
      case 'ListDataCatalogs':
        return { DataCatalogsSummary: [{ CatalogName: 'AwsDataCatalog', Type: 'GLUE' }] }
      case 'GetDataCatalog':
        return {
          DataCatalog: {
            Name: str(body, 'Name') ?? 'AwsDataCatalog',
            Type: 'GLUE',
            Parameters: { 'catalog-id': '000000000000' },
          },
        }
      default:
        throw new ApiError(
          'UnknownOperationException',
          `Operation ${operation} is not supported by athena-local`,
        )
    }
  }

  private workGroup(name: string): WorkGroup {
    const w = this.workGroups.get(name)
    if (!w) throw invalidRequest(`WorkGroup ${name} is not found.`, 'INVALID_INPUT')
    return w
  }

  private workGroupJson(w: WorkGroup): Json {
    return {
      Name: w.name,
      State: 'ENABLED',
      Configuration: {
        ...(w.outputLocation ? { ResultConfiguration: { OutputLocation: w.outputLocation } } : {}),
        EnforceWorkGroupConfiguration: w.enforce,
        PublishCloudWatchMetricsEnabled: false,
        RequesterPaysEnabled: false,
        EngineVersion: { SelectedEngineVersion: 'AUTO', EffectiveEngineVersion: 'Athena engine version 3' },
      },
      Description: w.description,
      CreationTime: w.created / 1000,
    }
  }

  private execution(body: Json): Execution {
    const id = str(body, 'QueryExecutionId')
    if (!id) throw validation('queryExecutionId', 'Member must not be null')
    const e = this.executions.all.get(id)
    if (!e) throw invalidRequest(`QueryExecution ${id} was not found`, 'INVALID_INPUT')
    return e
  }

  private startQueryExecution(body: Json): Json {
    const query = str(body, 'QueryString')
    if (query === undefined) throw validation('queryString', 'Member must not be null')
    if (query.length === 0)
      throw validation('queryString', 'Member must have length greater than or equal to 1')
    if (Buffer.byteLength(query) > MAX_QUERY_BYTES)
      throw validation('queryString', `Member must have length less than or equal to ${MAX_QUERY_BYTES}`)
    const token = str(body, 'ClientRequestToken')
    if (token === undefined) throw invalidRequest('clientRequestToken is null or empty', 'INVALID_INPUT')
    if (token.length < 32)
      throw validation('clientRequestToken', 'Member must have length greater than or equal to 32')
    if (token.length > 128)
      throw validation('clientRequestToken', 'Member must have length less than or equal to 128')
    const workGroup = this.workGroup(str(body, 'WorkGroup') ?? 'primary')
    const context = (body.QueryExecutionContext ?? {}) as { Database?: string; Catalog?: string }
    const resultConfiguration = (body.ResultConfiguration ?? {}) as {
      OutputLocation?: string
    } & ResultSettings
    const option = resultConfiguration.EncryptionConfiguration?.EncryptionOption
    if (resultConfiguration.EncryptionConfiguration && !ENCRYPTION_OPTIONS.includes(option as string)) {
      throw validation(
        'resultConfiguration.encryptionConfiguration.encryptionOption',
        `Member must satisfy enum value set: [${ENCRYPTION_OPTIONS.join(', ')}]`,
      )
    }
    const parameters = Array.isArray(body.ExecutionParameters) ? (body.ExecutionParameters as string[]) : []
    for (const p of parameters) {
      if (typeof p !== 'string' || p.length < 1 || p.length > 1024) {
        throw validation('executionParameters', 'Member must have length between 1 and 1024')
      }
    }
    const reuseConfig = (
      (body.ResultReuseConfiguration ?? {}) as {
        ResultReuseByAgeConfiguration?: { Enabled?: boolean; MaxAgeInMinutes?: number }
      }
    ).ResultReuseByAgeConfiguration
    const fingerprint = createHash('sha256')
      .update(
        canonicalJson([
          query,
          context.Database ?? null,
          context.Catalog ?? null,
          resultConfiguration.OutputLocation ?? null,
          resultConfiguration.EncryptionConfiguration ?? null,
          resultConfiguration.ExpectedBucketOwner ?? null,
          resultConfiguration.AclConfiguration ?? null,
        ]),
      )
      .digest('hex')
    const existingId = this.executions.byToken.get(token)
    if (existingId) {
      const existing = this.executions.all.get(existingId)!
      if (existing.fingerprint !== fingerprint)
        throw invalidRequest('Idempotent parameters do not match', 'IDEMPOTENT_PARAMETER_MISMATCH')
      return { QueryExecutionId: existing.id }
    }
    let location = workGroup.enforce
      ? workGroup.outputLocation
      : (resultConfiguration.OutputLocation ?? workGroup.outputLocation)
    if (!location) {
      throw invalidRequest(
        'No output location provided. You did not provide an output location for  your query results. Either specify an S3 bucket location or enable Athena managed query results in your workgroup settings.',
        'INVALID_INPUT',
      )
    }
    if (!parseS3Uri(location)) throw invalidRequest('outputLocation is not a valid S3 path.', 'INVALID_INPUT')
    if (!location.endsWith('/')) location += '/'
    let parsed: ReturnType<typeof parseAthena>
    try {
      parsed = parseAthena(query)
    } catch (err) {
      if (err instanceof SqlSyntaxError || err instanceof StartRefusal)
        throw invalidRequest(err.message, 'MALFORMED_QUERY')
      throw err
    }
    const max = this.faults.maxActiveQueries()
    if (max !== undefined && this.executions.activeCount() >= max) {
      throw tooManyRequests(
        'You have exceeded the limit for the number of queries you can run concurrently. Reduce the number of concurrent queries submitted by this account. Contact customer support to request a concurrent query limit increase.',
        'CONCURRENT_QUERY_LIMIT_EXCEEDED',
      )
    }
    const kind = classify(parsed, (name) => {
      const p = this.executions.preparedFor(workGroup.name).get(name)
      return p ? { dialect: 'trino', statement: p.statement, parameterCount: p.parameterCount } : undefined
    })
    const reuse = reuseConfig?.Enabled
      ? { enabled: true, maxAgeInMinutes: reuseConfig.MaxAgeInMinutes ?? 60 }
      : null
    const reuseKey = createHash('sha256')
      .update(JSON.stringify([fingerprint, parameters, workGroup.name]))
      .digest('hex')
    const e = this.executions.create({
      query,
      parsed,
      parameters,
      kind,
      context,
      database: context.Database ?? 'default',
      workGroup: workGroup.name,
      outputBase: location,
      resultSettings: workGroup.enforce ? {} : resultSettingsOf(resultConfiguration),
      reuse,
      token,
      fingerprint,
      reuseKey,
    })
    if (reuse) {
      const previous = this.executions.reusable(reuseKey, reuse.maxAgeInMinutes)
      if (previous) {
        this.executions.reuseFrom(e, previous)
        return { QueryExecutionId: e.id }
      }
    }
    this.executions.start(e)
    return { QueryExecutionId: e.id }
  }

  describe(e: Execution): Json {
    const status: Json = { State: e.state, SubmissionDateTime: seconds(e.submitted) }
    if (e.completed !== null) status.CompletionDateTime = seconds(e.completed)
    if (e.state === 'FAILED' && e.failure) {
      status.StateChangeReason = e.failure.reason
      status.AthenaError = {
        ErrorCategory: e.failure.category,
        ErrorType: e.failure.errorType,
        Retryable: e.failure.retryable,
        ErrorMessage: e.failure.reason,
      }
    }
    if (e.state === 'CANCELLED' && e.cancelReason) status.StateChangeReason = e.cancelReason
    const now = Date.now()
    const queue = e.started !== null ? e.started - e.submitted : now - e.submitted
    const engine = e.started !== null ? (e.completed ?? now) - e.started : 0
    const total = (e.completed ?? now) - e.submitted
    const statistics: Json = {
      EngineExecutionTimeInMillis: e.state === 'QUEUED' ? 0 : Math.max(1, engine),
      DataScannedInBytes: e.outcome?.bytesScanned ?? 0,
      TotalExecutionTimeInMillis: Math.max(1, total),
      QueryQueueTimeInMillis: Math.max(1, queue),
      ServicePreProcessingTimeInMillis: 1,
      QueryPlanningTimeInMillis: e.state === 'QUEUED' ? 0 : 1,
      ServiceProcessingTimeInMillis: e.completed !== null ? 1 : 0,
      ResultReuseInformation: { ReusedPreviousResult: e.reused },
    }
    if (e.manifestLocation && e.state === 'SUCCEEDED') statistics.DataManifestLocation = e.manifestLocation
    const out: Json = {
      QueryExecutionId: e.id,
      Query: e.query,
      StatementType: e.kind.statementType,
      ResultConfiguration: { OutputLocation: e.outputLocation, ...e.resultSettings },
      ResultReuseConfiguration: {
        ResultReuseByAgeConfiguration: e.reuse
          ? { Enabled: true, MaxAgeInMinutes: e.reuse.maxAgeInMinutes }
          : { Enabled: false },
      },
      QueryExecutionContext: e.context,
      Status: status,
      Statistics: statistics,
      WorkGroup: e.workGroup,
      EngineVersion: { SelectedEngineVersion: 'AUTO', EffectiveEngineVersion: 'Athena engine version 3' },
    }
    if (e.kind.substatementType) out.SubstatementType = e.kind.substatementType
    return out
  }

  private getQueryResults(body: Json): Json {
    const e = this.execution(body)
    const limit = maxResults(body, 'maxResults', 1000, 1000)
    if (e.state === 'QUEUED' || e.state === 'RUNNING') {
      throw invalidRequest(
        `Query has not yet finished. Current state: ${e.state}`,
        'INVALID_QUERY_EXECUTION_STATE',
      )
    }
    if (e.state === 'FAILED')
      throw invalidRequest(
        'Query did not finish successfully. Final query state: FAILED',
        'INVALID_QUERY_EXECUTION_STATE',
      )
    if (e.state === 'CANCELLED') throw invalidRequest('Could not find results', 'RESULT_NOT_FOUND')
    const outcome = e.outcome!
    const header = e.kind.output === 'csv' && outcome.columns.length > 0
    const total = outcome.rows.length + (header ? 1 : 0)
    const offset = decodeToken(str(body, 'NextToken'), e.id)
    const end = Math.min(total, offset + limit)
    const rows: Json[] = []
    for (let i = offset; i < end; i++) {
      if (header && i === 0) {
        rows.push({ Data: outcome.columns.map((c) => ({ VarCharValue: c.Name })) })
        continue
      }
      const row = outcome.rows[header ? i - 1 : i]!
      rows.push({ Data: row.map((v) => (v === null ? {} : { VarCharValue: v })) })
    }
    const out: Json = {
      ResultSet: { Rows: rows, ResultSetMetadata: { ColumnInfo: outcome.columns } },
    }
    if (outcome.updateCount !== null) out.UpdateCount = outcome.updateCount
    if (end < total) out.NextToken = encodeToken(end, e.id)
    return out
  }

  private batchGetQueryExecution(body: Json): Json {
    const ids = body.QueryExecutionIds
    if (!Array.isArray(ids) || ids.length < 1)
      throw validation('queryExecutionIds', 'Member must have length greater than or equal to 1')
    if (ids.length > 50)
      throw validation('queryExecutionIds', 'Member must have length less than or equal to 50')
    const found: Json[] = []
    const missing: Json[] = []
    for (const id of ids as string[]) {
      const e = this.executions.all.get(id)
      if (e) found.push(this.describe(e))
      else
        missing.push({
          QueryExecutionId: id,
          ErrorCode: 'INVALID_INPUT',
          ErrorMessage: `QueryExecution ${id} was not found`,
        })
    }
    return { QueryExecutions: found, UnprocessedQueryExecutionIds: missing }
  }

  private listQueryExecutions(body: Json): Json {
    const wg = this.workGroup(str(body, 'WorkGroup') ?? 'primary').name
    const limit = maxResults(body, 'maxResults', 50, 50)
    const ids = this.executions.order.filter((id) => this.executions.all.get(id)!.workGroup === wg).reverse()
    const offset = decodeToken(str(body, 'NextToken'), `list:${wg}`)
    const page = ids.slice(offset, offset + limit)
    const out: Json = { QueryExecutionIds: page }
    if (offset + limit < ids.length) out.NextToken = encodeToken(offset + limit, `list:${wg}`)
    return out
  }

  private checkCatalog(body: Json): void {
    const name = str(body, 'CatalogName')
    if (!name) throw validation('catalogName', 'Member must not be null')
    if (name.toLowerCase() !== 'awsdatacatalog') throw metadataError(`Catalog ${name} does not exist`)
  }

  private listDatabases(body: Json): Json {
    this.checkCatalog(body)
    const limit = maxResults(body, 'maxResults', 50, 50)
    const all = this.catalog.databases()
    const offset = decodeToken(str(body, 'NextToken'), 'databases')
    const out: Json = {
      DatabaseList: all.slice(offset, offset + limit).map((d) => ({
        Name: d.name,
        ...(d.description ? { Description: d.description } : {}),
        Parameters: d.parameters,
      })),
    }
    if (offset + limit < all.length) out.NextToken = encodeToken(offset + limit, 'databases')
    return out
  }

  private getDatabase(body: Json): Json {
    this.checkCatalog(body)
    const name = str(body, 'DatabaseName') ?? ''
    const d = this.catalog.getDatabase(name)
    if (!d) throw metadataError(`Database ${name} not found.`)
    return {
      Database: {
        Name: d.name,
        ...(d.description ? { Description: d.description } : {}),
        Parameters: d.parameters,
      },
    }
  }

  private tableJson(t: TableEntry): Json {
    const col = (c: TableEntry['columns'][number]) => ({
      Name: c.name,
      Type: hiveTypeToString(columnType(c)),
      ...(c.comment ? { Comment: c.comment } : {}),
    })
    const parameters: Record<string, string> = { ...t.parameters }
    if (t.kind === 'hive' && t.storage) {
      parameters.location = t.location ?? ''
      parameters.inputformat = t.storage.inputFormat
      parameters.outputformat = t.storage.outputFormat
      parameters['serde.serialization.lib'] = t.storage.serde
      for (const [k, v] of Object.entries(t.storage.serdeParameters)) parameters[`serde.param.${k}`] = v
      if (t.comment) parameters.comment = t.comment
    }
    if (t.kind === 'iceberg') {
      parameters.table_type = 'ICEBERG'
      parameters.metadata_location = `${t.location}/metadata/00000-${t.name}.metadata.json`
    }
    return {
      Name: t.name,
      CreateTime: t.created / 1000,
      TableType: t.kind === 'view' ? 'VIRTUAL_VIEW' : 'EXTERNAL_TABLE',
      Columns: t.columns.map(col),
      PartitionKeys: t.partitionKeys.map(col),
      Parameters: parameters,
    }
  }

  private listTableMetadata(body: Json): Json {
    this.checkCatalog(body)
    const db = str(body, 'DatabaseName') ?? ''
    if (!this.catalog.getDatabase(db)) throw metadataError(`Database ${db} not found.`)
    const limit = maxResults(body, 'maxResults', 50, 50)
    const expression = str(body, 'Expression')
    let tables = this.catalog.tables(db)
    if (expression) {
      const re = new RegExp(`^(?:${expression.replaceAll('*', '.*')})$`, 'i')
      tables = tables.filter((t) => re.test(t.name))
    }
    const offset = decodeToken(str(body, 'NextToken'), `tables:${db}`)
    const out: Json = {
      TableMetadataList: tables.slice(offset, offset + limit).map((t) => this.tableJson(t)),
    }
    if (offset + limit < tables.length) out.NextToken = encodeToken(offset + limit, `tables:${db}`)
    return out
  }

  private getTableMetadata(body: Json): Json {
    this.checkCatalog(body)
    const db = str(body, 'DatabaseName') ?? ''
    const name = str(body, 'TableName') ?? ''
    if (!this.catalog.getDatabase(db)) throw metadataError(`Database ${db} not found.`)
    const t = this.catalog.getTable(db, name)
    if (!t) throw metadataError(`Table ${name} not found.`)
    return { TableMetadata: this.tableJson(t) }
  }

  /** Keys in the store that are Athena result files (the truncation fault's default target). */
  isResultKey(bucket: string, key: string): boolean {
    for (const e of this.executions.all.values()) {
      const loc = parseS3Uri(e.outputLocation)
      if (loc && loc.bucket === bucket && loc.key === key) return true
    }
    return false
  }
}

const ENCRYPTION_OPTIONS = ['SSE_S3', 'SSE_KMS', 'CSE_KMS']

/** The ResultConfiguration members GetQueryExecution echoes beside OutputLocation, as the request gave them. */
function resultSettingsOf(c: ResultSettings): ResultSettings {
  const out: ResultSettings = {}
  if (c.EncryptionConfiguration) out.EncryptionConfiguration = c.EncryptionConfiguration
  if (c.ExpectedBucketOwner !== undefined) out.ExpectedBucketOwner = c.ExpectedBucketOwner
  if (c.AclConfiguration) out.AclConfiguration = c.AclConfiguration
  return out
}

/** JSON text with every object's keys sorted: Athena compares a repeated request's settings by value. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  )
}
