/**
 * A decoder thread of `ParquetDecoderPool` (parquet-decoder.ts). It keeps the
 * footer of each file it was sent until told to forget it, decodes the row
 * group it is given (one at a time: the pool hands a worker its next row group
 * when it reports the last one), and asks the main thread for every byte range
 * hyparquet reads (the main thread owns the S3 client). A decoded row group
 * goes back in slices on the port that came with it, then `decoded` says how
 * many there are.
 */
import { type MessagePort, parentPort, workerData } from 'node:worker_threads'
import type { AsyncBuffer, FileMetaData } from 'hyparquet'
import { decodeRowGroup, type RowGroupDecoding, rowGroupDecoding } from './parquet.ts'
import { encodeSlice } from './row-slices.ts'

export type ToDecoder =
  | { kind: 'open'; file: number; metadata: FileMetaData; byteLength: number }
  | { kind: 'forget'; file: number }
  | { kind: 'decode'; file: number; group: number; rows: MessagePort }
  | { kind: 'bytes'; request: number; bytes: ArrayBuffer | undefined }

export type FromDecoder =
  | { kind: 'read'; request: number; start: number; end: number }
  | { kind: 'decoded'; slices: number }
  | { kind: 'failed'; name: string; message: string }

const port = parentPort!
const { sliceRows } = workerData as { sliceRows: number }
const files = new Map<number, { decoding: RowGroupDecoding; byteLength: number }>()
const reads = new Map<number, (bytes: ArrayBuffer | undefined) => void>()
let nextRequest = 0

port.on('message', (message: ToDecoder) => {
  switch (message.kind) {
    case 'open':
      files.set(message.file, {
        decoding: rowGroupDecoding(message.metadata),
        byteLength: message.byteLength,
      })
      break
    case 'forget':
      files.delete(message.file)
      break
    case 'decode':
      void decode(message.file, message.group, message.rows)
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

async function decode(fileId: number, group: number, rowsPort: MessagePort): Promise<void> {
  try {
    const file = files.get(fileId)!
    const buffer: AsyncBuffer = {
      byteLength: file.byteLength,
      slice(start, end = file.byteLength) {
        return new Promise<ArrayBuffer>((resolve, reject) => {
          const request = nextRequest++
          reads.set(request, (bytes) => {
            // The main thread failed the read and keeps its error for the row group; this only ends the decoding.
            if (bytes === undefined) reject(new Error('a byte range of the file could not be read'))
            else resolve(bytes)
          })
          post({ kind: 'read', request, start, end })
        })
      },
    }
    const { length, columns } = await decodeRowGroup(buffer, file.decoding, group)
    let slices = 0
    for (let at = 0; at < length; at += sliceRows) {
      const { slice, transfer } = encodeSlice(columns, at, Math.min(length, at + sliceRows))
      rowsPort.postMessage(slice, transfer)
      slices++
    }
    post({ kind: 'decoded', slices })
  } catch (error) {
    const e = error as { name?: unknown; message?: unknown }
    post({ kind: 'failed', name: String(e?.name ?? 'Error'), message: String(e?.message ?? error) })
  }
}
