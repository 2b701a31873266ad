// The object store behind the S3 API and the tables: buckets of objects kept as files under one directory.
// Object bodies are named by a hash of their key (S3 keys such as `a` and `a/b` can both exist, which a
// directory tree cannot hold); each has a JSON sidecar with its key, ETag, type and user metadata.
import { createHash, randomUUID } from 'node:crypto'
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'

export interface ObjectMeta {
  key: string
  size: number
  etag: string
  lastModified: number
  contentType: string
  metadata: Record<string, string>
  /** Set for objects assembled from a multipart upload. */
  parts?: number
}

interface Bucket {
  name: string
  created: number
  objects: Map<string, ObjectMeta>
  /** Sorted keys, rebuilt lazily after a change. */
  sorted: string[] | null
}

export interface Upload {
  id: string
  bucket: string
  key: string
  contentType: string
  metadata: Record<string, string>
  parts: Map<number, { etag: string; size: number; file: string }>
  initiated: number
}

export class ObjectStore {
  readonly root: string
  private readonly buckets = new Map<string, Bucket>()
  readonly uploads = new Map<string, Upload>()

  constructor(root: string) {
    this.root = root
    mkdirSync(root, { recursive: true })
    for (const name of readdirSync(root)) {
      const dir = join(root, name)
      if (!statSync(dir).isDirectory() || name.startsWith('.')) continue
      const bucket: Bucket = {
        name,
        created: statSync(dir).birthtimeMs || Date.now(),
        objects: new Map(),
        sorted: null,
      }
      for (const file of readdirSync(dir)) {
        if (!file.endsWith('.json')) continue
        try {
          const meta = JSON.parse(readFileSync(join(dir, file), 'utf8')) as ObjectMeta
          bucket.objects.set(meta.key, meta)
        } catch {
          // a sidecar cut short by a crash: its object is skipped
        }
      }
      this.buckets.set(name, bucket)
    }
    mkdirSync(join(root, '.uploads'), { recursive: true })
  }

  // ---------- buckets ----------

  listBuckets(): { name: string; created: number }[] {
    return [...this.buckets.values()]
      .map((b) => ({ name: b.name, created: b.created }))
      .sort((a, b) => a.name.localeCompare(b.name))
  }

  hasBucket(name: string): boolean {
    return this.buckets.has(name)
  }

  createBucket(name: string): boolean {
    if (this.buckets.has(name)) return false
    mkdirSync(join(this.root, name), { recursive: true })
    this.buckets.set(name, { name, created: Date.now(), objects: new Map(), sorted: null })
    return true
  }

  deleteBucket(name: string): 'ok' | 'missing' | 'not-empty' {
    const b = this.buckets.get(name)
    if (!b) return 'missing'
    if (b.objects.size > 0) return 'not-empty'
    rmSync(join(this.root, name), { recursive: true, force: true })
    this.buckets.delete(name)
    return 'ok'
  }

  // ---------- objects ----------

  head(bucket: string, key: string): ObjectMeta | undefined {
    return this.buckets.get(bucket)?.objects.get(key)
  }

  /** Local path of an object's body (tables are read from here). */
  bodyPath(bucket: string, key: string): string {
    return join(this.root, bucket, hashKey(key))
  }

  readStream(bucket: string, key: string, range?: { start: number; end: number }): Readable {
    return createReadStream(this.bodyPath(bucket, key), range)
  }

  read(bucket: string, key: string): Buffer {
    return readFileSync(this.bodyPath(bucket, key))
  }

  /** Stores a body from a stream; the object appears only once the body is complete. */
  async writeStream(
    bucket: string,
    key: string,
    body: Readable,
    options: { contentType?: string; metadata?: Record<string, string> } = {},
  ): Promise<ObjectMeta> {
    const b = this.requireBucket(bucket)
    const tmp = join(this.root, '.uploads', `${randomUUID()}.tmp`)
    const hash = createHash('md5')
    let size = 0
    body.on('data', (chunk: Buffer) => {
      hash.update(chunk)
      size += chunk.length
    })
    await pipeline(body, createWriteStream(tmp))
    return this.commit(b, key, tmp, { size, etag: `"${hash.digest('hex')}"` }, options)
  }

  write(
    bucket: string,
    key: string,
    body: Buffer | string,
    options: { contentType?: string; metadata?: Record<string, string> } = {},
  ): ObjectMeta {
    const b = this.requireBucket(bucket)
    const data = typeof body === 'string' ? Buffer.from(body) : body
    const tmp = join(this.root, '.uploads', `${randomUUID()}.tmp`)
    writeFileSync(tmp, data)
    return this.commit(
      b,
      key,
      tmp,
      { size: data.length, etag: `"${createHash('md5').update(data).digest('hex')}"` },
      options,
    )
  }

  /** Stores a file written elsewhere (DuckDB's COPY output) as `key`; the file is moved, not copied. */
  putFile(bucket: string, key: string, path: string, contentType = 'binary/octet-stream'): ObjectMeta {
    const b = this.requireBucket(bucket)
    const data = readFileSync(path)
    return this.commit(
      b,
      key,
      path,
      { size: data.length, etag: `"${createHash('md5').update(data).digest('hex')}"` },
      { contentType },
    )
  }

  /** A temp file path inside the store (same file system, so commits are renames). */
  tempPath(): string {
    return join(this.root, '.uploads', `${randomUUID()}.tmp`)
  }

  /** Moves a finished temp file into place as `key`. */
  commit(
    b: Bucket,
    key: string,
    tmp: string,
    body: { size: number; etag: string; parts?: number },
    options: { contentType?: string; metadata?: Record<string, string> },
  ): ObjectMeta {
    const meta: ObjectMeta = {
      key,
      size: body.size,
      etag: body.etag,
      // S3 keeps whole seconds; rounding up keeps `last modified >= time of the request`
      lastModified: Math.ceil(Date.now() / 1000) * 1000,
      contentType: options.contentType ?? 'binary/octet-stream',
      metadata: options.metadata ?? {},
    }
    if (body.parts) meta.parts = body.parts
    const file = join(this.root, b.name, hashKey(key))
    renameSync(tmp, file)
    writeFileSync(`${file}.json`, JSON.stringify(meta))
    if (!b.objects.has(key)) b.sorted = null
    b.objects.set(key, meta)
    return meta
  }

  copy(
    fromBucket: string,
    fromKey: string,
    toBucket: string,
    toKey: string,
    replace?: { contentType?: string; metadata?: Record<string, string> },
  ): ObjectMeta | undefined {
    const src = this.head(fromBucket, fromKey)
    if (!src) return undefined
    const data = this.read(fromBucket, fromKey)
    return this.write(
      toBucket,
      toKey,
      data,
      replace ?? { contentType: src.contentType, metadata: src.metadata },
    )
  }

  delete(bucket: string, key: string): boolean {
    const b = this.buckets.get(bucket)
    if (!b?.objects.has(key)) return false
    const file = join(this.root, bucket, hashKey(key))
    rmSync(file, { force: true })
    rmSync(`${file}.json`, { force: true })
    b.objects.delete(key)
    b.sorted = null
    return true
  }

  /** Keys in lexicographic (UTF-8 byte) order starting after `after`, with `prefix`. */
  keys(bucket: string, prefix = '', after = ''): string[] {
    const b = this.requireBucket(bucket)
    if (!b.sorted) b.sorted = [...b.objects.keys()].sort(compareKeys)
    const out: string[] = []
    for (const k of b.sorted) {
      if (!k.startsWith(prefix)) continue
      if (after && compareKeys(k, after) <= 0) continue
      out.push(k)
    }
    return out
  }

  /** Objects under an s3:// prefix (a table or partition location). */
  listPrefix(bucket: string, prefix: string): ObjectMeta[] {
    if (!this.buckets.has(bucket)) return []
    return this.keys(bucket, prefix).map((k) => this.head(bucket, k)!)
  }

  // ---------- multipart ----------

  createUpload(
    bucket: string,
    key: string,
    contentType: string | undefined,
    metadata: Record<string, string>,
  ): Upload {
    this.requireBucket(bucket)
    const upload: Upload = {
      id: randomUUID().replaceAll('-', ''),
      bucket,
      key,
      contentType: contentType ?? 'binary/octet-stream',
      metadata,
      parts: new Map(),
      initiated: Date.now(),
    }
    this.uploads.set(upload.id, upload)
    return upload
  }

  async writePart(upload: Upload, partNumber: number, body: Readable | Buffer): Promise<{ etag: string }> {
    const file = join(this.root, '.uploads', `${upload.id}-${partNumber}`)
    const hash = createHash('md5')
    let size = 0
    if (Buffer.isBuffer(body)) {
      writeFileSync(file, body)
      hash.update(body)
      size = body.length
    } else {
      body.on('data', (chunk: Buffer) => {
        hash.update(chunk)
        size += chunk.length
      })
      await pipeline(body, createWriteStream(file))
    }
    const etag = `"${hash.digest('hex')}"`
    upload.parts.set(partNumber, { etag, size, file })
    return { etag }
  }

  completeUpload(
    upload: Upload,
    parts: { partNumber: number; etag: string }[],
  ): ObjectMeta | { error: 'InvalidPart' | 'InvalidPartOrder'; part: number } {
    let last = 0
    const chunks: Buffer[] = []
    const md5s: Buffer[] = []
    for (const p of parts) {
      if (p.partNumber <= last) return { error: 'InvalidPartOrder', part: p.partNumber }
      last = p.partNumber
      const stored = upload.parts.get(p.partNumber)
      if (!stored || stored.etag.replaceAll('"', '') !== p.etag.replaceAll('"', ''))
        return { error: 'InvalidPart', part: p.partNumber }
      const data = readFileSync(stored.file)
      chunks.push(data)
      md5s.push(createHash('md5').update(data).digest())
    }
    const body = Buffer.concat(chunks)
    const etag = `"${createHash('md5').update(Buffer.concat(md5s)).digest('hex')}-${parts.length}"`
    const tmp = join(this.root, '.uploads', `${randomUUID()}.tmp`)
    writeFileSync(tmp, body)
    const meta = this.commit(
      this.requireBucket(upload.bucket),
      upload.key,
      tmp,
      { size: body.length, etag, parts: parts.length },
      upload,
    )
    this.abortUpload(upload)
    return meta
  }

  abortUpload(upload: Upload): void {
    for (const p of upload.parts.values()) rmSync(p.file, { force: true })
    this.uploads.delete(upload.id)
  }

  private requireBucket(name: string): Bucket {
    const b = this.buckets.get(name)
    if (!b) throw new NoSuchBucketError(name)
    return b
  }

  exists(): boolean {
    return existsSync(this.root)
  }
}

export class NoSuchBucketError extends Error {
  readonly bucket: string
  constructor(bucket: string) {
    super(`The specified bucket does not exist: ${bucket}`)
    this.bucket = bucket
  }
}

function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex')
}

/** S3 orders keys by their UTF-8 bytes. */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b))
}

/** Splits `s3://bucket/key` into its parts. */
export function parseS3Uri(uri: string): { bucket: string; key: string } | null {
  const m = /^s3a?:\/\/([^/]+)\/?(.*)$/.exec(uri)
  if (!m) return null
  return { bucket: m[1]!, key: m[2]! }
}
