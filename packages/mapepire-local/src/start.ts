/**
 * startMapepireLocal: a throwaway PostgreSQL cluster (or a given database), the Db2 for i
 * catalog on it, IBM's SAMPLE schema, a generated certificate and the Mapepire server.
 */

import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { BOOTSTRAP_SQL } from './db2/catalog.ts'
import type { DomainTypes } from './db2/types.ts'
import { parseConnectProps } from './job/connect-props.ts'
import { Job } from './job/job.ts'
import { JobTable, type Logger, type PostgresTarget } from './job/job-table.ts'
import { startPostgresCluster } from './postgres/cluster.ts'
import { FaultControl, type FaultSettings } from './protocol/faults.ts'
import { startProtocolServer } from './protocol/server.ts'
import { createSqlSample } from './sample/create-sql-sample.ts'
import { createServerCertificate } from './tls/certificate.ts'

export interface MapepireLocalOptions {
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number
  /** Address to listen on; default 127.0.0.1. */
  host?: string
  /** The user profile clients sign on with; default MAPEPIRE. */
  user?: string
  /** Its password; default: random. */
  password?: string
  /** More user profiles: name → password. */
  users?: Record<string, string>
  /** Serve plain ws:// instead of wss:// (the real server's MP_UNSECURE=true). */
  tls?: boolean
  /** Use this PostgreSQL database instead of starting a cluster (it must be empty or already set up by this server). */
  postgres?: PostgresTarget
  /** Directory of PostgreSQL's binaries for the throwaway cluster. */
  postgresBinDir?: string
  /** Create IBM's sample schema (CALL QSYS.CREATE_SQL_SAMPLE) under this name; false for none. Default SAMPLE. */
  sample?: string | false
  /** The job's date and time formats when `connect` props do not set them; default mdy / hms (a typical job's *MDY and *HMS). */
  dateFormat?: string
  timeFormat?: string
  /** Fault knobs (see protocol/faults.ts); also changeable through the returned `faults`. */
  faults?: FaultSettings
  /** Version reported by getversion and GET /version. */
  version?: string
  /** Largest incoming message in bytes; default 50 MiB, as the real server. */
  maxMessageBytes?: number
  logger?: Logger
}

export interface MapepireLocal {
  host: string
  port: number
  user: string
  password: string
  /** The server's certificate, to pass as `ca` (undefined with tls: false). */
  ca: string | undefined
  /** ws:// or wss:// URL of the socket endpoint. */
  url: string
  /** Fault knobs at run time. */
  faults: FaultControl
  /** Names of the jobs connected now. */
  jobNames(): string[]
  /** Ends a job under its socket (its PostgreSQL backend is terminated): "a job that dies". */
  killJob(name: string): Promise<boolean>
  /** Closes every client socket abruptly (TCP reset), as a server that goes away. */
  dropConnections(): void
  stop(): Promise<void>
}

export async function startMapepireLocal(options: MapepireLocalOptions = {}): Promise<MapepireLocal> {
  const logger = options.logger ?? {}
  const user = (options.user ?? 'MAPEPIRE').toUpperCase()
  const password = options.password ?? randomBytes(12).toString('base64url')
  const users = new Map<string, string>([[user, password]])
  for (const [name, pw] of Object.entries(options.users ?? {})) users.set(name.toUpperCase(), pw)

  const cluster = options.postgres
    ? undefined
    : await startPostgresCluster({ binDir: options.postgresBinDir })
  const cleanups: (() => Promise<void>)[] = []
  if (cluster) cleanups.push(() => cluster.stop())
  try {
    const target: PostgresTarget = options.postgres ?? {
      host: cluster!.socketDir,
      port: cluster!.port,
      user: cluster!.user,
      database: 'mapepire',
    }
    if (cluster) {
      const admin = new pg.Client({
        host: cluster.socketDir,
        port: cluster.port,
        user: cluster.user,
        database: 'postgres',
      })
      await admin.connect()
      await admin.query(`CREATE DATABASE mapepire TEMPLATE template0 ENCODING 'UTF8'`)
      await admin.end()
    }
    const control = new pg.Client({ ...target, application_name: 'mapepire-local control' })
    await control.connect()
    control.on('error', () => {})
    cleanups.unshift(() => control.end().catch(() => {}))
    const bootstrapped = await control.query("SELECT 1 FROM pg_namespace WHERE nspname = 'qsys'")
    if (bootstrapped.rowCount === 0) {
      await control.query(BOOTSTRAP_SQL)
      await control.query('CREATE SCHEMA qgpl')
    }
    const domains: DomainTypes = new Map()
    const d = await control.query<{ oid: number; typname: string }>(
      "SELECT oid::int AS oid, typname FROM pg_type WHERE typnamespace = 'qsys'::regnamespace AND typtype = 'd'",
    )
    for (const row of d.rows) domains.set(Number(row.oid), row.typname.toUpperCase())

    const jobs = new JobTable(target, control, domains, logger)
    const defaults = { dateFormat: options.dateFormat ?? 'mdy', timeFormat: options.timeFormat ?? 'hms' }
    const sample = options.sample === undefined ? 'SAMPLE' : options.sample
    if (sample) {
      const setup = await Job.start(
        jobs,
        user,
        parseConnectProps(undefined, defaults),
        '127.0.0.1',
        'mapepire-local setup',
      )
      try {
        if (!(await setup.schemaExists(sample))) await createSqlSample(setup, sample)
      } finally {
        await setup.end()
      }
    }

    const useTls = options.tls !== false
    const host = options.host ?? '127.0.0.1'
    const certificate = useTls
      ? await createServerCertificate({ dns: ['localhost'], ips: ['127.0.0.1'] })
      : undefined
    const faults = new FaultControl(options.faults)
    const server = await startProtocolServer({
      host,
      port: options.port ?? 0,
      tls: certificate,
      jobs,
      faults,
      users,
      defaults,
      version: options.version ?? '2.3.5',
      buildDate: '2025-01-01 00:00:00 (GMT)',
      maxMessageBytes: options.maxMessageBytes ?? 50 * 1024 * 1024,
    })
    cleanups.unshift(() => server.close())
    let stopping: Promise<void> | undefined
    return {
      host,
      port: server.port,
      user,
      password,
      ca: certificate?.cert,
      url: `${useTls ? 'wss' : 'ws'}://${host}:${server.port}/db/`,
      faults,
      jobNames: () => jobs.all().map((j) => j.name),
      async killJob(name) {
        const job = jobs.find(name)
        if (!job) return false
        await job.kill()
        return true
      },
      dropConnections() {
        for (const ws of server.sockets) ws.terminate()
      },
      stop() {
        stopping ??= (async () => {
          await server.close()
          await Promise.all(jobs.all().map((j) => j.end()))
          for (const cleanup of cleanups.slice(1)) await cleanup()
        })()
        return stopping
      },
    }
  } catch (error) {
    for (const cleanup of cleanups) await cleanup().catch(() => {})
    throw error
  }
}
