/**
 * A throwaway PostgreSQL cluster: initdb into a temp dir, pg_ctl on a free loopback port with its
 * unix socket in the same dir, removed on stop(). PostgreSQL refuses to run as root, so as root
 * the cluster belongs to (and runs as) the `postgres` user.
 */

import { execFile, spawn, spawnSync } from 'node:child_process'
import { accessSync, chmodSync, chownSync, constants, mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface PostgresCluster {
  /** Directory of the unix socket (pass as `host` to a PostgreSQL client). */
  socketDir: string
  port: number
  user: string
  database: string
  dataDir: string
  stop(): Promise<void>
}

export interface ClusterOptions {
  /** Directory holding initdb and pg_ctl; default: $PG_BIN, then /usr/lib/postgresql/{17,16,15}/bin, then PATH. */
  binDir?: string
  /** Extra server settings (`-c name=value`). */
  settings?: Record<string, string>
}

const CANDIDATE_BIN_DIRS = [
  '/usr/lib/postgresql/15/bin',
  '/usr/lib/postgresql/16/bin',
  '/usr/lib/postgresql/17/bin',
]

export function findPostgresBinDir(explicit?: string): string {
  const candidates = [explicit, process.env.PG_BIN, ...CANDIDATE_BIN_DIRS].filter((d): d is string => !!d)
  for (const dir of candidates) {
    try {
      accessSync(join(dir, 'pg_ctl'), constants.X_OK)
      accessSync(join(dir, 'initdb'), constants.X_OK)
      return dir
    } catch {
      // next
    }
  }
  const which = spawnSync('sh', ['-c', 'command -v pg_ctl'], { encoding: 'utf8' })
  const found = which.stdout.trim()
  if (which.status === 0 && found) return found.replace(/\/pg_ctl$/, '')
  throw new Error(
    'PostgreSQL binaries (initdb, pg_ctl) not found: install PostgreSQL 15 (Debian: apt-get install postgresql) or set PG_BIN',
  )
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.once('error', reject)
    server.listen({ port: 0, host: '127.0.0.1', exclusive: true }, () => {
      const address = server.address()
      if (address === null || typeof address === 'string') {
        server.close()
        reject(new Error('could not read the bound port'))
        return
      }
      const { port } = address
      server.close(() => resolve(port))
    })
  })
}

interface RunAs {
  uid?: number
  gid?: number
}

function postgresAccount(): RunAs {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return {}
  const id = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' })
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' })
  if (id.status !== 0) {
    throw new Error(
      'running as root needs a `postgres` user to own the cluster (PostgreSQL refuses to run as root)',
    )
  }
  return { uid: Number(id.stdout.trim()), gid: Number(gid.stdout.trim()) }
}

function run(file: string, args: string[], account: RunAs, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { ...account, timeout: timeoutMs, env: { ...process.env, LC_ALL: 'C.UTF-8', LANG: 'C.UTF-8' } },
      (error, stdout, stderr) => {
        if (error) {
          reject(
            new Error(`${file.split('/').pop()} failed: ${String(stderr || stdout || error.message).trim()}`),
          )
          return
        }
        resolve(stdout)
      },
    )
  })
}

export async function startPostgresCluster(options: ClusterOptions = {}): Promise<PostgresCluster> {
  const binDir = findPostgresBinDir(options.binDir)
  const account = postgresAccount()
  const dir = mkdtempSync(join(tmpdir(), 'mapepire-local-pg-'))
  const dataDir = join(dir, 'data')
  let started = false
  const cleanup = () => rmSync(dir, { recursive: true, force: true })
  try {
    if (account.uid !== undefined) {
      chownSync(dir, account.uid, account.gid!)
    }
    chmodSync(dir, 0o700)
    await run(
      join(binDir, 'initdb'),
      ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync'],
      account,
      120_000,
    )
    const port = await freePort()
    const settings: Record<string, string> = {
      listen_addresses: "''",
      unix_socket_directories: `'${dir}'`,
      fsync: 'off',
      synchronous_commit: 'off',
      full_page_writes: 'off',
      max_connections: '200',
      shared_buffers: '64MB',
      ...options.settings,
    }
    const serverOptions = [`-p ${port}`, ...Object.entries(settings).map(([k, v]) => `-c ${k}=${v}`)].join(
      ' ',
    )
    await run(
      join(binDir, 'pg_ctl'),
      ['-D', dataDir, '-o', serverOptions, '-l', join(dir, 'server.log'), '-w', '-t', '60', 'start'],
      account,
      90_000,
    )
    started = true
    const disarm = guardAgainstOrphans(join(binDir, 'pg_ctl'), dataDir, dir, account)
    let stopped: Promise<void> | undefined
    return {
      socketDir: dir,
      port,
      user: 'postgres',
      database: 'postgres',
      dataDir,
      stop() {
        stopped ??= (async () => {
          disarm()
          try {
            await run(
              join(binDir, 'pg_ctl'),
              ['-D', dataDir, '-m', 'immediate', '-w', '-t', '30', 'stop'],
              account,
              60_000,
            )
          } finally {
            cleanup()
          }
        })()
        return stopped
      },
    }
  } catch (error) {
    if (started) {
      await run(join(binDir, 'pg_ctl'), ['-D', dataDir, '-m', 'immediate', 'stop'], account, 30_000).catch(
        () => {},
      )
    }
    cleanup()
    throw error
  }
}

/**
 * A cluster must not outlive the process that started it: on a normal exit the cluster is stopped
 * synchronously; if the process is killed outright, a small detached shell that waits on a pipe
 * from this process kills the postmaster and removes the directory. Returns the disarm function.
 */
function guardAgainstOrphans(pgCtl: string, dataDir: string, dir: string, account: RunAs): () => void {
  const onExit = () => {
    spawnSync(pgCtl, ['-D', dataDir, '-m', 'immediate', 'stop'], {
      ...account,
      stdio: 'ignore',
      timeout: 20_000,
    })
    rmSync(dir, { recursive: true, force: true })
  }
  process.once('exit', onExit)
  const script =
    'read _ignored; kill -9 "$(head -n 1 "$1/postmaster.pid" 2>/dev/null)" 2>/dev/null; sleep 1; rm -rf -- "$2"'
  const sentinel = spawn('/bin/sh', ['-c', script, 'sentinel', dataDir, dir], {
    stdio: ['pipe', 'ignore', 'ignore'],
    detached: true,
  })
  sentinel.unref()
  ;(sentinel.stdin as unknown as { unref?: () => void }).unref?.()
  sentinel.on('error', () => {})
  sentinel.stdin?.on('error', () => {})
  return () => {
    process.off('exit', onExit)
    try {
      sentinel.kill('SIGKILL')
    } catch {
      // already gone
    }
  }
}
