import type { IncomingMessage } from 'node:http'
import type { Readable } from 'node:stream'
import zlib from 'node:zlib'
import { errors } from './server-error.ts'
import { type InsertWithData, parseInsertWithData } from './statement.ts'

/** Bytes buffered to recognise an INSERT … FORMAT statement at the start of the body. */
const HEAD_LIMIT = 64 * 1024
/** Bound for a non-INSERT body, which is read whole as the query text. */
const QUERY_LIMIT = 256 * 1024 * 1024

/** The request body, decoded according to Content-Encoding. */
export function decodedBody(request: IncomingMessage): Readable {
  const encoding = String(request.headers['content-encoding'] ?? '')
    .trim()
    .toLowerCase()
  switch (encoding) {
    case '':
    case 'identity':
      return request
    case 'gzip':
    case 'x-gzip':
      return request.pipe(zlib.createGunzip())
    case 'deflate':
      return request.pipe(zlib.createInflate())
    case 'br':
      return request.pipe(zlib.createBrotliDecompress())
    case 'zstd':
      return request.pipe(zlib.createZstdDecompress())
    default:
      throw errors.badArguments(`Unknown HTTP Content-Encoding: ${encoding}`)
  }
}

export type QueryInput =
  | { kind: 'query'; sql: string }
  | { kind: 'insert'; sql: string; insert: InsertWithData; data: AsyncIterable<Buffer> }

async function* concatenated(first: Buffer, rest: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  if (first.length > 0) yield first
  for (;;) {
    const next = await rest.next()
    if (next.done) return
    yield next.value
  }
}

/**
 * Splits the request into query text and (for INSERT … FORMAT X) a data stream.
 * The URL `query` and the body are joined with a newline, as the real server does.
 */
export async function readQueryInput(urlQuery: string, body: Readable): Promise<QueryInput> {
  const iterator = body[Symbol.asyncIterator]() as AsyncIterator<Buffer>
  if (urlQuery.length > 0) {
    const fromUrl = parseInsertWithData(urlQuery)
    if (fromUrl !== undefined) {
      const inline = Buffer.from(urlQuery.slice(fromUrl.dataOffset), 'utf8')
      return {
        kind: 'insert',
        sql: fromUrl.insert.statement,
        insert: fromUrl.insert,
        data: concatenated(inline, iterator),
      }
    }
  }
  const prefix = urlQuery.length > 0 ? Buffer.from(`${urlQuery}\n`, 'utf8') : Buffer.alloc(0)
  const chunks: Buffer[] = [prefix]
  let total = prefix.length
  let ended = false
  while (total - prefix.length < HEAD_LIMIT) {
    const next = await iterator.next()
    if (next.done) {
      ended = true
      break
    }
    chunks.push(next.value)
    total += next.value.length
  }
  const head = Buffer.concat(chunks)
  // latin1 keeps one char per byte, so the offset found is a byte offset.
  const parsed = parseInsertWithData(head.toString('latin1'))
  if (parsed !== undefined) {
    const statement = head.subarray(0, parsed.dataOffset).toString('utf8')
    const again = parseInsertWithData(statement) ?? parsed
    const rest = head.subarray(parsed.dataOffset)
    const data = ended ? concatenated(rest, emptyIterator()) : concatenated(rest, iterator)
    return { kind: 'insert', sql: again.insert.statement, insert: again.insert, data }
  }
  const all: Buffer[] = [head]
  let size = head.length
  while (!ended) {
    const next = await iterator.next()
    if (next.done) break
    all.push(next.value)
    size += next.value.length
    if (size > QUERY_LIMIT) throw errors.badArguments('Query is too large for the test endpoint')
  }
  let sql = Buffer.concat(all).toString('utf8')
  if (urlQuery.length > 0 && sql === `${urlQuery}\n`) sql = urlQuery
  return { kind: 'query', sql }
}

function emptyIterator(): AsyncIterator<Buffer> {
  return { next: async () => ({ done: true, value: undefined }) }
}
