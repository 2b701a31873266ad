// One HTTP listener for both services: requests with `X-Amz-Target: AmazonAthena.*` go to the Athena API,
// everything else to the S3 API (path style). Every request is SigV4-verified first, and refused in the
// shape each service uses (JSON for Athena, XML for S3).
import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { performance } from 'node:perf_hooks'
import { type Logger, log } from '@tributary/core'
import type { AthenaApi } from './athena/api.ts'
import { ApiError } from './athena/errors.ts'
import type { Latency } from './athena/executions.ts'
import { type S3Api, sendS3Error } from './s3/api.ts'
import type { XmlNode } from './s3/xml.ts'
import { type AuthFailure, amzDate, type Credentials, MAX_SKEW_MS, verify } from './sigv4.ts'

export interface ServerParts {
  athena: AthenaApi
  s3: S3Api
  credentials: Credentials
  latency: Latency
  verifySignatures: boolean
  logger?: Logger | undefined
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

/** An answer ready to be written: the status, the headers and the body's bytes. */
interface Answer {
  status: number
  headers: Record<string, string | number>
  body: Buffer
}

function jsonAnswer(status: number, body: unknown, headers: Record<string, string> = {}): Answer {
  const bytes = Buffer.from(JSON.stringify(body), 'utf8')
  return {
    status,
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'content-length': bytes.length,
      'x-amzn-requestid': randomUUID(),
      ...headers,
    },
    body: bytes,
  }
}

function apiErrorAnswer(err: ApiError): Answer {
  return jsonAnswer(
    err.status,
    { __type: err.type, Message: err.message, message: err.message, ...err.fields },
    { 'x-amzn-errortype': err.type },
  )
}

function write(res: ServerResponse, answer: Answer): void {
  res.writeHead(answer.status, answer.headers)
  res.end(answer.body)
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  write(res, jsonAnswer(status, body))
}

/** Athena's answers to a bad signature (AWS JSON services). */
function athenaAuthError(f: AuthFailure): ApiError {
  switch (f.code) {
    case 'MissingAuthenticationToken':
      return new ApiError('MissingAuthenticationTokenException', 'Missing Authentication Token', {}, 400)
    case 'InvalidAccessKeyId':
      return new ApiError(
        'UnrecognizedClientException',
        'The security token included in the request is invalid.',
        {},
        400,
      )
    case 'SignatureDoesNotMatch':
      return new ApiError(
        'InvalidSignatureException',
        'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
        {},
        400,
      )
    case 'RequestTimeTooSkewed': {
      const server = f.serverTime
      const bound = new Date(server.getTime() + (f.future ? MAX_SKEW_MS : -MAX_SKEW_MS))
      return new ApiError(
        'InvalidSignatureException',
        f.future
          ? `Signature not yet current: ${f.requestTime} is still later than ${amzDate(bound)} (${amzDate(server)} + 15 min.)`
          : `Signature expired: ${f.requestTime} is now earlier than ${amzDate(bound)} (${amzDate(server)} - 15 min.)`,
        {},
        400,
      )
    }
    case 'RequestExpired':
      return new ApiError('InvalidSignatureException', 'Signature expired', {}, 400)
    case 'AuthorizationHeaderMalformed':
      return new ApiError('IncompleteSignatureException', f.message, {}, 400)
    case 'XAmzContentSHA256Mismatch':
      return new ApiError(
        'InvalidSignatureException',
        'The provided x-amz-content-sha256 header does not match what was computed.',
        {},
        400,
      )
  }
}

function s3AuthError(f: AuthFailure): [number, string, string, XmlNode] {
  switch (f.code) {
    case 'MissingAuthenticationToken':
      return [403, 'AccessDenied', 'Access Denied', {}]
    case 'InvalidAccessKeyId':
      return [
        403,
        'InvalidAccessKeyId',
        'The AWS Access Key Id you provided does not exist in our records.',
        { AWSAccessKeyId: f.accessKeyId },
      ]
    case 'SignatureDoesNotMatch':
      return [
        403,
        'SignatureDoesNotMatch',
        'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
        { StringToSign: f.stringToSign, CanonicalRequest: f.canonicalRequest },
      ]
    case 'RequestTimeTooSkewed':
      return [
        403,
        'RequestTimeTooSkewed',
        'The difference between the request time and the current time is too large.',
        {
          RequestTime: f.requestTime,
          ServerTime: f.serverTime.toISOString(),
          MaxAllowedSkewMilliseconds: MAX_SKEW_MS,
        },
      ]
    case 'RequestExpired':
      return [
        403,
        'AccessDenied',
        'Request has expired',
        { Expires: f.expires.toISOString(), ServerTime: f.serverTime.toISOString() },
      ]
    case 'AuthorizationHeaderMalformed':
      return [400, 'AuthorizationHeaderMalformed', f.message, {}]
    case 'XAmzContentSHA256Mismatch':
      return [
        400,
        'XAmzContentSHA256Mismatch',
        "The provided 'x-amz-content-sha256' header does not match what was computed.",
        { ClientComputedContentSHA256: f.claimed, S3ComputedContentSHA256: f.computed },
      ]
  }
}

export function createAthenaLocalServer(parts: ServerParts): { server: Server; sockets: Set<Socket> } {
  const sockets = new Set<Socket>()
  const server = createServer((req, res) => {
    handle(parts, req, res).catch((err: unknown) => {
      if (!res.headersSent) {
        sendJson(res, 500, {
          __type: 'InternalServerException',
          Message: err instanceof Error ? err.message : String(err),
        })
      } else {
        res.destroy()
      }
    })
  })
  server.on('connection', (s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  return { server, sockets }
}

async function handle(parts: ServerParts, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const started = Date.now()
  const arrived = performance.now()
  const body = await readBody(req)
  const url = req.url ?? '/'
  const q = url.indexOf('?')
  const path = q < 0 ? url : url.slice(0, q)
  const query = q < 0 ? '' : url.slice(q + 1)
  const target = String(req.headers['x-amz-target'] ?? '')
  const isAthena = target.startsWith('AmazonAthena.')
  const method = req.method ?? 'GET'
  const done = (status: number) =>
    log(parts.logger, 'debug', 'request', {
      service: isAthena ? 'athena' : 's3',
      operation: isAthena ? target.slice(13) : `${method} ${path}`,
      status,
      ms: Date.now() - started,
    })
  let contentSha256 = ''
  if (parts.verifySignatures) {
    const verified = verify(
      { method, path, query, headers: req.headers, body, service: isAthena ? 'athena' : 's3' },
      parts.credentials,
      new Date(),
    )
    if ('code' in verified) {
      if (isAthena) await answerAthena(parts, res, arrived, apiErrorAnswer(athenaAuthError(verified)))
      else {
        const [status, code, message, extra] = s3AuthError(verified)
        sendS3Error(res, status, code, message, extra, method === 'HEAD')
      }
      done(res.statusCode)
      return
    }
    contentSha256 = verified.contentSha256
  } else {
    contentSha256 = String(req.headers['x-amz-content-sha256'] ?? '')
  }
  if (!isAthena) {
    await parts.s3.handle({ req, res, method, path, query, body, contentSha256 })
    done(res.statusCode)
    return
  }
  const answer = athenaAnswer(parts, target.slice('AmazonAthena.'.length), body)
  await answerAthena(parts, res, arrived, await answer)
  done(res.statusCode)
}

/** The Athena API's answer to one call, worked out at once (written later, see `answerAthena`). */
async function athenaAnswer(parts: ServerParts, operation: string, body: Buffer): Promise<Answer> {
  let input: Record<string, unknown>
  try {
    input = body.length > 0 ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : {}
  } catch {
    return apiErrorAnswer(
      new ApiError('SerializationException', 'Start of structure or map found where not expected.'),
    )
  }
  try {
    return jsonAnswer(200, await parts.athena.handle(operation, input))
  } catch (err) {
    if (err instanceof ApiError) return apiErrorAnswer(err)
    throw err
  }
}

/**
 * Writes an Athena answer no earlier than `latency.apiMs` after its call arrived. The work of answering
 * (the query's state, a page of rows, their JSON) happens within that time, as a real service's does
 * within the round trip its clients see, rather than after it.
 */
async function answerAthena(
  parts: ServerParts,
  res: ServerResponse,
  arrived: number,
  answer: Answer,
): Promise<void> {
  const wait = arrived + parts.latency.apiMs - performance.now()
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
  write(res, answer)
}
