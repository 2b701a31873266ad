import type { IncomingMessage } from 'node:http'
import { errors } from './server-error.ts'

/** Test users: `default` without password, `tributary` with one; a fixed bearer token maps to `tributary`. */
export const CHDB_HTTP_USERS: Readonly<Record<string, string>> = {
  default: '',
  tributary: 'tributary-secret',
}
export const CHDB_HTTP_TEST_USER = 'tributary'
export const CHDB_HTTP_TEST_PASSWORD = 'tributary-secret'
export const CHDB_HTTP_BEARER_TOKEN = 'tributary-test-token'

/**
 * Resolves the user from X-ClickHouse-User/Key, Authorization (Basic or Bearer), or user/password
 * URL params, in that order; throws AUTHENTICATION_FAILED (516) on a wrong name or password.
 */
export function authenticate(request: IncomingMessage, params: URLSearchParams): string {
  const headerUser = request.headers['x-clickhouse-user']
  const headerKey = request.headers['x-clickhouse-key']
  if (typeof headerUser === 'string' || typeof headerKey === 'string') {
    return check(
      typeof headerUser === 'string' ? headerUser : 'default',
      typeof headerKey === 'string' ? headerKey : '',
    )
  }
  const authorization = request.headers.authorization
  if (typeof authorization === 'string') {
    const [scheme, value = ''] = authorization.split(/\s+/, 2)
    if (scheme.toLowerCase() === 'basic') {
      const decoded = Buffer.from(value, 'base64').toString('utf8')
      const colon = decoded.indexOf(':')
      return colon < 0 ? check(decoded, '') : check(decoded.slice(0, colon), decoded.slice(colon + 1))
    }
    if (scheme.toLowerCase() === 'bearer') {
      if (value === CHDB_HTTP_BEARER_TOKEN) return CHDB_HTTP_TEST_USER
      throw errors.authenticationFailed('')
    }
  }
  if (params.has('user') || params.has('password')) {
    return check(params.get('user') ?? 'default', params.get('password') ?? '')
  }
  return check('default', '')
}

function check(user: string, password: string): string {
  const expected = Object.hasOwn(CHDB_HTTP_USERS, user) ? CHDB_HTTP_USERS[user] : undefined
  if (expected === undefined || expected !== password) throw errors.authenticationFailed(user)
  return user
}
