/**
 * Where a Drizzle session gets its connection: from the client, one per
 * statement (the normal case), or one fixed connection (inside a transaction).
 */
import type { SqlClient, SqlConnection } from '../contract.ts'

export interface LeasedConnection {
  connection: SqlConnection
  /** Gives the connection back; a no-op for a fixed connection. */
  done(): Promise<void>
}

export interface ConnectionSource {
  open(): Promise<LeasedConnection>
  run<R>(fn: (connection: SqlConnection) => Promise<R>): Promise<R>
}

export function clientConnections(client: SqlClient): ConnectionSource {
  return {
    async open() {
      const connection = await client.acquire()
      return { connection, done: () => connection.release() }
    },
    async run(fn) {
      const connection = await client.acquire()
      try {
        return await fn(connection)
      } finally {
        await connection.release()
      }
    },
  }
}

export function fixedConnection(connection: SqlConnection): ConnectionSource {
  const done = async () => {}
  return {
    async open() {
      return { connection, done }
    },
    run(fn) {
      return fn(connection)
    },
  }
}
