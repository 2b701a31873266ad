import type { AthenaClient, AthenaClientConfig as SdkAthenaConfig } from '@aws-sdk/client-athena'
import { SqlDriver } from '@tributary/core/kysely'
import type { DatabaseIntrospector, Dialect, DialectAdapter, Driver, Kysely, QueryCompiler } from 'kysely'
import { AthenaQueryClient } from '../client.ts'
import type { AthenaClientConfig } from '../config.ts'
import { AthenaAdapter, type AthenaMigrationLockOptions } from './adapter.ts'
import { AthenaQueryCompiler } from './compiler.ts'
import { AthenaIntrospector } from './introspector.ts'

export interface AthenaDialectConfig extends Omit<AthenaClientConfig, 'client'> {
  /**
   * An `AthenaClient` of the AWS SDK or its config (the dialect builds and
   * closes its client), or an `AthenaQueryClient` from `createClient` (the
   * dialect uses it and never closes it).
   */
  client?: AthenaQueryClient | AthenaClient | SdkAthenaConfig | undefined
  /**
   * Where CREATE TABLE without a LOCATION puts a table's data (an Iceberg
   * table under `<tablesLocation><table>_<random>/`). Default `<outputLocation>tables/`.
   */
  tablesLocation?: string | undefined
  migrationLock?: AthenaMigrationLockOptions | undefined
  /**
   * Array, map and row columns by table (`{ events: ['tags'] }`), read
   * exactly in `api` and `csv` modes through a JSON cast the compiler adds
   * (docs/athena.md, "Nested values").
   */
  nestedColumns?: Readonly<Record<string, readonly string[]>> | undefined
}

/**
 * `new Kysely({ dialect: new AthenaDialect({ client, s3, database, workGroup, outputLocation, resultMode }) })`
 */
export class AthenaDialect implements Dialect {
  readonly #config: AthenaDialectConfig
  readonly #given: AthenaQueryClient | undefined
  #client: AthenaQueryClient | undefined

  constructor(config: AthenaDialectConfig = {}) {
    this.#config = config
    this.#given = config.client instanceof AthenaQueryClient ? config.client : undefined
  }

  #getClient(): AthenaQueryClient {
    if (this.#given) return this.#given
    const { client, tablesLocation: _t, migrationLock: _m, nestedColumns: _n, ...rest } = this.#config
    this.#client ??= new AthenaQueryClient({
      ...rest,
      client: client as AthenaClient | SdkAthenaConfig | undefined,
    })
    return this.#client
  }

  createDriver(): Driver {
    return new SqlDriver({
      client: () => this.#getClient(),
      ownsClient: this.#given === undefined,
      logger: this.#config.logger,
    })
  }

  createQueryCompiler(): QueryCompiler {
    const outputLocation = this.#config.outputLocation ?? this.#given?.config.outputLocation
    const tablesLocation =
      this.#config.tablesLocation ??
      (outputLocation
        ? `${outputLocation.endsWith('/') ? outputLocation : `${outputLocation}/`}tables/`
        : undefined)
    return new AthenaQueryCompiler({
      tablesLocation,
      nestedColumns: this.#config.nestedColumns,
      resultMode: this.#config.resultMode ?? this.#given?.config.resultMode,
    })
  }

  createAdapter(): DialectAdapter {
    return new AthenaAdapter(this.#config.migrationLock, this.#config.logger)
  }

  createIntrospector(_db: Kysely<any>): DatabaseIntrospector {
    return new AthenaIntrospector(async () => this.#getClient())
  }
}
