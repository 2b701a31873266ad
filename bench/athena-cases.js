/**
 * One Athena benchmark measurement per process, so peak RSS belongs to that case alone.
 * Plain JavaScript on the built packages (`npm run build`).
 * Usage: BENCH_SERVER='<json>' node bench/athena-cases.js <mode> <impl>
 *   mode: api | csv | unload; impl: ours | express (athena-express-plus 8.1.0)
 * Prints one JSON line: { mode, impl, rows, queryMs, readMs, rowsPerSec, elP99Ms, maxRssMb, rssAtTenthMb, ... } or { error }.
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks'
import { AthenaClient, GetQueryExecutionCommand } from '@aws-sdk/client-athena'
import { S3Client } from '@aws-sdk/client-s3'
import { createClient, ParquetDecoderPool } from '@tributary/athena'
import AthenaExpress from 'athena-express-plus'

const [mode, impl] = process.argv.slice(2)
const server = JSON.parse(process.env.BENCH_SERVER ?? '{}')
const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000)
/** athena-express-plus pages one call at a time; its api case reads this many pages of the result. */
const EXPRESS_PAGES = Number(process.env.BENCH_EXPRESS_PAGES ?? 100)

// bigint, varchar, double, decimal and timestamp columns; ORDER BY-free, so every mode may read it.
const SQL =
  `select x as id, concat('name ', cast(x as varchar)) as name, x * 1.5e0 as amount, ` +
  `cast(x as decimal(12, 2)) / 4 as price, timestamp '2024-01-01 00:00:00.000' as ts ` +
  `from unnest(sequence(1, ${ROWS})) as t(x)`

const sdk = { endpoint: server.endpoint, region: server.region, credentials: server.credentials }
const mb = (kb) => kb / 1024

/**
 * Times a read that started at `t1` (its query at `t0`) and reports it with the event-loop delay it ran with
 * and the RSS once a tenth of the rows were read. `read` calls `count(n)` for every n rows it takes (with
 * `false` where the rows arrive all at once, so no RSS after a tenth is reported).
 */
async function timedRead(t0, t1, fields, read) {
  const delay = monitorEventLoopDelay({ resolution: 1 })
  delay.enable()
  let rows = 0
  let rssAtTenthMb
  await read((n, tenth = true) => {
    rows += n
    if (tenth && rssAtTenthMb === undefined && rows >= ROWS / 10)
      rssAtTenthMb = process.memoryUsage().rss / 2 ** 20
  })
  const t2 = performance.now()
  delay.disable()
  result({
    rows,
    ...fields,
    queryMs: t1 - t0,
    readMs: t2 - t1,
    rowsPerSec: rows / ((t2 - t1) / 1000),
    elP99Ms: delay.percentile(99) / 1e6,
    rssAtTenthMb,
    rssAtEndMb: process.memoryUsage().rss / 2 ** 20,
  })
}

function result(fields) {
  console.log(JSON.stringify({ mode, impl, ...fields, maxRssMb: mb(process.resourceUsage().maxRSS) }))
}

async function ours() {
  const client = createClient({
    client: sdk,
    s3: { ...sdk, forcePathStyle: true },
    outputLocation: server.outputLocation,
    resultMode: mode,
    // BENCH_DECODER_THREADS sizes unload's decoder pool (default: the package's).
    parquetDecoders: process.env.BENCH_DECODER_THREADS
      ? new ParquetDecoderPool({ threads: Number(process.env.BENCH_DECODER_THREADS) })
      : undefined,
  })
  try {
    const t0 = performance.now()
    const finished = await client.run(SQL)
    const t1 = performance.now()
    await timedRead(t0, t1, { readMode: finished.mode }, async (count) => {
      for await (const batch of finished.batches(1000)) count(batch.length)
    })
  } finally {
    await client.close()
  }
}

async function express() {
  const athena = new AthenaClient(sdk)
  const s3 = new S3Client({ ...sdk, forcePathStyle: true })
  try {
    if (mode === 'unload') {
      result({ error: 'athena-express-plus has no UNLOAD mode' })
      return
    }
    const t0 = performance.now()
    const client = new AthenaExpress({ athena, s3, s3Bucket: server.outputLocation, waitForResults: false })
    const { QueryExecutionId } = await client.query(SQL)
    // Waited for here (its query() with an id reads the result too): what is timed after is its reading.
    for (;;) {
      const out = await athena.send(new GetQueryExecutionCommand({ QueryExecutionId }))
      const state = out.QueryExecution?.Status?.State
      if (state === 'SUCCEEDED') break
      if (state === 'FAILED' || state === 'CANCELLED') throw new Error(`query ${state}`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    const t1 = performance.now()
    await timedRead(t0, t1, {}, async (count) => {
      if (mode === 'csv') {
        // The whole CSV parsed into one array (its only way to read a result from S3).
        const out = await new AthenaExpress({ athena, s3 }).query({ QueryExecutionId })
        count(out.Items.length, false)
        return
      }
      let nextToken
      for (let page = 0; page < EXPRESS_PAGES; page++) {
        const out = await new AthenaExpress({ athena, s3, pagination: 999 }).query({
          QueryExecutionId,
          NextToken: nextToken,
          pagination: page === 0 ? 999 : 1000,
        })
        count(out.Items.length)
        nextToken = out.NextToken
        if (!nextToken) break
      }
    })
  } finally {
    athena.destroy()
    s3.destroy()
  }
}

try {
  if (impl === 'ours') await ours()
  else await express()
} catch (error) {
  result({ error: String(error?.message ?? error).slice(0, 300) })
}
