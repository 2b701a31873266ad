// The S3 store through the official @aws-sdk/client-s3: objects, ranges, listings, batch delete, copy,
// multipart uploads with UploadPartCopy, and SigV4 refusals in S3's own shapes.
import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3'
import { getSignedUrl } from '@aws-sdk/s3-request-presigner'
import { type Harness, startHarness } from './helpers.ts'

let h: Harness
const B = 'store-test'

before(async () => {
  h = await startHarness({ buckets: [B] })
})
after(() => h.stop())

const text = async (key: string, range?: string) => {
  const out = await h.s3.send(new GetObjectCommand({ Bucket: B, Key: key, Range: range }))
  return out.Body!.transformToString()
}

describe('objects', () => {
  it('stores and reads objects with their metadata', async () => {
    const put = await h.s3.send(
      new PutObjectCommand({
        Bucket: B,
        Key: 'a/b.txt',
        Body: 'hello world',
        ContentType: 'text/plain',
        Metadata: { owner: 'me' },
      }),
    )
    assert.equal(put.ETag, '"5eb63bbbe01eeed093cb22bb8f5acdc3"')
    const head = await h.s3.send(new HeadObjectCommand({ Bucket: B, Key: 'a/b.txt' }))
    assert.equal(head.ContentLength, 11)
    assert.equal(head.ContentType, 'text/plain')
    assert.deepEqual(head.Metadata, { owner: 'me' })
    assert.equal(await text('a/b.txt'), 'hello world')
  })

  it('serves byte ranges', async () => {
    assert.equal(await text('a/b.txt', 'bytes=0-4'), 'hello')
    assert.equal(await text('a/b.txt', 'bytes=6-'), 'world')
    assert.equal(await text('a/b.txt', 'bytes=-5'), 'world')
    const out = await h.s3.send(new GetObjectCommand({ Bucket: B, Key: 'a/b.txt', Range: 'bytes=0-4' }))
    assert.equal(out.ContentRange, 'bytes 0-4/11')
  })

  it('keeps keys that a directory tree could not hold (a and a/b)', async () => {
    await h.s3.send(new PutObjectCommand({ Bucket: B, Key: 'a', Body: 'file a' }))
    assert.equal(await text('a'), 'file a')
    assert.equal(await text('a/b.txt'), 'hello world')
  })

  it('answers NoSuchKey and NoSuchBucket', async () => {
    await assert.rejects(
      h.s3.send(new GetObjectCommand({ Bucket: B, Key: 'missing' })),
      (err: unknown) => err instanceof NoSuchKey,
    )
    await assert.rejects(
      h.s3.send(new GetObjectCommand({ Bucket: 'no-bucket', Key: 'x' })),
      (err: unknown) => (err as Error).name === 'NoSuchBucket',
    )
  })

  it('copies and deletes objects, one or many', async () => {
    await h.s3.send(new CopyObjectCommand({ Bucket: B, Key: 'copy.txt', CopySource: `${B}/a/b.txt` }))
    assert.equal(await text('copy.txt'), 'hello world')
    await h.s3.send(new DeleteObjectCommand({ Bucket: B, Key: 'copy.txt' }))
    await assert.rejects(text('copy.txt'))
    for (const k of ['d/1', 'd/2', 'd/3'])
      await h.s3.send(new PutObjectCommand({ Bucket: B, Key: k, Body: k }))
    const del = await h.s3.send(
      new DeleteObjectsCommand({ Bucket: B, Delete: { Objects: [{ Key: 'd/1' }, { Key: 'd/2' }] } }),
    )
    assert.deepEqual(
      del.Deleted!.map((d) => d.Key),
      ['d/1', 'd/2'],
    )
    const left = await h.s3.send(new ListObjectsV2Command({ Bucket: B, Prefix: 'd/' }))
    assert.deepEqual(
      left.Contents!.map((c) => c.Key),
      ['d/3'],
    )
  })
})

describe('listings', () => {
  before(async () => {
    for (const k of ['l/x/1', 'l/x/2', 'l/y/1', 'l/z', 'l/sp ace+plus'])
      await h.s3.send(new PutObjectCommand({ Bucket: B, Key: k, Body: '.' }))
  })

  it('groups by delimiter into common prefixes', async () => {
    const out = await h.s3.send(new ListObjectsV2Command({ Bucket: B, Prefix: 'l/', Delimiter: '/' }))
    assert.deepEqual(
      out.CommonPrefixes!.map((p) => p.Prefix),
      ['l/x/', 'l/y/'],
    )
    assert.deepEqual(
      out.Contents!.map((c) => c.Key),
      ['l/sp ace+plus', 'l/z'],
    )
  })

  it('pages with MaxKeys and continuation tokens', async () => {
    const keys: string[] = []
    let token: string | undefined
    let pages = 0
    do {
      const out = await h.s3.send(
        new ListObjectsV2Command({ Bucket: B, Prefix: 'l/', MaxKeys: 2, ContinuationToken: token }),
      )
      keys.push(...(out.Contents ?? []).map((c) => c.Key!))
      token = out.NextContinuationToken
      pages++
    } while (token)
    assert.equal(pages, 3)
    assert.deepEqual(keys, ['l/sp ace+plus', 'l/x/1', 'l/x/2', 'l/y/1', 'l/z'])
  })

  it('lists buckets and heads one', async () => {
    const out = await h.s3.send(new ListBucketsCommand({}))
    assert.ok(out.Buckets!.some((b) => b.Name === B))
    await h.s3.send(new HeadBucketCommand({ Bucket: B }))
    await h.s3.send(new CreateBucketCommand({ Bucket: 'made-by-test' }))
    await h.s3.send(new HeadBucketCommand({ Bucket: 'made-by-test' }))
  })
})

describe('multipart uploads', () => {
  it('assembles parts, including a part copied from another object by range', async () => {
    const part = Buffer.alloc(5 * 1024 * 1024, 'a')
    const { UploadId } = await h.s3.send(new CreateMultipartUploadCommand({ Bucket: B, Key: 'mp/big' }))
    const p1 = await h.s3.send(
      new UploadPartCommand({ Bucket: B, Key: 'mp/big', UploadId, PartNumber: 1, Body: part }),
    )
    const p2 = await h.s3.send(
      new UploadPartCopyCommand({
        Bucket: B,
        Key: 'mp/big',
        UploadId,
        PartNumber: 2,
        CopySource: `${B}/a/b.txt`,
        CopySourceRange: 'bytes=6-10',
      }),
    )
    const done = await h.s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: B,
        Key: 'mp/big',
        UploadId,
        MultipartUpload: {
          Parts: [
            { PartNumber: 1, ETag: p1.ETag },
            { PartNumber: 2, ETag: p2.CopyPartResult!.ETag },
          ],
        },
      }),
    )
    assert.match(done.ETag!, /-2"$/)
    const head = await h.s3.send(new HeadObjectCommand({ Bucket: B, Key: 'mp/big' }))
    assert.equal(head.ContentLength, part.length + 5)
    assert.equal(await text('mp/big', `bytes=${part.length}-`), 'world')
  })

  it('aborts an upload', async () => {
    const { UploadId } = await h.s3.send(new CreateMultipartUploadCommand({ Bucket: B, Key: 'mp/aborted' }))
    await h.s3.send(new AbortMultipartUploadCommand({ Bucket: B, Key: 'mp/aborted', UploadId }))
    await assert.rejects(
      h.s3.send(new UploadPartCommand({ Bucket: B, Key: 'mp/aborted', UploadId, PartNumber: 1, Body: 'x' })),
      /NoSuchUpload|upload does not exist/,
    )
  })
})

describe('signatures', () => {
  const client = (credentials: { accessKeyId: string; secretAccessKey: string }, systemClockOffset = 0) => {
    const c = new S3Client({
      endpoint: h.local.s3Endpoint,
      region: h.local.region,
      credentials,
      forcePathStyle: true,
      maxAttempts: 1,
    })
    c.config.systemClockOffset = systemClockOffset
    return c
  }

  it('refuses an unknown access key with InvalidAccessKeyId', async () => {
    const c = client({
      accessKeyId: 'AKIANOTKNOWN00000000',
      secretAccessKey: h.local.credentials.secretAccessKey,
    })
    await assert.rejects(c.send(new GetObjectCommand({ Bucket: B, Key: 'a/b.txt' })), (err: unknown) => {
      assert.ok(err instanceof S3ServiceException)
      assert.equal(err.name, 'InvalidAccessKeyId')
      assert.equal(err.$metadata.httpStatusCode, 403)
      return true
    })
    c.destroy()
  })

  it('refuses a wrong secret with SignatureDoesNotMatch', async () => {
    const c = client({ accessKeyId: h.local.credentials.accessKeyId, secretAccessKey: 'wrong-secret' })
    await assert.rejects(
      c.send(new GetObjectCommand({ Bucket: B, Key: 'a/b.txt' })),
      (err: unknown) => (err as Error).name === 'SignatureDoesNotMatch',
    )
    c.destroy()
  })

  it('refuses a clock 20 minutes off with RequestTimeTooSkewed', async () => {
    const c = client(h.local.credentials, 20 * 60 * 1000)
    await assert.rejects(
      c.send(new GetObjectCommand({ Bucket: B, Key: 'a/b.txt' })),
      (err: unknown) => (err as Error).name === 'RequestTimeTooSkewed',
    )
    c.destroy()
  })

  it('accepts a clock 10 minutes off', async () => {
    const c = client(h.local.credentials, 10 * 60 * 1000)
    const out = await c.send(new GetObjectCommand({ Bucket: B, Key: 'a/b.txt' }))
    assert.equal(await out.Body!.transformToString(), 'hello world')
    c.destroy()
  })

  it('serves presigned GETs: SigV4 from the SDK presigner, and the SigV2 query form old boto presigns', async () => {
    const url = await getSignedUrl(h.s3, new GetObjectCommand({ Bucket: B, Key: 'a/b.txt' }), {
      expiresIn: 60,
    })
    const res = await fetch(url)
    assert.equal(res.status, 200)
    assert.equal(await res.text(), 'hello world')
    const expired = await getSignedUrl(h.s3, new GetObjectCommand({ Bucket: B, Key: 'a/b.txt' }), {
      expiresIn: 1,
      signingDate: new Date(Date.now() - 3_600_000),
    })
    assert.equal((await fetch(expired)).status, 403)
    // SigV2 query signing as botocore's HmacV1QueryAuth does it: GET\n\n\n<expires>\n/<bucket>/<key>
    const expires = Math.floor(Date.now() / 1000) + 60
    const signature = createHmac('sha1', h.local.credentials.secretAccessKey)
      .update(`GET\n\n\n${expires}\n/${B}/a/b.txt`)
      .digest('base64')
    const v2 = `${h.local.s3Endpoint}/${B}/a/b.txt?AWSAccessKeyId=${h.local.credentials.accessKeyId}&Signature=${encodeURIComponent(signature)}&Expires=${expires}`
    const v2res = await fetch(v2)
    assert.equal(v2res.status, 200)
    assert.equal(await v2res.text(), 'hello world')
    const tampered = v2.replace('a/b.txt', 'a')
    assert.equal((await fetch(tampered)).status, 403)
  })

  it('keeps LastModified in whole seconds, never before the upload began', async () => {
    const before = Date.now()
    await h.s3.send(new PutObjectCommand({ Bucket: B, Key: 'time/x', Body: 'x' }))
    const head = await h.s3.send(new HeadObjectCommand({ Bucket: B, Key: 'time/x' }))
    assert.equal(head.LastModified!.getTime() % 1000, 0)
    assert.ok(head.LastModified!.getTime() >= before)
  })

  it('refuses unsigned requests', async () => {
    const res = await fetch(`${h.local.s3Endpoint}/${B}/a/b.txt`)
    assert.equal(res.status, 403)
    assert.match(await res.text(), /<Code>AccessDenied<\/Code>/)
  })
})
