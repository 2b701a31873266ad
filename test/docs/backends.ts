/**
 * What a documentation sample runs against, named by `<!-- samples backend=… -->` on its page. Each sample
 * runs in a fresh empty directory of its own (so `chdb({ path: './data' })` gets a new database) and sees the
 * backend through `rewrite`: samples write a database's usual local address, and the backend points that
 * address at the server it started, in a database of the sample's own. A new database adds its backend here.
 */

export interface SampleContext {
  /** The sample's code (and its hidden setup) as it is run: local addresses replaced with the server's. */
  rewrite(code: string): string
  /** Extra environment for the sample's process. */
  env: Record<string, string>
}

export interface StartedBackend {
  /** A context of its own for one sample (on a server: a fresh database). */
  forSample(): Promise<SampleContext>
  stop(): Promise<void>
}

export interface SampleBackend {
  description: string
  start(): Promise<StartedBackend>
}

/** ClickHouse's default HTTP address as samples write it, with any path and query after it. */
const CLICKHOUSE_URL = /http:\/\/(?:127\.0\.0\.1|localhost):8123(?:\/[^'"`\s?]*)?(?:\?[^'"`\s]*)?/g

function refuseServerAddress(name: string): SampleContext {
  return {
    rewrite(code) {
      // Only a quoted address is used; one in a comment is prose.
      const found = /['"`](http:\/\/(?:127\.0\.0\.1|localhost):8123)/.exec(code)
      if (found !== null) {
        throw new Error(
          `the sample uses ${found[1]} but its page says backend=${name}: name backend=clickhouse-server`,
        )
      }
      return code
    },
    env: {},
  }
}

export const SAMPLE_BACKENDS: Record<string, SampleBackend> = {
  none: {
    description: 'nothing from the runner: the sample needs no database, or starts its own local server',
    async start() {
      return { forSample: async () => refuseServerAddress('none'), stop: async () => {} }
    },
  },
  chdb: {
    description: 'embedded ClickHouse (chDB) in the sample directory; no server',
    async start() {
      return { forSample: async () => refuseServerAddress('chdb'), stop: async () => {} }
    },
  },
  'clickhouse-server': {
    description:
      "Debian's clickhouse-server (18.16) on a free port: http://127.0.0.1:8123 in a sample points at it, in a " +
      'database of its own; chDB works there too',
    async start() {
      const { startClickHouseServer } = await import(
        '../../packages/clickhouse/test/servers/clickhouse-server.ts'
      )
      const server = await startClickHouseServer()
      let count = 0
      return {
        async forSample() {
          const database = `docs_sample_${++count}`
          const response = await fetch(`${server.url}/`, {
            method: 'POST',
            body: `CREATE DATABASE ${database}`,
          })
          if (!response.ok) throw new Error(`CREATE DATABASE ${database}: ${await response.text()}`)
          return {
            rewrite: (code) =>
              code.replace(CLICKHOUSE_URL, (written) => {
                const url = new URL(written)
                const target = new URL(server.url)
                url.protocol = target.protocol
                url.host = target.host
                url.searchParams.set('database', database)
                return url.href
              }),
            env: {},
          }
        },
        stop: () => server.stop(),
      }
    },
  },
  'mapepire-local': {
    description:
      'mapepire-local (a Mapepire server on PostgreSQL 15) on a free port, user MAPEPIRE, with the SAMPLE schema: ' +
      '`port: 8076` in a sample points at it; the password and the server certificate are in DB2_PASSWORD and DB2_CA',
    async start() {
      const { startMapepireLocal } = await import('@tributary/mapepire-local')
      const local = await startMapepireLocal({ port: 0, user: 'MAPEPIRE' })
      return {
        async forSample() {
          return {
            rewrite: (code) => code.replace(/\bport: 8076\b/g, `port: ${local.port}`),
            env: { DB2_PASSWORD: local.password, DB2_CA: local.ca ?? '' },
          }
        },
        stop: () => local.stop(),
      }
    },
  },
  'athena-local': {
    description:
      'a fresh athena-local (a local Athena and S3 on DuckDB) per sample on a free port; the sample is written as for ' +
      "Amazon Athena and reaches it through the AWS SDK's environment: AWS_ENDPOINT_URL, AWS_REGION and the access " +
      'key in AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY; its result bucket is s3://athena-results/',
    async start() {
      const { startAthenaLocal } = await import('@tributary/athena-local')
      const started: { stop(): Promise<void> }[] = []
      return {
        async forSample() {
          const local = await startAthenaLocal({ port: 0 })
          started.push(local)
          return {
            rewrite: (code) => code,
            env: {
              AWS_ENDPOINT_URL: local.endpoint,
              AWS_REGION: local.region,
              AWS_ACCESS_KEY_ID: local.credentials.accessKeyId,
              AWS_SECRET_ACCESS_KEY: local.credentials.secretAccessKey,
            },
          }
        },
        async stop() {
          await Promise.all(started.map((local) => local.stop()))
        },
      }
    },
  },
}
