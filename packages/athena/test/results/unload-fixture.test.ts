/**
 * The unload reader on Parquet files written byte by byte (test/support/parquet-fixture.ts), not by any
 * Parquet library: INT96 timestamps as Athena's UNLOAD writes them (before 1970, with nanoseconds, past the
 * year 2262 where int64 nanoseconds end), int64 at both ends, decimals as fixed-length and int64 unscaled
 * integers, NULL apart from ''. The files sit in athena-local's S3 with a manifest naming them, as UNLOAD
 * leaves them, and are read through the manifest with S3 range reads, in file and row-group order, decoded
 * on the decoder's worker thread.
 */
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3'
import { ConnectionError, ProtocolError, QueryCancelledError } from '@tributary/athena'
import {
  defaultDecoderThreads,
  defaultParquetDecoderPool,
  ParquetDecoderPool,
} from '../../src/results/parquet-decoder.ts'
import { readThroughUnload } from '../../src/results/unload.ts'
import { type LocalAthena, startLocalAthena } from '../support/athena-local.ts'
import { decimalBytes, type FixtureColumn, int96, parquetFile } from '../support/parquet-fixture.ts'

let athena: LocalAthena
let s3: S3Client

before(async () => {
  athena = await startLocalAthena()
  s3 = new S3Client({
    endpoint: athena.local.s3Endpoint,
    region: athena.local.region,
    credentials: athena.local.credentials,
    forcePathStyle: true,
  })
})

after(async () => {
  s3.destroy()
  await athena.stop()
})

const bucket = () => new URL(athena.local.outputLocation.replace(/^s3:/, 'http:')).hostname

async function put(key: string, body: Uint8Array | string): Promise<string> {
  await s3.send(new PutObjectCommand({ Bucket: bucket(), Key: key, Body: body }))
  return `s3://${bucket()}/${key}`
}

const ns = (iso: string, extraNanos = 0n) => BigInt(Date.parse(iso)) * 1_000_000n + extraNanos
const utf8 = (s: string) => new TextEncoder().encode(s)

function columns(
  groups: Array<Array<[Uint8Array | null, bigint | null, bigint | null, bigint | null, string | null]>>,
): FixtureColumn[] {
  const pick = (i: number) => groups.map((rows) => rows.map((r) => r[i] ?? null))
  return [
    { name: 'ts', type: 'INT96', optional: true, values: pick(0) },
    { name: 'big', type: 'INT64', optional: true, values: pick(1) },
    {
      name: 'dec',
      type: 'FIXED_LEN_BYTE_ARRAY',
      length: 16,
      annotation: 'DECIMAL',
      precision: 38,
      scale: 9,
      optional: true,
      values: pick(2).map((g) => g.map((v) => (v === null ? null : decimalBytes(v as bigint, 16)))),
    },
    {
      name: 'money',
      type: 'INT64',
      annotation: 'DECIMAL',
      precision: 18,
      scale: 2,
      optional: true,
      values: pick(3),
    },
    {
      name: 's',
      type: 'BYTE_ARRAY',
      annotation: 'UTF8',
      optional: true,
      values: pick(4).map((g) => g.map((v) => (v === null ? null : utf8(v as string)))),
    },
  ]
}

test('INT96 timestamps, int64 and decimals read exactly from hand-written Parquet through the manifest', async () => {
  const fileA = parquetFile(
    columns([
      [
        [
          int96(ns('2024-01-02T03:04:05.123Z', 456_789n)),
          9223372036854775807n,
          -12345678901234567890123456789n,
          -5n,
          '',
        ],
        [
          int96(ns('1969-12-31T23:59:59.999Z', 999_999n)),
          -9223372036854775808n,
          99999999999999999999999999999999999999n,
          999999999999999999n,
          null,
        ],
      ],
      [[int96(ns('1900-01-01T00:00:00.000Z')), 0n, 1n, 0n, 'a, "b"\n']],
    ]),
  )
  const fileB = parquetFile(
    columns([
      [
        // Past 2262-04-11, where nanoseconds since 1970 leave int64; INT96 holds it.
        [int96(ns('9999-12-31T23:59:59.999Z', 999_999n)), 1n, 0n, -99n, '🦆'],
        [null, null, null, null, null],
      ],
    ]),
  )
  const prefix = `unload-fixture/${Date.now()}/`
  const a = await put(`${prefix}part-a`, fileA)
  const b = await put(`${prefix}part-b`, fileB)
  const manifest = await put(`${prefix}manifest.csv`, `${a}\n${b}\n`)

  const client = athena.client()
  const reader = await readThroughUnload(
    client.transport,
    { QueryExecutionId: 'fixture-query', Statistics: { DataManifestLocation: manifest } },
    {},
  )
  assert.deepEqual(reader.columns, [
    { name: 'ts', type: 'timestamp' },
    { name: 'big', type: 'bigint' },
    { name: 'dec', type: 'decimal(38, 9)' },
    { name: 'money', type: 'decimal(18, 2)' },
    { name: 's', type: 'varchar' },
  ])
  const rows: unknown[][] = []
  const batchSizes: number[] = []
  for await (const batch of reader.batches()) {
    batchSizes.push(batch.length)
    rows.push(...batch)
  }
  // One batch per row group, files in manifest order.
  assert.deepEqual(batchSizes, [2, 1, 2])
  const shown = rows.map((r) => r.map((v) => (v instanceof Date ? v.toISOString() : v)))
  assert.deepEqual(shown, [
    ['2024-01-02T03:04:05.123Z', 9223372036854775807n, '-12345678901234567890.123456789', '-0.05', ''],
    // Before 1970 the sub-millisecond part is dropped toward the past (floor), as the text forms read.
    [
      '1969-12-31T23:59:59.999Z',
      -9223372036854775808n,
      '99999999999999999999999999999.999999999',
      '9999999999999999.99',
      null,
    ],
    ['1900-01-01T00:00:00.000Z', 0n, '0.000000001', '0.00', 'a, "b"\n'],
    ['9999-12-31T23:59:59.999Z', 1n, '0.000000000', '-0.99', '🦆'],
    [null, null, null, null, null],
  ])
})

test('a Parquet file cut short is a typed error naming the query', async () => {
  const whole = parquetFile(columns([[[int96(0n), 1n, 1n, 1n, 'x']]]))
  const prefix = `unload-fixture/${Date.now()}-cut/`
  const cut = await put(`${prefix}part`, whole.slice(0, whole.length - 20))
  const manifest = await put(`${prefix}manifest.csv`, `${cut}\n`)
  const client = athena.client()
  const error = await readThroughUnload(
    client.transport,
    { QueryExecutionId: 'fixture-cut', Statistics: { DataManifestLocation: manifest } },
    {},
  ).catch((e: unknown) => e)
  assert.ok(error instanceof ProtocolError || error instanceof ConnectionError, String(error))
  assert.equal(error.queryId, 'fixture-cut')
  assert.match(error.message, /fixture-cut/)
})

test('a Parquet file whose data pages are broken is a typed error naming the query, and the decoder is let go', async () => {
  const pool = new ParquetDecoderPool({ threads: 1 })
  const whole = parquetFile(columns([[[int96(0n), 1n, 1n, 1n, 'x']]]))
  // The footer stays intact (the columns are known), the first column's page header becomes garbage.
  const broken = whole.slice()
  broken.fill(0xff, 4, 24)
  const prefix = `unload-fixture/${Date.now()}-broken/`
  const part = await put(`${prefix}part`, broken)
  const manifest = await put(`${prefix}manifest.csv`, `${part}\n`)
  const client = athena.client()
  const reader = await readThroughUnload(
    client.transport,
    { QueryExecutionId: 'fixture-broken', Statistics: { DataManifestLocation: manifest } },
    { decoders: pool },
  )
  assert.equal(reader.columns.length, 5)
  const error = await (async () => {
    for await (const _ of reader.batches()) assert.fail('no rows from a broken page')
  })().catch((e: unknown) => e)
  assert.ok(error instanceof ProtocolError, String(error))
  assert.equal(error.queryId, 'fixture-broken')
  assert.equal(error.code, 'MALFORMED_RESULT')
  assert.match(error.message, /fixture-broken/)
  assert.equal(pool.held, 0)
  assert.equal(pool.decoding, 0)
  await pool.close()
})

const rowsIn = (from: number, n: number) =>
  Array.from(
    { length: n },
    (_, i) =>
      [
        int96(ns('2024-01-01T00:00:00.000Z')),
        BigInt(from + i),
        BigInt(from + i),
        BigInt(i),
        `row ${from + i}`,
      ] as [Uint8Array, bigint, bigint, bigint, string],
  )

/** A manifest naming one file of row groups of the given sizes, ids counting up from 0 across them. */
async function groupsFile(name: string, sizes: number[]): Promise<string> {
  const groups: ReturnType<typeof rowsIn>[] = []
  let from = 0
  for (const n of sizes) {
    groups.push(rowsIn(from, n))
    from += n
  }
  const prefix = `unload-fixture/${Date.now()}-${name}/`
  const part = await put(`${prefix}part`, parquetFile(columns(groups)))
  return put(`${prefix}manifest.csv`, `${part}\n`)
}

const ids = (n: number) => Array.from({ length: n }, (_, i) => BigInt(i))

test('row groups larger than a slice come back in slices, in order, and an early stop or an abort lets go of the decoders', async () => {
  const manifest = await groupsFile('slices', [2500, 1200, 900])
  const pool = new ParquetDecoderPool({ threads: 1 })
  const client = athena.client()
  const read = (signal?: AbortSignal) =>
    readThroughUnload(
      client.transport,
      { QueryExecutionId: 'fixture-slices', Statistics: { DataManifestLocation: manifest } },
      { signal, decoders: pool },
    )
  const sizes: number[] = []
  const seen: bigint[] = []
  for await (const batch of (await read()).batches()) {
    sizes.push(batch.length)
    for (const row of batch) seen.push(row[1] as bigint)
  }
  assert.deepEqual(sizes, [1000, 1000, 500, 1000, 200, 900])
  assert.deepEqual(seen, ids(4600))
  assert.equal(pool.held, 0)

  // A break while the next row groups wait or are being decoded lets go of them and of the worker's place.
  for await (const _ of (await read()).batches()) break
  assert.equal(pool.held, 0, 'a break lets go of the row groups asked for')
  assert.equal(pool.decoding, 0, 'a break frees the worker')

  const controller = new AbortController()
  const aborted = await read(controller.signal)
  const error = await (async () => {
    for await (const _ of aborted.batches()) controller.abort()
  })().catch((e: unknown) => e)
  assert.ok(error instanceof QueryCancelledError, String(error))
  assert.equal(error.queryId, 'fixture-slices')
  assert.equal(pool.held, 0, 'an abort lets go of the row groups asked for')
  assert.equal(pool.decoding, 0, 'an abort frees the worker')

  // The one worker's place is free again: a read after them gets every row.
  let after = 0
  for await (const batch of (await read()).batches()) after += batch.length
  assert.equal(after, 4600)
  assert.ok(pool.workers <= 1)
  await pool.close()
})

test('row groups are decoded ahead on as many workers as the pool has, no more, and handed out in order', async () => {
  const manifest = await groupsFile('ahead', [300, 300, 300, 300, 300, 300])
  const pool = new ParquetDecoderPool({ threads: 2 })
  const client = athena.client()
  const reader = await readThroughUnload(
    client.transport,
    { QueryExecutionId: 'fixture-ahead', Statistics: { DataManifestLocation: manifest } },
    { decoders: pool },
  )
  const seen: bigint[] = []
  let first = true
  for await (const batch of reader.batches()) {
    if (first) {
      // The row group handed out and the two asked for ahead, one on each worker; the rest not yet.
      assert.equal(pool.held, 3)
      assert.equal(pool.workers, 2)
      first = false
    }
    assert.ok(pool.held <= 3, `at most two row groups ahead, not ${pool.held - 1}`)
    for (const row of batch) seen.push(row[1] as bigint)
  }
  assert.deepEqual(seen, ids(1800))
  assert.equal(pool.held, 0)
  await pool.close()
})

test('concurrent reads share the process decoders: twenty reads start no more workers than its threads', async () => {
  const manifest = await groupsFile('shared', [400, 400, 400])
  const client = athena.client()
  const pool = defaultParquetDecoderPool()
  assert.equal(pool.threads, defaultDecoderThreads())
  let most = 0
  const readAll = async (n: number) => {
    const reader = await readThroughUnload(
      client.transport,
      { QueryExecutionId: `fixture-shared-${n}`, Statistics: { DataManifestLocation: manifest } },
      {},
    )
    const seen: bigint[] = []
    for await (const batch of reader.batches()) {
      most = Math.max(most, pool.workers)
      for (const row of batch) seen.push(row[1] as bigint)
    }
    return seen
  }
  const results = await Promise.all(Array.from({ length: 20 }, (_, n) => readAll(n)))
  for (const seen of results) assert.deepEqual(seen, ids(1200))
  assert.ok(most >= 1 && most <= pool.threads, `${most} workers for a pool of ${pool.threads}`)
  assert.ok(pool.workers <= pool.threads)
  assert.equal(pool.held, 0)
})

test('a pool needs at least one thread', () => {
  assert.throws(() => new ParquetDecoderPool({ threads: 0 }), RangeError)
  assert.throws(() => new ParquetDecoderPool({ threads: 1.5 }), RangeError)
})
