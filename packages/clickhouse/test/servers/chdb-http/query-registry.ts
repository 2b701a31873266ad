import { errors } from './server-error.ts'

export interface RunningQuery {
  id: string
  user: string
  sql: string
  /** Asks the query to stop; its response then ends with QUERY_WAS_CANCELLED. */
  kill(): void
  /** Settles when the query's response has been finished. */
  finished: Promise<void>
}

/** Queries in flight by query_id, so KILL QUERY can reach them. */
export class QueryRegistry {
  readonly #running = new Map<string, RunningQuery>()

  register(query: RunningQuery): void {
    if (this.#running.has(query.id)) throw errors.duplicateQueryId(query.id)
    this.#running.set(query.id, query)
  }

  unregister(id: string, query: RunningQuery): void {
    if (this.#running.get(id) === query) this.#running.delete(id)
  }

  get(id: string): RunningQuery | undefined {
    return this.#running.get(id)
  }

  killAll(): void {
    for (const query of this.#running.values()) query.kill()
  }
}
