import { randomBytes } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Writable } from 'node:stream'
import zlib from 'node:zlib'

/** Picks the response Content-Encoding when enable_http_compression=1, by the client's Accept-Encoding. */
export function chooseResponseEncoding(request: IncomingMessage, enabled: boolean): string | undefined {
  if (!enabled) return undefined
  const accepted = String(request.headers['accept-encoding'] ?? '')
    .toLowerCase()
    .split(',')
    .map((part) => part.split(';')[0].trim())
  for (const name of ['gzip', 'deflate', 'br', 'zstd']) {
    if (accepted.includes(name)) return name
  }
  return undefined
}

function encoderFor(encoding: string): Writable & NodeJS.ReadableStream {
  switch (encoding) {
    case 'gzip':
      return zlib.createGzip()
    case 'deflate':
      return zlib.createDeflate()
    case 'br':
      return zlib.createBrotliCompress()
    default:
      return zlib.createZstdCompress()
  }
}

/** Random alphanumeric tag for the mid-stream exception block (sent in X-ClickHouse-Exception-Tag). */
export function newExceptionTag(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'
  return Array.from(randomBytes(16), (byte) => alphabet[byte % alphabet.length]).join('')
}

/**
 * The 25.11+ block appended to a 200 response when the query fails after output began:
 * `\r\n__exception__\r\n<TAG>\r\n<message>\n<len> <TAG>\r\n__exception__\r\n`,
 * where <len> counts the message bytes plus its newline.
 */
export function exceptionBlock(tag: string, message: string): Buffer {
  const text = `${message}\n`
  const length = Buffer.byteLength(text, 'utf8')
  return Buffer.from(`\r\n__exception__\r\n${tag}\r\n${text}${length} ${tag}\r\n__exception__\r\n`, 'utf8')
}

/** Writes body bytes with backpressure, through an optional compressor. */
export class BodyWriter {
  readonly #response: ServerResponse
  readonly #sink: Writable
  readonly #encoder: (Writable & NodeJS.ReadableStream) | undefined
  #closed = false

  constructor(response: ServerResponse, encoding: string | undefined) {
    this.#response = response
    if (encoding !== undefined) {
      this.#encoder = encoderFor(encoding)
      this.#encoder.pipe(response)
      this.#sink = this.#encoder
    } else {
      this.#sink = response
    }
    response.once('close', () => {
      this.#closed = true
    })
  }

  get closed(): boolean {
    return this.#closed || this.#response.destroyed
  }

  async write(bytes: Uint8Array): Promise<void> {
    if (this.closed || bytes.length === 0) return
    if (!this.#sink.write(bytes)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          this.#sink.off('drain', done)
          this.#response.off('close', done)
          resolve()
        }
        this.#sink.once('drain', done)
        this.#response.once('close', done)
      })
    }
  }

  /** Flushes what the compressor holds so far (so a mid-stream fault still cuts real data). */
  flush(): Promise<void> {
    const encoder = this.#encoder as unknown as { flush?: (callback: () => void) => void } | undefined
    if (encoder?.flush === undefined) return Promise.resolve()
    return new Promise((resolve) => encoder.flush!(() => resolve()))
  }

  end(): void {
    if (this.closed) return
    this.#sink.end()
  }
}
