// The S3 REST API (path style) over the object store: buckets, objects with ranges and conditional
// headers, listings v1/v2, batch delete, copy, multipart uploads (with UploadPartCopy), aws-chunked bodies.
import { createHash, randomUUID } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { Readable } from 'node:stream'
import type { Faults } from '../faults.ts'
import { parseQuery } from '../sigv4.ts'
import { compareKeys, NoSuchBucketError, type ObjectMeta, type ObjectStore } from './object-store.ts'
import { element, elements, toXml, unescapeXml, type XmlNode } from './xml.ts'

export interface S3Request {
  req: IncomingMessage
  res: ServerResponse
  method: string
  path: string
  query: string
  body: Buffer
  contentSha256: string
}

class S3Error extends Error {
  readonly status: number
  readonly code: string
  readonly extra: XmlNode
  constructor(status: number, code: string, message: string, extra: XmlNode = {}) {
    super(message)
    this.status = status
    this.code = code
    this.extra = extra
  }
}

const noSuchBucket = (bucket: string) =>
  new S3Error(404, 'NoSuchBucket', 'The specified bucket does not exist', { BucketName: bucket })
const noSuchKey = (key: string) =>
  new S3Error(404, 'NoSuchKey', 'The specified key does not exist.', { Key: key })

export function sendS3Error(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  extra: XmlNode = {},
  head = false,
): void {
  const requestId = randomUUID().replaceAll('-', '').slice(0, 16).toUpperCase()
  const body = toXml('Error', { Code: code, Message: message, ...extra, RequestId: requestId }, '')
  res.writeHead(status, {
    'content-type': 'application/xml',
    'x-amz-request-id': requestId,
    ...(head ? {} : { 'content-length': Buffer.byteLength(body) }),
  })
  res.end(head ? undefined : body)
}

function sendXml(res: ServerResponse, root: string, body: XmlNode, status = 200): void {
  const xml = toXml(root, body)
  res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(xml) })
  res.end(xml)
}

const isoDate = (ms: number) => new Date(ms).toISOString()
const httpDate = (ms: number) => new Date(ms).toUTCString()

/** Strips aws-chunked framing (`size[;chunk-signature=…]\r\n data \r\n … 0\r\n trailers`). */
export function decodeAwsChunked(body: Buffer): Buffer {
  const parts: Buffer[] = []
  let i = 0
  while (i < body.length) {
    const lineEnd = body.indexOf('\r\n', i)
    if (lineEnd < 0) break
    const header = body.subarray(i, lineEnd).toString('latin1')
    const size = Number.parseInt(header.split(';')[0]!, 16)
    if (!Number.isFinite(size)) break
    i = lineEnd + 2
    if (size === 0) break
    parts.push(body.subarray(i, i + size))
    i += size + 2
  }
  return Buffer.concat(parts)
}

export class S3Api {
  private readonly store: ObjectStore
  private readonly faults: Faults
  /** Keys of Athena result files, which the truncation fault cuts short by default. */
  private readonly isResultKey: (bucket: string, key: string) => boolean

  constructor(store: ObjectStore, faults: Faults, isResultKey: (bucket: string, key: string) => boolean) {
    this.store = store
    this.faults = faults
    this.isResultKey = isResultKey
  }

  async handle(r: S3Request): Promise<void> {
    const segments = r.path.split('/')
    const bucket = decodeURIComponent(segments[1] ?? '')
    const key = segments.slice(2).map(decodeURIComponent).join('/')
    const q = new Map(parseQuery(r.query))
    const head = r.method === 'HEAD'
    const delay = this.faults.s3Delay()
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay))
    const injected = this.faults.s3Failure(r.method, key ? `${bucket}/${key}` : bucket)
    if (injected) {
      sendS3Error(
        r.res,
        injected.status,
        injected.code,
        injected.code === 'SlowDown'
          ? 'Please reduce your request rate.'
          : 'We encountered an internal error. Please try again.',
        {},
        head,
      )
      return
    }
    try {
      if (!bucket) return this.listBuckets(r)
      if (!key && !(segments.length > 2 && segments[2] !== ''))
        return await this.bucketOperation(r, bucket, q)
      return await this.objectOperation(r, bucket, key, q)
    } catch (err) {
      if (err instanceof S3Error)
        return sendS3Error(r.res, err.status, err.code, err.message, err.extra, head)
      if (err instanceof NoSuchBucketError)
        return sendS3Error(
          r.res,
          404,
          'NoSuchBucket',
          'The specified bucket does not exist',
          { BucketName: bucket },
          head,
        )
      throw err
    }
  }

  private listBuckets(r: S3Request): void {
    if (r.method !== 'GET')
      throw new S3Error(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.')
    sendXml(r.res, 'ListAllMyBucketsResult', {
      Owner: { ID: 'athena-local', DisplayName: 'athena-local' },
      Buckets: {
        Bucket: this.store.listBuckets().map((b) => ({ Name: b.name, CreationDate: isoDate(b.created) })),
      },
    })
  }

  private async bucketOperation(r: S3Request, bucket: string, q: Map<string, string>): Promise<void> {
    switch (r.method) {
      case 'PUT':
        if (!this.store.createBucket(bucket)) {
          throw new S3Error(
            409,
            'BucketAlreadyOwnedByYou',
            'Your previous request to create the named bucket succeeded and you already own it.',
            { BucketName: bucket },
          )
        }
        r.res.writeHead(200, { location: `/${bucket}`, 'content-length': 0 })
        r.res.end()
        return
      case 'HEAD':
        if (!this.store.hasBucket(bucket)) throw noSuchBucket(bucket)
        r.res.writeHead(200, { 'x-amz-bucket-region': 'us-east-1' })
        r.res.end()
        return
      case 'DELETE': {
        const outcome = this.store.deleteBucket(bucket)
        if (outcome === 'missing') throw noSuchBucket(bucket)
        if (outcome === 'not-empty')
          throw new S3Error(409, 'BucketNotEmpty', 'The bucket you tried to delete is not empty', {
            BucketName: bucket,
          })
        r.res.writeHead(204)
        r.res.end()
        return
      }
      case 'POST':
        if (q.has('delete')) return this.deleteObjects(r, bucket)
        throw new S3Error(
          405,
          'MethodNotAllowed',
          'The specified method is not allowed against this resource.',
        )
      case 'GET':
        if (!this.store.hasBucket(bucket)) throw noSuchBucket(bucket)
        if (q.has('location')) {
          const xml = toXml('LocationConstraint', {}).replace('></LocationConstraint>', '/>')
          r.res.writeHead(200, { 'content-type': 'application/xml' })
          r.res.end(xml)
          return
        }
        if (q.has('uploads')) return this.listUploads(r, bucket)
        if (q.has('versioning')) return sendXml(r.res, 'VersioningConfiguration', {})
        return this.listObjects(r, bucket, q)
      default:
        throw new S3Error(
          405,
          'MethodNotAllowed',
          'The specified method is not allowed against this resource.',
        )
    }
  }

  private listObjects(r: S3Request, bucket: string, q: Map<string, string>): void {
    const v2 = q.get('list-type') === '2'
    const prefix = q.get('prefix') ?? ''
    const delimiter = q.get('delimiter') ?? ''
    const maxKeys = Math.min(Number(q.get('max-keys') ?? '1000'), 1000)
    const encode = q.get('encoding-type') === 'url'
    const enc = (s: string) => (encode ? encodeURIComponent(s).replace(/%2F/g, '/') : s)
    let after = ''
    if (v2) {
      const token = q.get('continuation-token')
      after = token ? Buffer.from(token, 'base64').toString('utf8') : (q.get('start-after') ?? '')
    } else {
      after = q.get('marker') ?? ''
    }
    const contents: ObjectMeta[] = []
    const prefixes: string[] = []
    let truncated = false
    let last = ''
    for (const k of this.store.keys(bucket, prefix, after)) {
      if (delimiter) {
        const rest = k.slice(prefix.length)
        const at = rest.indexOf(delimiter)
        if (at >= 0) {
          const p = prefix + rest.slice(0, at + delimiter.length)
          if (prefixes.at(-1) === p) continue
          if (after && compareKeys(p, after) <= 0) continue
          if (contents.length + prefixes.length >= maxKeys) {
            truncated = true
            break
          }
          prefixes.push(p)
          last = p
          continue
        }
      }
      if (contents.length + prefixes.length >= maxKeys) {
        truncated = true
        break
      }
      contents.push(this.store.head(bucket, k)!)
      last = k
    }
    const body: XmlNode = {
      Name: bucket,
      Prefix: enc(prefix),
      ...(v2
        ? { StartAfter: q.has('start-after') ? enc(q.get('start-after')!) : undefined }
        : { Marker: enc(q.get('marker') ?? '') }),
      ...(v2 ? { KeyCount: contents.length + prefixes.length } : {}),
      MaxKeys: maxKeys,
      Delimiter: delimiter ? enc(delimiter) : undefined,
      EncodingType: encode ? 'url' : undefined,
      IsTruncated: truncated,
      ...(v2
        ? {
            ContinuationToken: q.get('continuation-token'),
            NextContinuationToken: truncated ? Buffer.from(last).toString('base64') : undefined,
          }
        : { NextMarker: truncated && delimiter ? enc(last) : undefined }),
      Contents: contents.map((o) => ({
        Key: enc(o.key),
        LastModified: isoDate(o.lastModified),
        ETag: o.etag,
        Size: o.size,
        StorageClass: 'STANDARD',
        ...(v2 ? {} : { Owner: { ID: 'athena-local', DisplayName: 'athena-local' } }),
      })),
      CommonPrefixes: prefixes.map((p) => ({ Prefix: enc(p) })),
    }
    sendXml(r.res, 'ListBucketResult', body)
  }

  private deleteObjects(r: S3Request, bucket: string): void {
    if (!this.store.hasBucket(bucket)) throw noSuchBucket(bucket)
    const xml = r.body.toString('utf8')
    const quiet = element(xml, 'Quiet') === 'true'
    const deleted: XmlNode[] = []
    for (const obj of elements(xml, 'Object')) {
      const key = element(obj, 'Key')
      if (key === undefined) continue
      this.store.delete(bucket, key)
      if (!quiet) deleted.push({ Key: key })
    }
    sendXml(r.res, 'DeleteResult', { Deleted: deleted })
  }

  private listUploads(r: S3Request, bucket: string): void {
    const uploads = [...this.store.uploads.values()].filter((u) => u.bucket === bucket)
    sendXml(r.res, 'ListMultipartUploadsResult', {
      Bucket: bucket,
      IsTruncated: false,
      Upload: uploads.map((u) => ({
        Key: u.key,
        UploadId: u.id,
        Initiated: isoDate(u.initiated),
        StorageClass: 'STANDARD',
      })),
    })
  }

  private async objectOperation(
    r: S3Request,
    bucket: string,
    key: string,
    q: Map<string, string>,
  ): Promise<void> {
    if (!this.store.hasBucket(bucket)) throw noSuchBucket(bucket)
    const uploadId = q.get('uploadId')
    switch (r.method) {
      case 'GET':
        if (uploadId) return this.listParts(r, uploadId)
        return this.getObject(r, bucket, key, q, false)
      case 'HEAD':
        return this.getObject(r, bucket, key, q, true)
      case 'PUT':
        if (uploadId) return this.uploadPart(r, uploadId, Number(q.get('partNumber')))
        if (r.req.headers['x-amz-copy-source']) return this.copyObject(r, bucket, key)
        return this.putObject(r, bucket, key)
      case 'DELETE':
        if (uploadId) {
          const upload = this.store.uploads.get(uploadId)
          if (!upload)
            throw new S3Error(404, 'NoSuchUpload', 'The specified upload does not exist.', {
              UploadId: uploadId,
            })
          this.store.abortUpload(upload)
        } else {
          this.store.delete(bucket, key)
        }
        r.res.writeHead(204)
        r.res.end()
        return
      case 'POST':
        if (q.has('uploads')) {
          const upload = this.store.createUpload(bucket, key, header(r, 'content-type'), userMetadata(r))
          return sendXml(r.res, 'InitiateMultipartUploadResult', {
            Bucket: bucket,
            Key: key,
            UploadId: upload.id,
          })
        }
        if (uploadId) return this.completeUpload(r, bucket, key, uploadId)
        throw new S3Error(
          405,
          'MethodNotAllowed',
          'The specified method is not allowed against this resource.',
        )
      default:
        throw new S3Error(
          405,
          'MethodNotAllowed',
          'The specified method is not allowed against this resource.',
        )
    }
  }

  private payload(r: S3Request): Buffer {
    const encoding = header(r, 'content-encoding') ?? ''
    if (r.contentSha256.startsWith('STREAMING-') || encoding.includes('aws-chunked'))
      return decodeAwsChunked(r.body)
    return r.body
  }

  private putObject(r: S3Request, bucket: string, key: string): void {
    const data = this.payload(r)
    const contentMd5 = header(r, 'content-md5')
    if (contentMd5) {
      const actual = createMd5Base64(data)
      if (actual !== contentMd5)
        throw new S3Error(400, 'BadDigest', 'The Content-MD5 you specified did not match what we received.')
    }
    const meta = this.store.write(bucket, key, data, {
      contentType: header(r, 'content-type') ?? 'binary/octet-stream',
      metadata: userMetadata(r),
    })
    r.res.writeHead(200, { etag: meta.etag, 'content-length': 0 })
    r.res.end()
  }

  private copySource(r: S3Request): { bucket: string; key: string; meta: ObjectMeta } {
    const raw = decodeURIComponent(String(r.req.headers['x-amz-copy-source']))
      .replace(/^\//, '')
      .split('?')[0]!
    const slash = raw.indexOf('/')
    const bucket = raw.slice(0, slash)
    const key = raw.slice(slash + 1)
    const meta = this.store.head(bucket, key)
    if (!meta) throw noSuchKey(key)
    return { bucket, key, meta }
  }

  private copyObject(r: S3Request, bucket: string, key: string): void {
    const src = this.copySource(r)
    const replace = header(r, 'x-amz-metadata-directive') === 'REPLACE'
    const meta = this.store.copy(
      src.bucket,
      src.key,
      bucket,
      key,
      replace ? { contentType: header(r, 'content-type'), metadata: userMetadata(r) } : undefined,
    )!
    sendXml(r.res, 'CopyObjectResult', { LastModified: isoDate(meta.lastModified), ETag: meta.etag })
  }

  private async uploadPart(r: S3Request, uploadId: string, partNumber: number): Promise<void> {
    const upload = this.store.uploads.get(uploadId)
    if (!upload)
      throw new S3Error(404, 'NoSuchUpload', 'The specified upload does not exist.', { UploadId: uploadId })
    if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > 10000) {
      throw new S3Error(
        400,
        'InvalidArgument',
        'Part number must be an integer between 1 and 10000, inclusive',
      )
    }
    if (r.req.headers['x-amz-copy-source']) {
      const src = this.copySource(r)
      let data = this.store.read(src.bucket, src.key)
      const range = header(r, 'x-amz-copy-source-range')
      if (range) {
        const m = /^bytes=(\d+)-(\d+)$/.exec(range)
        if (!m)
          throw new S3Error(
            400,
            'InvalidArgument',
            'The x-amz-copy-source-range value must be of the form bytes=first-last',
          )
        data = data.subarray(Number(m[1]), Number(m[2]) + 1)
      }
      const { etag } = await this.store.writePart(upload, partNumber, data)
      return sendXml(r.res, 'CopyPartResult', { LastModified: isoDate(Date.now()), ETag: etag })
    }
    const { etag } = await this.store.writePart(upload, partNumber, this.payload(r))
    r.res.writeHead(200, { etag, 'content-length': 0 })
    r.res.end()
  }

  private completeUpload(r: S3Request, bucket: string, key: string, uploadId: string): void {
    const upload = this.store.uploads.get(uploadId)
    if (!upload)
      throw new S3Error(404, 'NoSuchUpload', 'The specified upload does not exist.', { UploadId: uploadId })
    const xml = r.body.toString('utf8')
    const parts = elements(xml, 'Part').map((p) => ({
      partNumber: Number(element(p, 'PartNumber')),
      etag: unescapeXml(element(p, 'ETag') ?? ''),
    }))
    const result = this.store.completeUpload(upload, parts)
    if ('error' in result) {
      throw new S3Error(
        400,
        result.error,
        result.error === 'InvalidPart'
          ? 'One or more of the specified parts could not be found.'
          : 'The list of parts was not in ascending order.',
      )
    }
    sendXml(r.res, 'CompleteMultipartUploadResult', {
      Location: `/${bucket}/${key}`,
      Bucket: bucket,
      Key: key,
      ETag: result.etag,
    })
  }

  private listParts(r: S3Request, uploadId: string): void {
    const upload = this.store.uploads.get(uploadId)
    if (!upload)
      throw new S3Error(404, 'NoSuchUpload', 'The specified upload does not exist.', { UploadId: uploadId })
    sendXml(r.res, 'ListPartsResult', {
      Bucket: upload.bucket,
      Key: upload.key,
      UploadId: upload.id,
      IsTruncated: false,
      Part: [...upload.parts.entries()]
        .sort((a, b) => a[0] - b[0])
        .map(([n, p]) => ({ PartNumber: n, ETag: p.etag, Size: p.size })),
    })
  }

  private getObject(r: S3Request, bucket: string, key: string, q: Map<string, string>, head: boolean): void {
    const meta = this.store.head(bucket, key)
    if (!meta) throw noSuchKey(key)
    const ifMatch = header(r, 'if-match')
    const ifNoneMatch = header(r, 'if-none-match')
    if (ifMatch && ifMatch !== meta.etag && ifMatch !== '*')
      throw new S3Error(
        412,
        'PreconditionFailed',
        'At least one of the pre-conditions you specified did not hold',
      )
    if (ifNoneMatch && (ifNoneMatch === meta.etag || ifNoneMatch === '*')) {
      r.res.writeHead(304, { etag: meta.etag })
      r.res.end()
      return
    }
    const headers: Record<string, string | number> = {
      'content-type': q.get('response-content-type') ?? meta.contentType,
      etag: meta.etag,
      'last-modified': httpDate(meta.lastModified),
      'accept-ranges': 'bytes',
    }
    for (const [k, v] of Object.entries(meta.metadata)) headers[`x-amz-meta-${k}`] = v
    if (meta.parts) headers['x-amz-mp-parts-count'] = meta.parts
    for (const [param, h] of [
      ['response-content-disposition', 'content-disposition'],
      ['response-content-encoding', 'content-encoding'],
      ['response-cache-control', 'cache-control'],
      ['response-expires', 'expires'],
      ['response-content-language', 'content-language'],
    ] as const) {
      const v = q.get(param)
      if (v) headers[h] = v
    }
    let start = 0
    let end = meta.size - 1
    let status = 200
    const range = header(r, 'range')
    if (range) {
      const m = /^bytes=(\d*)-(\d*)$/.exec(range)
      if (m && (m[1] !== '' || m[2] !== '')) {
        if (m[1] === '') {
          start = Math.max(0, meta.size - Number(m[2]))
        } else {
          start = Number(m[1])
          if (m[2] !== '') end = Math.min(end, Number(m[2]))
        }
        if (start >= meta.size) {
          throw new S3Error(416, 'InvalidRange', 'The requested range is not satisfiable', {
            RangeRequested: range,
            ActualObjectSize: meta.size,
          })
        }
        status = 206
        headers['content-range'] = `bytes ${start}-${end}/${meta.size}`
      }
    }
    const length = meta.size === 0 ? 0 : end - start + 1
    headers['content-length'] = length
    r.res.writeHead(status, headers)
    if (head || length === 0) {
      r.res.end()
      return
    }
    const cut = this.faults.truncation(`${bucket}/${key}`, this.isResultKey(bucket, key))
    const stream = this.store.readStream(bucket, key, { start, end })
    if (cut !== undefined && cut < length) {
      let sent = 0
      stream.on('data', (chunk: Buffer) => {
        const room = cut - sent
        if (room > 0) r.res.write(chunk.subarray(0, room))
        sent += chunk.length
        if (sent >= cut) {
          stream.destroy()
          r.res.destroy()
        }
      })
      return
    }
    Readable.prototype.pipe.call(stream, r.res)
  }
}

function header(r: S3Request, name: string): string | undefined {
  const v = r.req.headers[name]
  return Array.isArray(v) ? v[0] : v
}

function userMetadata(r: S3Request): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(r.req.headers)) {
    if (k.startsWith('x-amz-meta-') && typeof v === 'string') out[k.slice('x-amz-meta-'.length)] = v
  }
  return out
}

function createMd5Base64(data: Buffer): string {
  return createHash('md5').update(data).digest('base64')
}
