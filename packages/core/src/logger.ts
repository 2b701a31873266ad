/**
 * The one logging interface every Tributary package accepts. Library code never
 * writes to the console: without a logger, nothing is logged.
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error'

export type LogFields = Record<string, unknown>

/** Any object with some of these methods works, `console` included. */
export interface Logger {
  debug?(message: string, fields?: LogFields): void
  info?(message: string, fields?: LogFields): void
  warn?(message: string, fields?: LogFields): void
  error?(message: string, fields?: LogFields): void
}

/**
 * Logs at `level` if the logger has that method. A logger that throws never
 * breaks the operation that was logging.
 */
export function log(logger: Logger | undefined, level: LogLevel, message: string, fields?: LogFields): void {
  const method = logger?.[level]
  if (!method) return
  try {
    method.call(logger, message, fields)
  } catch {
    // a broken logger must not turn a log line into a failed query
  }
}
