import { SqlDriver } from '@tributary/core/kysely'
import type { DatabaseIntrospector, Dialect, DialectAdapter, Driver, Kysely, QueryCompiler } from 'kysely'
import { createClient, type MapepireClient } from '../client.ts'
import type { MapepireConfig } from '../config.ts'
import { Db2Adapter, type Db2MigrationLockOptions } from './adapter.ts'
import { Db2QueryCompiler } from './compiler.ts'
import { Db2Introspector } from './introspector.ts'

export type MapepireDialectConfig =
  | (MapepireConfig & {
      client?: undefined
      migrationLock?: Db2MigrationLockOptions | undefined
      /** Schemas the introspector lists (default: the current schema). */
      introspectSchemas?: readonly string[] | undefined
    })
  | {
      /** An existing client; the dialect never closes it. */
      client: MapepireClient
      migrationLock?: Db2MigrationLockOptions | undefined
      introspectSchemas?: readonly string[] | undefined
    }

/** `new Kysely({ dialect: new MapepireDialect({ host, user, password, ca }) })` */
export class MapepireDialect implements Dialect {
  readonly #config: MapepireDialectConfig

  constructor(config: MapepireDialectConfig) {
    this.#config = config
  }

  createDriver(): Driver {
    const config = this.#config
    if (config.client) {
      const client = config.client
      return new SqlDriver({ client: () => client, ownsClient: false, logger: client.config.logger })
    }
    const { migrationLock: _lock, introspectSchemas: _schemas, client: _client, ...clientConfig } = config
    return new SqlDriver({
      client: () => createClient(clientConfig),
      ownsClient: true,
      logger: clientConfig.logger,
    })
  }

  createQueryCompiler(): QueryCompiler {
    const naming = this.#config.client ? this.#config.client.config.naming : this.#config.naming
    return new Db2QueryCompiler({ naming })
  }

  createAdapter(): DialectAdapter {
    return new Db2Adapter(this.#config.migrationLock)
  }

  createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new Db2Introspector(db, { schemas: this.#config.introspectSchemas })
  }
}
