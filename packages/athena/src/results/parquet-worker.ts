/**
 * The decoder thread of `ParquetDecoder` (parquet-decoder.ts). It keeps each
 * opened file's footer, decodes the row groups it is asked for one after the
 * other, and asks the main thread for every byte range hyparquet reads (the
 * main thread owns the S3 client). A decoded row group goes back in slices on
 * the rows port, then `decoded` says how many there are.
 */
import { type MessagePort, parentPort, workerData } from 'node:worker_threads'
import type { AsyncBuffer, FileMetaData } from 'hyparquet'
import { decodeRowGroup, type RowGroupDecoding, rowGroupDecoding } from './parquet.ts'
import { encodeSlice } from './row-slices.ts'

export type ToDecoder =
  | { kind: 'open'; file: number; metadata: FileMetaData; byteLength: number }
  | { kind: 'decode'; job: number; file: number; group: number }
  | { kind: 'bytes'; request: number; bytes: ArrayBuffer | undefined }

export type FromDecoder =
  | { kind: 'read'; job: number; request: number; file: number; start: number; end: number }
  | { kind: 'decoded'; job: number; slices: number }
  | { kind: 'failed'; job: number; name: string; message: string }

const port = parentPort!
const { rows: rowsPort, sliceRows } = workerData as { rows: MessagePort; sliceRows: number }
const files = new Map<number, { decoding: RowGroupDecoding; byteLength: number }>()
const reads = new Map<number, (bytes: ArrayBuffer | undefined) => void>()
let nextRequest = 0
let queue: Promise<void> = Promise.resolve()

port.on('message', (message: ToDecoder) => {
  switch (message.kind) {
    case 'open':
      files.set(message.file, {
        decoding: rowGroupDecoding(message.metadata),
        byteLength: message.byteLength,
      })
      break
    case 'decode':
      queue = queue.then(() => decode(message.job, message.file, message.group))
      break
    case 'bytes': {
      const resolve = reads.get(message.request)
      reads.delete(message.request)
      resolve?.(message.bytes)
      break
    }
  }
})

function post(message: FromDecoder): void {
  port.postMessage(message)
}

async function decode(job: number, fileId: number, group: number): Promise<void> {
  try {
    const file = files.get(fileId)!
    const buffer: AsyncBuffer = {
      byteLength: file.byteLength,
      slice(start, end = file.byteLength) {
        return new Promise<ArrayBuffer>((resolve, reject) => {
          const request = nextRequest++
          reads.set(request, (bytes) => {
            // The main thread failed the read and keeps its error for the job; this only ends the decoding.
            if (bytes === undefined) reject(new Error('a byte range of the file could not be read'))
            else resolve(bytes)
          })
          post({ kind: 'read', job, request, file: fileId, start, end })
        })
      },
    }
    const rows = await decodeRowGroup(buffer, file.decoding, group)
    const width = file.decoding.converts.length
    let slices = 0
    for (let at = 0; at < rows.length; at += sliceRows) {
      const { slice, transfer } = encodeSlice(job, rows, at, Math.min(rows.length, at + sliceRows), width)
      rowsPort.postMessage(slice, transfer)
      slices++
    }
    post({ kind: 'decoded', job, slices })
  } catch (error) {
    const e = error as { name?: unknown; message?: unknown }
    post({ kind: 'failed', job, name: String(e?.name ?? 'Error'), message: String(e?.message ?? error) })
  }
}
