/**
 * BLOB cells that newer Mapepire servers do not inline: the cell is
 * `{"JBLOB": {"blob_url": "/blob/<token>", "size": n}}` and the bytes are
 * fetched once with `GET <blob_url>` and the socket's own Basic credentials.
 */
import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { ConnectionError, ProtocolError, TimeoutError } from '@tributary/core'
import { SYSTEM } from '../errors.ts'

export interface BlobFetchOptions {
  /** The socket's URL (`wss://host:port/db/`); the blob URL is resolved against its origin. */
  socketUrl: string
  user: string
  password: string
  ca?: string | Buffer | (string | Buffer)[] | undefined
  rejectUnauthorized?: boolean | undefined
  timeoutMs: number
  /** Largest BLOB accepted, in bytes. */
  maxBytes: number
}

export function fetchBlob(path: string, options: BlobFetchOptions): Promise<Buffer> {
  const origin = new URL(options.socketUrl)
  const url = new URL(path, `${origin.protocol === 'wss:' ? 'https:' : 'http:'}//${origin.host}`)
  if (url.host !== origin.host) {
    return Promise.reject(
      new ProtocolError('Mapepire named a BLOB on another host; it was not fetched', { system: SYSTEM }),
    )
  }
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest
  const authorization = `Basic ${Buffer.from(`${options.user}:${options.password}`).toString('base64')}`
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'GET',
        headers: { authorization },
        ca: options.ca,
        rejectUnauthorized: options.rejectUnauthorized ?? true,
        timeout: options.timeoutMs,
      },
      (res) => {
        if (res.statusCode !== 200) {
          res.resume()
          reject(
            new ConnectionError(`fetching a BLOB from Mapepire answered ${res.statusCode}`, {
              system: SYSTEM,
              code: `HTTP_${res.statusCode}`,
            }),
          )
          return
        }
        const chunks: Buffer[] = []
        let size = 0
        res.on('data', (chunk: Buffer) => {
          size += chunk.length
          if (size > options.maxBytes) {
            req.destroy(
              new ProtocolError(`a BLOB is larger than maxBlobBytes (${options.maxBytes})`, {
                system: SYSTEM,
              }),
            )
            return
          }
          chunks.push(chunk)
        })
        res.on('end', () => resolve(Buffer.concat(chunks)))
        res.on('error', reject)
      },
    )
    req.on('timeout', () =>
      req.destroy(
        new TimeoutError(`fetching a BLOB took longer than ${options.timeoutMs} ms`, {
          system: SYSTEM,
          code: 'REPLY_TIMEOUT',
        }),
      ),
    )
    req.on('error', (error) =>
      reject(
        error instanceof ProtocolError || error instanceof TimeoutError
          ? error
          : new ConnectionError(`fetching a BLOB from Mapepire failed: ${error.message}`, {
              system: SYSTEM,
              cause: error,
            }),
      ),
    )
    req.end()
  })
}
