/**
 * Parquet row groups decoded on a worker thread. hyparquet decodes and
 * assembles a whole row group (100,000 rows is common) in one stretch, which
 * on the main thread holds its event loop for that long; on a worker it holds
 * nothing. The worker asks for each byte range it reads and this thread
 * fetches it through the transport (its retries, its signal, its typed
 * errors), handing the bytes over without a copy. Rows come back in slices of
 * `SLICE_ROWS`, in columns of typed arrays where they can (`row-slices.ts`), on a port of their own that this thread never listens to: each
 * slice is taken off it when the consumer wants rows (`receiveMessageOnPort`),
 * so a decoded row group waiting there costs this thread nothing until then,
 * and no more than one slice is deserialized at a time.
 *
 * One worker per read, ended by `close()` (the reader's end, an early break,
 * an error or an abort). While no row group is being decoded the worker does
 * not keep the process alive.
 */
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads'
import type { AsyncBuffer } from 'hyparquet'
import type { ParquetFile } from './parquet.ts'
import type { FromDecoder, ToDecoder } from './parquet-worker.ts'
import { decodeSlice, type RowSlice } from './row-slices.ts'

/** Rows handed back at a time. */
export const SLICE_ROWS = 1000

const WORKER_URL = new URL(
  import.meta.url.endsWith('.ts') ? './parquet-worker.ts' : './parquet-worker.js',
  import.meta.url,
)

interface Job {
  /** Set when the worker has decoded the row group. */
  slices: number | undefined
  taken: number
  error: unknown
  wake: (() => void) | undefined
}

/** The decoder's own failure (not the data's), e.g. a worker that could not start. */
export class DecoderFailure extends Error {
  override name = 'DecoderFailure'
}

/** A row group the decoder could not decode (a corrupt or truncated file). */
export class ParquetDecodeError extends Error {
  override name = 'ParquetDecodeError'
}

let running = 0

function abortError(): Error {
  return Object.assign(new Error('the read was aborted'), { name: 'AbortError' })
}

/** Decoder workers alive now (tests check that every read releases its worker). */
export function runningParquetDecoders(): number {
  return running
}

export class ParquetDecoder {
  readonly #worker: Worker
  readonly #rows: MessagePort
  readonly #files = new Map<ParquetFile, number>()
  readonly #buffers: AsyncBuffer[] = []
  readonly #jobs = new Map<number, Job>()
  readonly #signal: AbortSignal | undefined
  #nextJob = 0
  #closed = false
  #failure: unknown

  constructor(signal?: AbortSignal) {
    this.#signal = signal
    const { port1, port2 } = new MessageChannel()
    this.#rows = port1
    this.#worker = new Worker(WORKER_URL, {
      workerData: { rows: port2, sliceRows: SLICE_ROWS },
      transferList: [port2],
    })
    running++
    this.#worker.unref()
    this.#worker.on('message', (message: FromDecoder) => this.#onMessage(message))
    this.#worker.on('error', (error) =>
      this.#fail(new DecoderFailure(`the Parquet decoder failed: ${error.message}`)),
    )
    this.#worker.on('exit', (code) => {
      if (!this.#closed) this.#fail(new DecoderFailure(`the Parquet decoder stopped (exit code ${code})`))
    })
  }

  /** Starts decoding row group `group` of `file`; its rows are then pulled with `rows(job)`, in the order started. */
  start(file: ParquetFile, group: number): number {
    let id = this.#files.get(file)
    if (id === undefined) {
      id = this.#buffers.length
      this.#buffers.push(file.buffer)
      this.#files.set(file, id)
      this.#post({ kind: 'open', file: id, metadata: file.metadata, byteLength: file.buffer.byteLength })
    }
    const job = this.#nextJob++
    this.#jobs.set(job, { slices: undefined, taken: 0, error: this.#failure, wake: undefined })
    this.#post({ kind: 'decode', job, file: id, group })
    this.#keepAlive()
    return job
  }

  /** The rows of a started row group, a slice at a time. */
  async *rows(job: number): AsyncGenerator<unknown[][], void, undefined> {
    const state = this.#jobs.get(job)
    if (!state) throw new DecoderFailure(`no row group ${job} was started`)
    try {
      while (state.slices === undefined && state.error === undefined) await this.#wait(state)
      if (state.error !== undefined) throw state.error
      while (state.taken < state.slices!) {
        if (this.#signal?.aborted) throw abortError()
        const slice = this.#take(job)
        state.taken++
        yield slice
      }
    } finally {
      this.#jobs.delete(job)
    }
  }

  /** Ends the worker; pending and later calls fail. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    running--
    this.#fail(new DecoderFailure('the Parquet decoder was closed'))
    this.#rows.close()
    await this.#worker.terminate()
  }

  /** The next slice of `job` off the rows port (a slice of an abandoned earlier job is dropped). */
  #take(job: number): unknown[][] {
    for (;;) {
      const received = receiveMessageOnPort(this.#rows)
      // The worker posts a row group's slices before it reports it decoded, so they are there.
      if (received === undefined) throw new DecoderFailure(`row group ${job} came back short`)
      const slice = received.message as RowSlice
      if (slice.job === job) return decodeSlice(slice)
    }
  }

  #wait(state: Job): Promise<void> {
    return new Promise<void>((resolve) => {
      const signal = this.#signal
      const onAbort = () => {
        state.error ??= abortError()
        resolve()
      }
      if (signal?.aborted) return onAbort()
      signal?.addEventListener('abort', onAbort, { once: true })
      state.wake = () => {
        signal?.removeEventListener('abort', onAbort)
        resolve()
      }
    })
  }

  #onMessage(message: FromDecoder): void {
    if (this.#closed) return
    switch (message.kind) {
      case 'read': {
        const buffer = this.#buffers[message.file]!
        Promise.resolve(buffer.slice(message.start, message.end)).then(
          (bytes) => this.#post({ kind: 'bytes', request: message.request, bytes }, [bytes]),
          (error: unknown) => {
            // The read's own error (typed, naming the query) is what the job fails with.
            this.#settle(message.job, (job) => {
              job.error ??= error
            })
            this.#post({ kind: 'bytes', request: message.request, bytes: undefined })
          },
        )
        break
      }
      case 'decoded':
        this.#settle(message.job, (job) => {
          job.slices = message.slices
        })
        break
      case 'failed':
        this.#settle(message.job, (job) => {
          job.error ??= new ParquetDecodeError(message.message)
        })
        break
    }
  }

  #settle(id: number, update: (job: Job) => void): void {
    const job = this.#jobs.get(id)
    if (job) {
      update(job)
      job.wake?.()
      job.wake = undefined
    }
    this.#keepAlive()
  }

  #fail(error: unknown): void {
    this.#failure ??= error
    for (const job of this.#jobs.values()) {
      job.error ??= error
      job.wake?.()
      job.wake = undefined
    }
  }

  #post(message: ToDecoder, transfer?: ArrayBuffer[]): void {
    if (!this.#closed) this.#worker.postMessage(message, transfer)
  }

  /** Keeps the process alive while a row group is being decoded, and only then. */
  #keepAlive(): void {
    if (this.#closed) return
    let decoding = false
    for (const job of this.#jobs.values())
      if (job.slices === undefined && job.error === undefined) decoding = true
    if (decoding) this.#worker.ref()
    else this.#worker.unref()
  }
}
