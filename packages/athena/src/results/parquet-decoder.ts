/**
 * Parquet row groups decoded on worker threads. hyparquet decodes and
 * assembles a whole row group (100,000 rows is common) in one stretch, which
 * on the main thread holds its event loop for that long; on a worker it holds
 * nothing.
 *
 * `ParquetDecoderPool` owns the workers: at most `threads` of them, started
 * when first needed, shared by every read that uses the pool (by default one
 * pool per process, `defaultParquetDecoderPool()`), so twenty concurrent
 * unload reads still decode on `threads` workers. Row groups wait for a
 * worker in the order they were asked for. A read (`ParquetDecoder`) asks for
 * its row groups and takes their rows in that order.
 *
 * A worker asks for each byte range it reads and this thread fetches it
 * through the transport (its retries, its signal, its typed errors), handing
 * the bytes over without a copy. Rows come back in slices of `SLICE_ROWS`, in
 * columns of typed arrays where they can (`row-slices.ts`), on a port of the
 * row group's own that this thread never listens to: each slice is taken off
 * it when the consumer wants rows (`receiveMessageOnPort`), so a decoded row
 * group waiting there costs this thread nothing until then, and no more than
 * one slice is deserialized at a time.
 *
 * A read that ends (its last row, an early break, an error, an abort) lets go
 * of what it holds: row groups still waiting leave the queue, and a worker
 * busy with one of its row groups is ended (a decoding stretch cannot be
 * interrupted), so its place is free at once and a new worker is started when
 * one is needed. A worker keeps the process alive only while it decodes, and
 * one left idle for `IDLE_MS` ends.
 */
import { availableParallelism } from 'node:os'
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads'
import type { AsyncBuffer, FileMetaData } from 'hyparquet'
import type { ParquetFile } from './parquet.ts'
import type { FromDecoder, ToDecoder } from './parquet-worker.ts'
import { decodeSlice, type RowSlice } from './row-slices.ts'

/** Rows handed back at a time. */
export const SLICE_ROWS = 1000

/**
 * A decoder's young generation: decoding allocates values that die within the row group, and V8's default
 * lets each worker's heap grow far past what it keeps (2 workers, 1M rows: 521 MB peak RSS by default, 334 MB
 * with this, at the same speed).
 */
const YOUNG_GENERATION_MB = 16

/** An idle worker ends after this long. */
const IDLE_MS = 10_000

const WORKER_URL = new URL(
  import.meta.url.endsWith('.ts') ? './parquet-worker.ts' : './parquet-worker.js',
  import.meta.url,
)

/** The decoder's own failure (not the data's), e.g. a worker that could not start. */
export class DecoderFailure extends Error {
  override name = 'DecoderFailure'
}

/** A row group the decoder could not decode (a corrupt or truncated file). */
export class ParquetDecodeError extends Error {
  override name = 'ParquetDecodeError'
}

function abortError(): Error {
  return Object.assign(new Error('the read was aborted'), { name: 'AbortError' })
}

/**
 * Worker threads: one fewer than the cores Node may use, so that the main thread keeps one, but at least
 * 2 where there are 2 cores or more (decoding is most of the work in unload mode; the main thread's share is
 * fetching bytes and building rows), and at most 4.
 */
export function defaultDecoderThreads(): number {
  const cores = availableParallelism()
  return Math.max(1, Math.min(4, cores <= 2 ? cores : cores - 1))
}

/** One row group to decode, from when it is asked for until its rows are taken or it is let go. */
interface Task {
  readonly file: PoolFile
  readonly group: number
  readonly rows: MessagePort
  readonly rowsRemote: MessagePort
  /** Set when its worker has decoded it: how many slices wait on `rows`. */
  slices: number | undefined
  error: unknown
  worker: PoolWorker | undefined
  wake: (() => void) | undefined
  released: boolean
}

/** A file as the pool knows it: an id its workers cache the footer under, and where its bytes come from. */
interface PoolFile {
  readonly id: number
  readonly metadata: FileMetaData
  readonly buffer: AsyncBuffer
}

class PoolWorker {
  readonly worker: Worker
  /** Files whose footer this worker was sent. */
  readonly files = new Set<number>()
  task: Task | undefined
  idleTimer: NodeJS.Timeout | undefined
  ended = false

  constructor(
    onMessage: (worker: PoolWorker, message: FromDecoder) => void,
    onEnd: (worker: PoolWorker, error: Error) => void,
  ) {
    this.worker = new Worker(WORKER_URL, {
      workerData: { sliceRows: SLICE_ROWS },
      resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
    })
    this.worker.unref()
    this.worker.on('message', (message: FromDecoder) => onMessage(this, message))
    this.worker.on('error', (error) =>
      onEnd(this, new DecoderFailure(`the Parquet decoder failed: ${error.message}`)),
    )
    this.worker.on('exit', (code) =>
      onEnd(this, new DecoderFailure(`the Parquet decoder stopped (exit code ${code})`)),
    )
  }

  post(message: ToDecoder, transfer?: (ArrayBuffer | MessagePort)[]): void {
    if (!this.ended) this.worker.postMessage(message, transfer)
  }
}

export interface ParquetDecoderPoolOptions {
  /** Worker threads at most. Default `defaultDecoderThreads()`. */
  threads?: number | undefined
}

/** Worker threads that decode Parquet row groups for any number of reads, at most `threads` at a time. */
export class ParquetDecoderPool {
  readonly threads: number
  readonly #workers = new Set<PoolWorker>()
  readonly #idle: PoolWorker[] = []
  readonly #queue: Task[] = []
  #nextFile = 0
  #held = 0

  constructor(options: ParquetDecoderPoolOptions = {}) {
    const threads = options.threads ?? defaultDecoderThreads()
    if (!Number.isInteger(threads) || threads < 1)
      throw new RangeError(`threads must be a whole number of at least 1, not ${threads}`)
    this.threads = threads
  }

  /** Worker threads alive now. */
  get workers(): number {
    return this.#workers.size
  }

  /** Row groups being decoded now (each on a worker of its own). */
  get decoding(): number {
    let n = 0
    for (const w of this.#workers) if (w.task) n++
    return n
  }

  /** Row groups waiting for a worker. */
  get waiting(): number {
    return this.#queue.length
  }

  /** Row groups asked for and not yet let go of: waiting, being decoded, or decoded and not yet taken. */
  get held(): number {
    return this.#held
  }

  /** A read's decoder on this pool. */
  decoder(signal?: AbortSignal): ParquetDecoder {
    return new ParquetDecoder(this, signal)
  }

  /** Ends every worker (a later read starts new ones). */
  async close(): Promise<void> {
    const ending = [...this.#workers].map((w) => this.#end(w))
    await Promise.all(ending)
  }

  /** @internal */
  file(file: ParquetFile): PoolFile {
    return { id: this.#nextFile++, metadata: file.metadata, buffer: file.buffer }
  }

  /** @internal Queues a row group; its rows arrive on the task's port. */
  submit(file: PoolFile, group: number): Task {
    const { port1, port2 } = new MessageChannel()
    const task: Task = {
      file,
      group,
      rows: port1,
      rowsRemote: port2,
      slices: undefined,
      error: undefined,
      worker: undefined,
      wake: undefined,
      released: false,
    }
    this.#held++
    this.#queue.push(task)
    this.#dispatch()
    return task
  }

  /** @internal Lets go of a task: out of the queue, or its worker ended if it is being decoded. */
  release(task: Task): void {
    if (task.released) return
    task.released = true
    this.#held--
    const queued = this.#queue.indexOf(task)
    if (queued >= 0) this.#queue.splice(queued, 1)
    task.rows.close()
    const worker = task.worker
    if (worker && worker.task === task) {
      worker.task = undefined
      void this.#end(worker)
    }
    this.#dispatch()
  }

  /** @internal Tells the workers to drop a file's footer. */
  forget(file: PoolFile): void {
    for (const w of this.#workers) {
      if (w.files.delete(file.id)) w.post({ kind: 'forget', file: file.id })
    }
  }

  #dispatch(): void {
    while (this.#queue.length > 0) {
      const worker = this.#idle.pop() ?? (this.#workers.size < this.threads ? this.#start() : undefined)
      if (!worker) return
      const task = this.#queue.shift()!
      clearTimeout(worker.idleTimer)
      worker.task = task
      task.worker = worker
      if (!worker.files.has(task.file.id)) {
        worker.files.add(task.file.id)
        worker.post({
          kind: 'open',
          file: task.file.id,
          metadata: task.file.metadata,
          byteLength: task.file.buffer.byteLength,
        })
      }
      worker.worker.ref()
      worker.post({ kind: 'decode', file: task.file.id, group: task.group, rows: task.rowsRemote }, [
        task.rowsRemote,
      ])
    }
  }

  #start(): PoolWorker {
    const worker = new PoolWorker(
      (w, message) => this.#onMessage(w, message),
      (w, error) => this.#onEnd(w, error),
    )
    this.#workers.add(worker)
    return worker
  }

  #onMessage(worker: PoolWorker, message: FromDecoder): void {
    const task = worker.task
    if (!task) return
    switch (message.kind) {
      case 'read': {
        Promise.resolve(task.file.buffer.slice(message.start, message.end)).then(
          (bytes) => {
            if (worker.task === task) worker.post({ kind: 'bytes', request: message.request, bytes }, [bytes])
          },
          (error: unknown) => {
            // The read's own error (typed, naming the query) is what the task fails with.
            task.error ??= error
            if (worker.task === task)
              worker.post({ kind: 'bytes', request: message.request, bytes: undefined })
          },
        )
        break
      }
      case 'decoded':
        task.slices = message.slices
        this.#finish(worker, task)
        break
      case 'failed':
        task.error ??= new ParquetDecodeError(message.message)
        this.#finish(worker, task)
        break
    }
  }

  /** A task's worker is done with it: the reader is woken, the worker takes the next task or idles. */
  #finish(worker: PoolWorker, task: Task): void {
    worker.task = undefined
    task.wake?.()
    task.wake = undefined
    worker.worker.unref()
    this.#idle.push(worker)
    worker.idleTimer = setTimeout(() => {
      const at = this.#idle.indexOf(worker)
      if (at >= 0) {
        this.#idle.splice(at, 1)
        void this.#end(worker)
      }
    }, IDLE_MS)
    worker.idleTimer.unref()
    this.#dispatch()
  }

  #onEnd(worker: PoolWorker, error: Error): void {
    if (!this.#workers.delete(worker)) return
    worker.ended = true
    clearTimeout(worker.idleTimer)
    const at = this.#idle.indexOf(worker)
    if (at >= 0) this.#idle.splice(at, 1)
    const task = worker.task
    worker.task = undefined
    if (task) {
      task.error ??= error
      task.wake?.()
      task.wake = undefined
    }
    this.#dispatch()
  }

  async #end(worker: PoolWorker): Promise<void> {
    this.#onEnd(worker, new DecoderFailure('the Parquet decoder was ended'))
    await worker.worker.terminate()
  }
}

let shared: ParquetDecoderPool | undefined

/** The pool every client uses unless given one: `defaultDecoderThreads()` workers for the whole process. */
export function defaultParquetDecoderPool(): ParquetDecoderPool {
  shared ??= new ParquetDecoderPool()
  return shared
}

/**
 * One read's row groups on a pool: `start` asks for one (it is decoded when a worker is free), `rows` takes
 * its rows, in the order asked for; `close` lets go of all of them.
 */
export class ParquetDecoder {
  readonly #pool: ParquetDecoderPool
  readonly #signal: AbortSignal | undefined
  readonly #files = new Map<ParquetFile, PoolFile>()
  readonly #tasks = new Set<Task>()
  #closed = false

  constructor(pool: ParquetDecoderPool, signal?: AbortSignal) {
    this.#pool = pool
    this.#signal = signal
  }

  /** Asks for row group `group` of `file`; its rows are then pulled with `rows(job)`. */
  start(file: ParquetFile, group: number): Task {
    if (this.#closed) throw new DecoderFailure('the Parquet decoder was closed')
    let known = this.#files.get(file)
    if (!known) {
      known = this.#pool.file(file)
      this.#files.set(file, known)
    }
    const task = this.#pool.submit(known, group)
    this.#tasks.add(task)
    return task
  }

  /** The rows of a row group asked for, a slice at a time; the row group is let go of when this ends. */
  async *rows(task: Task): AsyncGenerator<unknown[][], void, undefined> {
    try {
      while (task.slices === undefined && task.error === undefined) await this.#wait(task)
      if (task.error !== undefined) throw task.error
      for (let taken = 0; taken < task.slices!; taken++) {
        if (this.#signal?.aborted) throw abortError()
        const received = receiveMessageOnPort(task.rows)
        // The worker posts a row group's slices before it reports it decoded, so they are there.
        if (received === undefined) throw new DecoderFailure(`row group ${task.group} came back short`)
        yield decodeSlice(received.message as RowSlice)
      }
    } finally {
      this.#tasks.delete(task)
      this.#pool.release(task)
    }
  }

  /** Lets go of every row group asked for and not yet taken, and of the files' footers on the workers. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    for (const task of this.#tasks) {
      task.error ??= new DecoderFailure('the Parquet decoder was closed')
      task.wake?.()
      this.#pool.release(task)
    }
    this.#tasks.clear()
    for (const file of this.#files.values()) this.#pool.forget(file)
  }

  #wait(task: Task): Promise<void> {
    return new Promise<void>((resolve) => {
      const signal = this.#signal
      const onAbort = () => {
        task.error ??= abortError()
        resolve()
      }
      if (signal?.aborted) return onAbort()
      signal?.addEventListener('abort', onAbort, { once: true })
      task.wake = () => {
        signal?.removeEventListener('abort', onAbort)
        resolve()
      }
    })
  }
}

export type { Task as DecodeTask }
