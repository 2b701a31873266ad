import { spawn } from 'node:child_process'

type Cleanup = () => void

const cleanups = new Set<Cleanup>()
let installed = false

/**
 * Runs `cleanup` synchronously when the test process exits normally (or via process.exit).
 * Returns a function that unregisters it. Only synchronous work is possible at 'exit'.
 */
export function onProcessExit(cleanup: Cleanup): () => void {
  if (!installed) {
    installed = true
    process.on('exit', () => {
      for (const fn of cleanups) {
        try {
          fn()
        } catch {
          // best effort: the process is going away anyway
        }
      }
    })
  }
  cleanups.add(cleanup)
  return () => {
    cleanups.delete(cleanup)
  }
}

/**
 * Starts a tiny shell that waits on a pipe from this process; when this process dies in any way
 * (even SIGKILL, where no 'exit' handler runs) the pipe closes and the shell kills `pid` and
 * removes `dir`. Returns a disarm function for orderly shutdown.
 */
export function armDeathSentinel(pid: number, dir: string): () => void {
  const script = 'read _ignored; kill -9 "$1" 2>/dev/null; rm -rf -- "$2"'
  const sentinel = spawn('/bin/sh', ['-c', script, 'sentinel', String(pid), dir], {
    stdio: ['pipe', 'ignore', 'ignore'],
    detached: true,
  })
  sentinel.unref()
  // The pipe must not keep the event loop alive.
  ;(sentinel.stdin as unknown as { unref?: () => void }).unref?.()
  sentinel.on('error', () => {})
  sentinel.stdin?.on('error', () => {})
  return () => {
    try {
      sentinel.kill('SIGKILL')
    } catch {
      // already gone
    }
  }
}
