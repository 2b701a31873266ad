import { type ChildProcess, spawn } from 'node:child_process'
import { accessSync, constants, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { exited, waitForExit } from '../../../../test/support/child-exit.ts'
import { armDeathSentinel, onProcessExit } from '../../../../test/support/exit-guard.ts'
import { findFreePort } from '../../../../test/support/free-port.ts'

/** A Debian clickhouse-server (18.16) run from a private temp dir on loopback. */
export interface ClickHouseServer {
  /** Base HTTP URL, e.g. http://127.0.0.1:41234 */
  url: string
  httpPort: number
  tcpPort: number
  /** The password-protected test user (the `default` user has no password). */
  username: string
  password: string
  /** `SELECT version()` of the running server, e.g. 18.16.1 */
  version: string
  /** Temp dir holding config, data and logs; removed by stop(). */
  dir: string
  /** SIGTERM, wait for exit (SIGKILL after a grace period), remove the temp dir. Idempotent. */
  stop(): Promise<void>
  /** SIGKILL at once, keep the temp dir (for fault tests; restart() or stop() afterwards). */
  kill(): void
  /** Stop the process (if running) and start it again on the same ports and data. */
  restart(): Promise<void>
}

export interface ClickHouseServerOptions {
  /** Path of the server binary; default: the first of clickhouse-server on the usual paths. */
  binary?: string
  /** Milliseconds to wait for /ping; default 60000. */
  startTimeoutMs?: number
}

export const CLICKHOUSE_TEST_USER = 'tributary'
export const CLICKHOUSE_TEST_PASSWORD = 'tributary-secret'

const BINARY_CANDIDATES = [
  '/usr/bin/clickhouse-server',
  '/usr/sbin/clickhouse-server',
  '/usr/local/bin/clickhouse-server',
]

export function findClickHouseServerBinary(): string | undefined {
  for (const candidate of BINARY_CANDIDATES) {
    try {
      accessSync(candidate, constants.X_OK)
      return candidate
    } catch {
      // try the next one
    }
  }
  return undefined
}

function configXml(dir: string, httpPort: number, tcpPort: number): string {
  // No interserver_http_port: omitting it disables the interserver endpoint in 18.16.
  return `<?xml version="1.0"?>
<yandex>
    <logger>
        <level>information</level>
        <log>${dir}/log/clickhouse-server.log</log>
        <errorlog>${dir}/log/clickhouse-server.err.log</errorlog>
        <size>10M</size>
        <count>1</count>
    </logger>
    <listen_host>127.0.0.1</listen_host>
    <http_port>${httpPort}</http_port>
    <tcp_port>${tcpPort}</tcp_port>
    <max_connections>1024</max_connections>
    <keep_alive_timeout>3</keep_alive_timeout>
    <max_concurrent_queries>100</max_concurrent_queries>
    <uncompressed_cache_size>268435456</uncompressed_cache_size>
    <mark_cache_size>268435456</mark_cache_size>
    <path>${dir}/data/</path>
    <tmp_path>${dir}/tmp/</tmp_path>
    <user_files_path>${dir}/user_files/</user_files_path>
    <format_schema_path>${dir}/format_schemas/</format_schema_path>
    <users_config>${dir}/users.xml</users_config>
    <default_profile>default</default_profile>
    <default_database>default</default_database>
    <timezone>UTC</timezone>
    <mlock_executable>false</mlock_executable>
    <builtin_dictionaries_reload_interval>3600</builtin_dictionaries_reload_interval>
    <max_session_timeout>3600</max_session_timeout>
    <default_session_timeout>60</default_session_timeout>
    <query_log>
        <database>system</database>
        <table>query_log</table>
        <partition_by>toYYYYMM(event_date)</partition_by>
        <flush_interval_milliseconds>7500</flush_interval_milliseconds>
    </query_log>
    <max_table_size_to_drop>0</max_table_size_to_drop>
    <max_partition_size_to_drop>0</max_partition_size_to_drop>
</yandex>
`
}

function usersXml(): string {
  return `<?xml version="1.0"?>
<yandex>
    <profiles>
        <default>
            <max_memory_usage>4000000000</max_memory_usage>
            <use_uncompressed_cache>0</use_uncompressed_cache>
            <load_balancing>random</load_balancing>
        </default>
        <readonly>
            <readonly>1</readonly>
        </readonly>
    </profiles>
    <users>
        <default>
            <password></password>
            <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
            <profile>default</profile>
            <quota>default</quota>
        </default>
        <${CLICKHOUSE_TEST_USER}>
            <password>${CLICKHOUSE_TEST_PASSWORD}</password>
            <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
            <profile>default</profile>
            <quota>default</quota>
        </${CLICKHOUSE_TEST_USER}>
    </users>
    <quotas>
        <default>
            <interval>
                <duration>3600</duration>
                <queries>0</queries>
                <errors>0</errors>
                <result_rows>0</result_rows>
                <read_rows>0</read_rows>
                <execution_time>0</execution_time>
            </interval>
        </default>
    </quotas>
</yandex>
`
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

function readTail(path: string, chars = 2000): string {
  try {
    const text = readFileSync(path, 'utf8')
    return text.slice(-chars)
  } catch {
    return ''
  }
}

async function ping(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(1000) })
    const body = await response.text()
    return response.status === 200 && body === 'Ok.\n'
  } catch {
    return false
  }
}

/**
 * Starts Debian's clickhouse-server (no systemd) with a generated config in a temp dir.
 * Users: `default` (no password) and `tributary` / CLICKHOUSE_TEST_PASSWORD.
 */
export async function startClickHouseServer(
  options: ClickHouseServerOptions = {},
): Promise<ClickHouseServer> {
  const binary = options.binary ?? findClickHouseServerBinary()
  if (binary === undefined) {
    throw new Error(`clickhouse-server not found (looked in ${BINARY_CANDIDATES.join(', ')})`)
  }
  const startTimeoutMs = options.startTimeoutMs ?? 60_000
  const dir = mkdtempSync(join(tmpdir(), 'tributary-clickhouse-'))
  for (const sub of ['data', 'tmp', 'user_files', 'format_schemas', 'log']) mkdirSync(join(dir, sub))
  writeFileSync(join(dir, 'users.xml'), usersXml())

  let httpPort = 0
  let tcpPort = 0
  let child: ChildProcess | undefined
  let disarmSentinel: (() => void) | undefined
  let stopped = false
  let stderr = ''

  const forgetExitHook = onProcessExit(() => {
    if (child !== undefined && !exited(child)) child.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  })

  const launch = async (): Promise<void> => {
    stderr = ''
    const proc = spawn(binary, [`--config-file=${join(dir, 'config.xml')}`], {
      cwd: dir,
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    child = proc
    proc.stderr?.setEncoding('utf8')
    proc.stderr?.on('data', (text: string) => {
      stderr = (stderr + text).slice(-4000)
    })
    if (proc.pid !== undefined) disarmSentinel = armDeathSentinel(proc.pid, dir)
    const url = `http://127.0.0.1:${httpPort}`
    const deadline = Date.now() + startTimeoutMs
    while (Date.now() < deadline) {
      if (exited(proc)) break
      if (await ping(url)) return
      await delay(50)
    }
    const alive = !exited(proc)
    if (alive) {
      proc.kill('SIGKILL')
      await waitForExit(proc, 5000)
    }
    disarmSentinel?.()
    const log = readTail(join(dir, 'log', 'clickhouse-server.err.log'))
    throw new Error(
      `clickhouse-server did not answer /ping on port ${httpPort} (${alive ? 'timed out' : `exited with ${proc.exitCode ?? proc.signalCode}`})\n${stderr}\n${log}`,
    )
  }

  // A port found free can be taken before the server binds it: retry with fresh ports.
  let lastError: unknown
  for (let attempt = 0; attempt < 3; attempt++) {
    httpPort = await findFreePort()
    tcpPort = await findFreePort()
    writeFileSync(join(dir, 'config.xml'), configXml(dir, httpPort, tcpPort))
    try {
      await launch()
      lastError = undefined
      break
    } catch (error) {
      lastError = error
    }
  }
  if (lastError !== undefined) {
    forgetExitHook()
    rmSync(dir, { recursive: true, force: true })
    throw lastError
  }

  const url = `http://127.0.0.1:${httpPort}`
  const versionResponse = await fetch(`${url}/?query=${encodeURIComponent('SELECT version()')}`)
  const version = (await versionResponse.text()).trim()

  const terminate = async (): Promise<void> => {
    const proc = child
    if (proc === undefined || exited(proc)) return
    proc.kill('SIGTERM')
    if (!(await waitForExit(proc, 10_000))) {
      proc.kill('SIGKILL')
      await waitForExit(proc, 5000)
    }
  }

  return {
    url,
    httpPort,
    tcpPort,
    username: CLICKHOUSE_TEST_USER,
    password: CLICKHOUSE_TEST_PASSWORD,
    version,
    dir,
    async stop() {
      if (stopped) return
      stopped = true
      await terminate()
      disarmSentinel?.()
      forgetExitHook()
      rmSync(dir, { recursive: true, force: true })
    },
    kill() {
      if (child !== undefined && !exited(child)) child.kill('SIGKILL')
    },
    async restart() {
      if (stopped) throw new Error('the server was stopped')
      await terminate()
      disarmSentinel?.()
      await launch()
    },
  }
}
