// Fault knobs: misbehaviour a client's conformance tests switch on per server, at start
// (`startAthenaLocal({ faults })`) or at run time (`local.faults.set(…)`, `local.faults.clear()`).

/** Text a query must contain (string) or match (RegExp) for a fault to apply; absent = every query. */
export type Match = string | RegExp

export interface QueryFailureFault {
  match?: Match
  /** Trino error name (default GENERIC_INTERNAL_ERROR). */
  errorName?: string
  message?: string
  /** AthenaError.ErrorCategory: 1 system, 2 user, 3 other (default 1). */
  category?: number
  errorType?: number
  retryable?: boolean
  /** Fires this many times, then disarms (default: always). */
  times?: number
}

export interface FaultSettings {
  /**
   * TooManyRequestsException: when an Athena operation (all operations, or those in `operations`) has no token
   * left in its bucket, which holds up to `burst` calls (default `rate`) and gains `rate` a second (a refused
   * call takes none); and/or for StartQueryExecution past `maxActiveQueries` queued + running queries.
   */
  throttle?: { rate?: number; burst?: number; operations?: string[]; maxActiveQueries?: number } | null
  /** Queries that start, run, then FAIL with the given error. */
  failQueries?: QueryFailureFault[]
  /** Queries that stay RUNNING at least `ms`. */
  slowQueries?: { match?: Match; ms: number }[]
  /** Queries that go back from RUNNING to QUEUED `times` times (for `ms` each) before finishing. */
  requeue?: { match?: Match; times: number; ms?: number }[]
  s3?: {
    /** Every S3 request waits this long before it is answered. */
    delayMs?: number
    /** S3 requests answered with an error (default 503 SlowDown). */
    fail?: { status?: number; code?: string; match?: Match; methods?: string[]; times?: number } | null
  } | null
  /** GetObject of matching keys (default: result files) sends `bytes` bytes, then drops the connection. */
  truncateResults?: { match?: Match; bytes?: number; times?: number } | null
}

function matches(m: Match | undefined, text: string): boolean {
  if (m === undefined) return true
  return typeof m === 'string' ? text.includes(m) : m.test(text)
}

export class Faults {
  private settings: FaultSettings = {}
  private readonly fired = new WeakMap<object, number>()
  /** Each throttled operation's bucket: thousandths of a token, and when they were last counted. */
  private readonly buckets = new Map<string, { milli: number; at: number }>()

  constructor(initial?: FaultSettings) {
    if (initial) this.set(initial)
  }

  /** Merges the given knobs into the current ones (a knob set to null or [] is switched off). */
  set(partial: FaultSettings): void {
    this.settings = { ...this.settings, ...partial }
    if ('throttle' in partial) this.buckets.clear()
  }

  clear(): void {
    this.settings = {}
    this.buckets.clear()
  }

  get(): FaultSettings {
    return { ...this.settings }
  }

  private take<T extends object & { times?: number }>(fault: T): boolean {
    if (fault.times === undefined) return true
    const n = this.fired.get(fault) ?? 0
    if (n >= fault.times) return false
    this.fired.set(fault, n + 1)
    return true
  }

  /**
   * True when this Athena API call is refused by the rate: its operation's bucket has no whole token. A call
   * that is served takes one; a refused call takes none, so a client that backs off is served again as soon as
   * a token has come back, however often it was refused meanwhile.
   */
  overRate(operation: string, now: number): boolean {
    const t = this.settings.throttle
    if (!t?.rate) return false
    if (t.operations && !t.operations.includes(operation)) return false
    const capacity = Math.max(1, Math.floor(t.burst ?? t.rate)) * 1000
    let bucket = this.buckets.get(operation)
    if (!bucket) {
      bucket = { milli: capacity, at: now }
      this.buckets.set(operation, bucket)
    }
    bucket.milli = Math.min(capacity, bucket.milli + Math.max(0, now - bucket.at) * t.rate)
    bucket.at = now
    if (bucket.milli < 1000) return true
    bucket.milli -= 1000
    return false
  }

  maxActiveQueries(): number | undefined {
    return this.settings.throttle?.maxActiveQueries
  }

  queryFailure(sql: string): QueryFailureFault | undefined {
    for (const f of this.settings.failQueries ?? []) if (matches(f.match, sql) && this.take(f)) return f
    return undefined
  }

  slowMs(sql: string): number {
    let ms = 0
    for (const f of this.settings.slowQueries ?? []) if (matches(f.match, sql)) ms = Math.max(ms, f.ms)
    return ms
  }

  requeue(sql: string): { times: number; ms: number } | undefined {
    for (const f of this.settings.requeue ?? [])
      if (matches(f.match, sql)) return { times: f.times, ms: f.ms ?? 100 }
    return undefined
  }

  s3Delay(): number {
    return this.settings.s3?.delayMs ?? 0
  }

  s3Failure(method: string, key: string): { status: number; code: string } | undefined {
    const f = this.settings.s3?.fail
    if (!f) return undefined
    if (f.methods && !f.methods.includes(method)) return undefined
    if (!matches(f.match, key)) return undefined
    if (!this.take(f)) return undefined
    return { status: f.status ?? 503, code: f.code ?? (f.status === 500 ? 'InternalError' : 'SlowDown') }
  }

  truncation(key: string, isResultFile: boolean): number | undefined {
    const f = this.settings.truncateResults
    if (!f) return undefined
    if (f.match === undefined ? !isResultFile : !matches(f.match, key)) return undefined
    if (!this.take(f)) return undefined
    return f.bytes ?? 16
  }
}
