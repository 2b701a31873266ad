import { SqlDriver } from '@tributary/core/kysely'
import type { DatabaseIntrospector, Dialect, DialectAdapter, Driver, Kysely, QueryCompiler } from 'kysely'
import { type ClickHouseClient, createClient } from '../client.ts'
import type { ClickHouseClientConfig } from '../config.ts'
import { ClickHouseAdapter, type ClickHouseMigrationLockOptions } from './adapter.ts'
import { ClickHouseQueryCompiler } from './compiler.ts'
import { ClickHouseIntrospector } from './introspector.ts'

export interface ClickHouseDialectConfig extends ClickHouseClientConfig {
  /** An existing client; the dialect then never closes it. */
  client?: ClickHouseClient | undefined
  migrationLock?: ClickHouseMigrationLockOptions | undefined
}

/** `new Kysely({ dialect: new ClickHouseDialect({ url }) })` */
export class ClickHouseDialect implements Dialect {
  readonly #config: ClickHouseDialectConfig

  constructor(config: ClickHouseDialectConfig = {}) {
    this.#config = config
  }

  createDriver(): Driver {
    const { client, migrationLock: _lock, ...clientConfig } = this.#config
    return new SqlDriver({
      client: () => client ?? createClient(clientConfig),
      ownsClient: client === undefined,
      logger: clientConfig.logger,
    })
  }

  createQueryCompiler(): QueryCompiler {
    return new ClickHouseQueryCompiler()
  }

  createAdapter(): DialectAdapter {
    return new ClickHouseAdapter(this.#config.migrationLock, this.#config.logger)
  }

  createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new ClickHouseIntrospector(db)
  }
}
