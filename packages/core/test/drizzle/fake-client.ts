/**
 * A recording SqlClient for the bridge tests: every statement is kept, answers
 * come from a handler, and streams report whether they were closed early.
 */
import type {
  Capabilities,
  SqlClient,
  SqlConnection,
  SqlResult,
  SqlStatement,
  SqlTransaction,
  TransactionSettings,
} from '../../src/contract.ts'

export interface Recorded {
  statement: SqlStatement
  kind: 'execute' | 'stream'
  connection: number
  batchSize?: number
}

export type Answer = (statement: SqlStatement) => { rows: unknown[]; numAffectedRows?: bigint } | undefined

/** Transaction steps the fake performs; each may be made to fail. */
export interface FakeTransactions {
  savepoints?: boolean
  failRollback?: boolean
  failCommit?: boolean
}

export class FakeClient implements SqlClient {
  readonly system = 'fake'
  readonly displayName = 'FakeDB'
  readonly capabilities: Capabilities
  readonly recorded: Recorded[] = []
  readonly events: string[] = []
  answer: Answer = () => undefined
  streamsClosedEarly = 0
  streamsFinished = 0
  openConnections = 0
  discarded = 0
  #next = 0
  declare beginTransaction?: (settings: TransactionSettings) => Promise<SqlTransaction>

  constructor(transactions?: FakeTransactions) {
    this.capabilities = {
      transactions: transactions !== undefined,
      savepoints: transactions?.savepoints === true,
      returning: false,
      serverSideCancel: true,
      sessions: false,
      transactionalDdl: false,
    }
    if (transactions) this.beginTransaction = (settings) => this.#begin(settings, transactions)
  }

  async #begin(settings: TransactionSettings, options: FakeTransactions): Promise<SqlTransaction> {
    const connection = await this.acquire({ exclusive: true })
    const step = async (sql: string, fail?: boolean) => {
      await connection.execute({ sql, params: [] })
      if (fail) throw new Error(`${sql} failed`)
    }
    await step(`begin${settings.isolationLevel ? ` isolation level ${settings.isolationLevel}` : ''}`)
    const tx: SqlTransaction = {
      connection,
      commit: () => step('commit', options.failCommit),
      rollback: () => step('rollback', options.failRollback),
    }
    if (options.savepoints) {
      tx.savepoint = (name) => step(`savepoint ${name}`)
      tx.rollbackToSavepoint = (name) => step(`rollback to savepoint ${name}`)
      tx.releaseSavepoint = (name) => step(`release savepoint ${name}`)
    }
    return tx
  }

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
      async release(options) {
        client.openConnections--
        if (options?.discard) client.discarded++
        client.events.push(`release#${id}${options?.discard ? ' discard' : ''}`)
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
