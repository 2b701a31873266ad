import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { exited, waitForExit } from '../../../../test/support/child-exit.ts'
import { onProcessExit } from '../../../../test/support/exit-guard.ts'
import { CHDB_HTTP_BEARER_TOKEN, CHDB_HTTP_TEST_PASSWORD, CHDB_HTTP_TEST_USER } from './chdb-http/auth.ts'

export { CHDB_HTTP_BEARER_TOKEN, CHDB_HTTP_TEST_PASSWORD, CHDB_HTTP_TEST_USER }

/** A modern (chDB 26.7) ClickHouse HTTP endpoint in a child process. */
export interface ChdbHttpServer {
  /** Base URL, e.g. http://127.0.0.1:41234 */
  url: string
  httpPort: number
  /** The password-protected test user (`default` has no password). */
  username: string
  password: string
  /** Accepted as `Authorization: Bearer <token>` (user `tributary`). */
  bearerToken: string
  /** Engine version reported by `SELECT version()`, e.g. 26.7.2.1 */
  version: string
  /** SIGTERM, wait for exit (SIGKILL after a grace period). Idempotent. */
  stop(): Promise<void>
  /** SIGKILL at once (for fault tests). */
  kill(): void
}

export interface ChdbHttpServerOptions {
  /** Enable `__fault=truncate|reset|hang` query-string hooks. Default: false. */
  faults?: boolean
  /** Milliseconds to wait for the child to listen; default 60000. */
  startTimeoutMs?: number
}

const MAIN = fileURLToPath(new URL('./chdb-http/main.ts', import.meta.url))

/** Forks packages/clickhouse/test/servers/chdb-http/main.ts with this Node and its --conditions, waits for its port. */
export async function startChdbHttpServer(options: ChdbHttpServerOptions = {}): Promise<ChdbHttpServer> {
  const execArgv = process.execArgv.filter(
    (arg) => arg.startsWith('--conditions') || arg === '-C' || arg.startsWith('--experimental'),
  )
  if (!execArgv.some((arg) => arg.startsWith('--conditions'))) execArgv.push('--conditions=tributary-source')
  const child = fork(MAIN, [], {
    execPath: process.execPath,
    execArgv,
    env: { ...process.env, CHDB_HTTP_PORT: '0', CHDB_HTTP_FAULTS: options.faults ? '1' : '0' },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  })
  const forgetExitHook = onProcessExit(() => {
    if (!exited(child)) child.kill('SIGKILL')
  })
  let stderr = ''
  child.stderr?.setEncoding('utf8')
  child.stderr?.on('data', (text: string) => {
    stderr = (stderr + text).slice(-4000)
  })
  child.stdout?.resume()

  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`chdb-http server did not start in time\n${stderr}`))
    }, options.startTimeoutMs ?? 60_000)
    child.once('message', (message: { port?: number }) => {
      clearTimeout(timer)
      if (typeof message?.port === 'number') resolve(message.port)
      else reject(new Error(`unexpected message from chdb-http server: ${JSON.stringify(message)}`))
    })
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      reject(new Error(`chdb-http server exited (${code ?? signal}) before listening\n${stderr}`))
    })
  })
  // Keep the parent free to exit; the child follows via the IPC 'disconnect'.
  child.unref()
  ;(child as unknown as { channel?: { unref?: () => void } }).channel?.unref?.()
  for (const pipe of [child.stdout, child.stderr])
    (pipe as unknown as { unref?: () => void } | null)?.unref?.()

  const url = `http://127.0.0.1:${port}`
  const versionResponse = await fetch(`${url}/?query=${encodeURIComponent('SELECT version()')}`)
  const engineVersion = (await versionResponse.text()).trim()

  let stopped = false
  return {
    url,
    httpPort: port,
    username: CHDB_HTTP_TEST_USER,
    password: CHDB_HTTP_TEST_PASSWORD,
    bearerToken: CHDB_HTTP_BEARER_TOKEN,
    version: engineVersion,
    async stop() {
      if (stopped) return
      stopped = true
      if (!exited(child)) {
        child.kill('SIGTERM')
        if (!(await waitForExit(child, 5000))) {
          child.kill('SIGKILL')
          await waitForExit(child, 5000)
        }
      }
      forgetExitHook()
    },
    kill() {
      if (!exited(child)) child.kill('SIGKILL')
    },
  }
}
