/**
 * A recording SqlClient for the bridge tests: every statement is kept, answers
 * come from a handler, and streams report whether they were closed early.
 */
import type { SqlClient, SqlConnection, SqlResult, SqlStatement } from '../../src/contract.ts'

export interface Recorded {
  statement: SqlStatement
  kind: 'execute' | 'stream'
  connection: number
  batchSize?: number
}

export type Answer = (statement: SqlStatement) => { rows: unknown[]; numAffectedRows?: bigint } | undefined

export class FakeClient implements SqlClient {
  readonly recorded: Recorded[] = []
  readonly events: string[] = []
  answer: Answer = () => undefined
  streamsClosedEarly = 0
  streamsFinished = 0
  openConnections = 0
  #next = 0

  async acquire(options?: { exclusive?: boolean }): Promise<SqlConnection> {
    const id = ++this.#next
    this.openConnections++
    this.events.push(`acquire#${id}${options?.exclusive ? ' exclusive' : ''}`)
    const client = this
    return {
      async execute<R>(statement: SqlStatement): Promise<SqlResult<R>> {
        client.recorded.push({ statement, kind: 'execute', connection: id })
        client.events.push(`execute#${id} ${statement.sql}`)
        const answer = client.answer(statement)
        return {
          rows: (answer?.rows ?? []) as R[],
          columns: [],
          queryId: `q${client.recorded.length}`,
          numAffectedRows: answer?.numAffectedRows,
        }
      },
      stream<R>(statement: SqlStatement, options: { batchSize: number }): AsyncIterable<R[]> {
        client.recorded.push({ statement, kind: 'stream', connection: id, batchSize: options.batchSize })
        const rows = (client.answer(statement)?.rows ?? []) as R[]
        return (async function* () {
          let finished = false
          try {
            for (let i = 0; i < rows.length; i += options.batchSize)
              yield rows.slice(i, i + options.batchSize)
            finished = true
          } finally {
            if (finished) client.streamsFinished++
            else client.streamsClosedEarly++
          }
        })()
      },
      async cancel() {},
      async release() {
        client.openConnections--
        client.events.push(`release#${id}`)
      },
    }
  }

  async close(): Promise<void> {}

  get last(): SqlStatement {
    const last = this.recorded.at(-1)
    if (!last) throw new Error('no statement recorded')
    return last.statement
  }
}
