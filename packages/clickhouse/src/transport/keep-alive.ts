/**
 * Keep-alive reuse without the stale-socket race.
 *
 * undici (8.x, `dispatcher/client-h1.js`) already reads the server's
 * `Keep-Alive: timeout=N` hint after each response and keeps the idle socket
 * for `N*1000 - keepAliveTimeoutThreshold` ms (capped by `keepAliveMaxTimeout`);
 * without a hint it uses `keepAliveTimeout`. So the margin is the threshold,
 * and the no-hint default must be below the shortest server timeout we know
 * (3 s on ClickHouse Cloud and servers before 23.11). What remains is the race
 * where the server closes a socket at the moment it is reused: one retry, for
 * replayable requests only.
 */

export interface KeepAliveOptions {
  keepAliveTimeout: number
  keepAliveTimeoutThreshold: number
  keepAliveMaxTimeout: number
}

/** The shortest keep-alive timeout ClickHouse servers are known to use, in ms. */
const SHORTEST_SERVER_TIMEOUT_MS = 3000

export function keepAliveOptions(marginMs: number): KeepAliveOptions {
  return {
    keepAliveTimeout: Math.max(1, SHORTEST_SERVER_TIMEOUT_MS - marginMs),
    keepAliveTimeoutThreshold: marginMs,
    keepAliveMaxTimeout: 600_000,
  }
}

const STALE_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'ECONNABORTED'])

/**
 * Whether an error before any response byte looks like a socket the server had
 * already closed (as opposed to a refused connection or a timeout).
 */
export function isStaleSocketError(error: unknown): boolean {
  let current: unknown = error
  for (let depth = 0; depth < 3 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code
    if (typeof code === 'string' && STALE_CODES.has(code)) return true
    if (/other side closed|socket hang up/i.test(current.message)) return true
    current = current.cause
  }
  return false
}
