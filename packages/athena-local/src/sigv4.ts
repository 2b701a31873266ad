// Verification of AWS Signature Version 4 (headers and presigned query) and of the SigV2 query form old
// S3 clients still presign with, against the server's static credentials, with AWS's 15-minute skew.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'

export interface Credentials {
  accessKeyId: string
  secretAccessKey: string
}

export interface SignedRequest {
  method: string
  /** Raw path as sent, without the query. */
  path: string
  /** Raw query string without the leading '?'. */
  query: string
  headers: IncomingHttpHeaders
  body: Buffer
  service: 's3' | 'athena'
}

export type AuthFailure =
  | { code: 'MissingAuthenticationToken' }
  | { code: 'InvalidAccessKeyId'; accessKeyId: string }
  | { code: 'SignatureDoesNotMatch'; stringToSign: string; canonicalRequest: string }
  | { code: 'RequestTimeTooSkewed'; requestTime: string; serverTime: Date; future: boolean }
  | { code: 'RequestExpired'; expires: Date; serverTime: Date }
  | { code: 'AuthorizationHeaderMalformed'; message: string }
  | { code: 'XAmzContentSHA256Mismatch'; claimed: string; computed: string }

export const MAX_SKEW_MS = 15 * 60 * 1000

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex')
const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest()

/** AWS URI encoding: unreserved characters stay, everything else becomes %XX (upper case). */
export function awsEncode(value: string, keepSlash = false): string {
  let out = ''
  for (const byte of Buffer.from(value, 'utf8')) {
    const c = String.fromCharCode(byte)
    if (/[A-Za-z0-9\-_.~]/.test(c) || (keepSlash && c === '/')) out += c
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`
  }
  return out
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s)
  } catch {
    return s
  }
}

/** Query parameters as (decoded name, decoded value) pairs, '+' read as a literal plus as AWS does. */
export function parseQuery(query: string): [string, string][] {
  if (!query) return []
  return query
    .split('&')
    .filter((p) => p.length > 0)
    .map((p) => {
      const eq = p.indexOf('=')
      return eq < 0 ? [safeDecode(p), ''] : [safeDecode(p.slice(0, eq)), safeDecode(p.slice(eq + 1))]
    })
}

function canonicalQuery(pairs: [string, string][]): string {
  return pairs
    .map(([k, v]) => [awsEncode(k), awsEncode(v)] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&')
}

function canonicalPath(path: string, service: string): string {
  const segments = path.split('/').map((s) => awsEncode(safeDecode(s)))
  const once = segments.join('/')
  // every service but S3 double-encodes the path
  return service === 's3'
    ? once
    : once
        .split('/')
        .map((s) => awsEncode(s))
        .join('/')
}

function headerValue(headers: IncomingHttpHeaders, name: string): string {
  const v = headers[name]
  if (v === undefined) return ''
  return (Array.isArray(v) ? v.join(',') : String(v)).trim().replace(/\s+/g, ' ')
}

function parseAmzDate(s: string): Date | null {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s)
  if (!m) return null
  return new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!))
}

function equalSignature(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

export interface Verified {
  accessKeyId: string
  /** How the payload is framed (S3 aws-chunked uploads). */
  contentSha256: string
  region: string
  signingKey?: Buffer
  signature?: string
  scope?: string
  amzDate?: string
}

/** Checks a request's signature; returns the failure AWS would report, or the verified identity. */
export function verify(
  req: SignedRequest,
  creds: Credentials,
  now: Date,
  skewMs = MAX_SKEW_MS,
): Verified | AuthFailure {
  const pairs = parseQuery(req.query)
  const q = new Map(pairs)
  const auth = headerValue(req.headers, 'authorization')
  if (auth.startsWith('AWS4-HMAC-SHA256')) return verifyHeader(req, auth, pairs, creds, now, skewMs)
  if (q.get('X-Amz-Algorithm') === 'AWS4-HMAC-SHA256') return verifyPresigned(req, pairs, creds, now)
  if (req.service === 's3' && q.has('AWSAccessKeyId') && q.has('Signature'))
    return verifyV2Query(req, q, creds, now)
  return { code: 'MissingAuthenticationToken' }
}

function verifyHeader(
  req: SignedRequest,
  auth: string,
  pairs: [string, string][],
  creds: Credentials,
  now: Date,
  skewMs: number,
): Verified | AuthFailure {
  const fields = new Map<string, string>()
  for (const part of auth.slice('AWS4-HMAC-SHA256'.length).split(',')) {
    const eq = part.indexOf('=')
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim())
  }
  const credential = fields.get('Credential')
  const signedHeaders = fields.get('SignedHeaders')
  const signature = fields.get('Signature')
  if (!credential || !signedHeaders || !signature) {
    return { code: 'AuthorizationHeaderMalformed', message: 'The authorization header is malformed' }
  }
  const [accessKeyId, date, region, service, terminal] = credential.split('/')
  if (!accessKeyId || !date || !region || !service || terminal !== 'aws4_request') {
    return {
      code: 'AuthorizationHeaderMalformed',
      message: 'The authorization header is malformed; the Credential is mal-formed',
    }
  }
  if (accessKeyId !== creds.accessKeyId) return { code: 'InvalidAccessKeyId', accessKeyId }
  const amzDate = headerValue(req.headers, 'x-amz-date') || ''
  const when =
    parseAmzDate(amzDate) ??
    (headerValue(req.headers, 'date') ? new Date(headerValue(req.headers, 'date')) : null)
  if (!when || Number.isNaN(when.getTime())) {
    return { code: 'AuthorizationHeaderMalformed', message: 'Missing or invalid X-Amz-Date header' }
  }
  const skew = when.getTime() - now.getTime()
  if (Math.abs(skew) > skewMs)
    return { code: 'RequestTimeTooSkewed', requestTime: amzDate, serverTime: now, future: skew > 0 }
  let contentSha256 = headerValue(req.headers, 'x-amz-content-sha256')
  const payloadHash = contentSha256 || sha256(req.body)
  if (/^[0-9a-f]{64}$/.test(contentSha256)) {
    const computed = sha256(req.body)
    if (computed !== contentSha256)
      return { code: 'XAmzContentSHA256Mismatch', claimed: contentSha256, computed }
  }
  if (!contentSha256) contentSha256 = payloadHash
  const headerNames = signedHeaders.split(';')
  const canonicalHeaders = headerNames.map((h) => `${h}:${headerValue(req.headers, h)}\n`).join('')
  const canonicalRequest = [
    req.method,
    canonicalPath(req.path, service),
    canonicalQuery(pairs),
    canonicalHeaders,
    signedHeaders,
    payloadHash,
  ].join('\n')
  const scope = `${date}/${region}/${service}/aws4_request`
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonicalRequest)].join('\n')
  const key = signingKey(creds.secretAccessKey, date, region, service)
  const expected = createHmac('sha256', key).update(stringToSign).digest('hex')
  if (!equalSignature(expected, signature))
    return { code: 'SignatureDoesNotMatch', stringToSign, canonicalRequest }
  return { accessKeyId, contentSha256, region, signingKey: key, signature, scope, amzDate }
}

function verifyPresigned(
  req: SignedRequest,
  pairs: [string, string][],
  creds: Credentials,
  now: Date,
): Verified | AuthFailure {
  const q = new Map(pairs)
  const [accessKeyId, date, region, service] = (q.get('X-Amz-Credential') ?? '').split('/')
  if (!accessKeyId || !date || !region || !service) {
    return { code: 'AuthorizationHeaderMalformed', message: 'X-Amz-Credential is malformed' }
  }
  if (accessKeyId !== creds.accessKeyId) return { code: 'InvalidAccessKeyId', accessKeyId }
  const amzDate = q.get('X-Amz-Date') ?? ''
  const when = parseAmzDate(amzDate)
  if (!when) return { code: 'AuthorizationHeaderMalformed', message: 'X-Amz-Date is malformed' }
  const expires = Number(q.get('X-Amz-Expires') ?? '0')
  const expiry = new Date(when.getTime() + expires * 1000)
  if (expiry.getTime() < now.getTime()) return { code: 'RequestExpired', expires: expiry, serverTime: now }
  if (when.getTime() - now.getTime() > MAX_SKEW_MS)
    return { code: 'RequestTimeTooSkewed', requestTime: amzDate, serverTime: now, future: true }
  const signature = q.get('X-Amz-Signature') ?? ''
  const signedHeaders = q.get('X-Amz-SignedHeaders') ?? 'host'
  const canonicalHeaders = signedHeaders
    .split(';')
    .map((h) => `${h}:${headerValue(req.headers, h)}\n`)
    .join('')
  const canonicalRequest = [
    req.method,
    canonicalPath(req.path, service),
    canonicalQuery(pairs.filter(([k]) => k !== 'X-Amz-Signature')),
    canonicalHeaders,
    signedHeaders,
    headerValue(req.headers, 'x-amz-content-sha256') || 'UNSIGNED-PAYLOAD',
  ].join('\n')
  const scope = `${date}/${region}/${service}/aws4_request`
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonicalRequest)].join('\n')
  const expected = createHmac('sha256', signingKey(creds.secretAccessKey, date, region, service))
    .update(stringToSign)
    .digest('hex')
  if (!equalSignature(expected, signature))
    return { code: 'SignatureDoesNotMatch', stringToSign, canonicalRequest }
  return { accessKeyId, contentSha256: 'UNSIGNED-PAYLOAD', region }
}

/** Sub-resources that take part in a SigV2 string to sign. */
const V2_SUBRESOURCES = new Set([
  'acl',
  'cors',
  'delete',
  'lifecycle',
  'location',
  'logging',
  'notification',
  'partNumber',
  'policy',
  'requestPayment',
  'response-cache-control',
  'response-content-disposition',
  'response-content-encoding',
  'response-content-language',
  'response-content-type',
  'response-expires',
  'restore',
  'tagging',
  'torrent',
  'uploadId',
  'uploads',
  'versionId',
  'versioning',
  'versions',
  'website',
])

function verifyV2Query(
  req: SignedRequest,
  q: Map<string, string>,
  creds: Credentials,
  now: Date,
): Verified | AuthFailure {
  const accessKeyId = q.get('AWSAccessKeyId')!
  if (accessKeyId !== creds.accessKeyId) return { code: 'InvalidAccessKeyId', accessKeyId }
  const expires = Number(q.get('Expires') ?? '0')
  if (expires * 1000 < now.getTime())
    return { code: 'RequestExpired', expires: new Date(expires * 1000), serverTime: now }
  const amz = Object.keys(req.headers)
    .filter((h) => h.startsWith('x-amz-'))
    .sort()
    .map((h) => `${h}:${headerValue(req.headers, h)}\n`)
    .join('')
  const sub = [...q.entries()]
    .filter(([k]) => V2_SUBRESOURCES.has(k))
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => (v === '' ? k : `${k}=${v}`))
  const resource = req.path + (sub.length > 0 ? `?${sub.join('&')}` : '')
  const stringToSign = [
    req.method,
    headerValue(req.headers, 'content-md5'),
    headerValue(req.headers, 'content-type'),
    String(expires),
    amz + resource,
  ].join('\n')
  const expected = createHmac('sha1', creds.secretAccessKey).update(stringToSign).digest('base64')
  if (!equalSignature(expected, q.get('Signature')!))
    return { code: 'SignatureDoesNotMatch', stringToSign, canonicalRequest: '' }
  return { accessKeyId, contentSha256: 'UNSIGNED-PAYLOAD', region: 'us-east-1' }
}

export function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  const kDate = hmac(`AWS4${secret}`, date)
  const kRegion = hmac(kDate, region)
  const kService = hmac(kRegion, service)
  return hmac(kService, 'aws4_request')
}

/** Formats a date as AWS's basic ISO form, `20200101T000000Z`. */
export function amzDate(d: Date): string {
  return d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '')
}
