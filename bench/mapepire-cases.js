/**
 * One Mapepire benchmark measurement per process, so peak RSS belongs to that case alone.
 * Plain JavaScript on the built packages (`npm run build`).
 * Usage: BENCH_SERVER='<json server>' node bench/mapepire-cases.js <case> <impl>
 * Prints one JSON line: { case, impl, ... } or { error }.
 */
import { performance } from 'node:perf_hooks'
import mapepire from '@ibm/mapepire-js'
import { createClient } from '@tributary/mapepire'

const { Pool, SQLJob } = mapepire
const [caseName, impl] = process.argv.slice(2)
const server = JSON.parse(process.env.BENCH_SERVER ?? '{}')

const CONCURRENCY = 64
const PER_WORKER = Number(process.env.BENCH_PER_WORKER ?? 40)
const POOL = 8
const STREAM_ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000)
const LARGE_ROWS = Number(process.env.BENCH_LARGE_ROWS ?? 200_000)
const PAGE = 5000
const LOOKUP = 'SELECT ID, NAME, PRICE FROM BENCH.ITEMS WHERE ID = ?'
const series = (n) =>
  `WITH T(N) AS (VALUES 1 UNION ALL SELECT N + 1 FROM T WHERE N < ${n}) ` +
  `SELECT N AS ID, 'item ' || CAST(N AS VARCHAR(12)) AS NAME, CAST(N AS DECIMAL(12, 2)) / 4 AS PRICE FROM T`

function ours(extra = {}) {
  return createClient({
    host: server.host,
    port: server.port,
    user: server.user,
    password: server.password,
    ca: server.ca,
    tls: server.tls,
    ...extra,
  })
}

function officialCreds() {
  return { host: server.host, port: server.port, user: server.user, password: server.password, ca: server.ca }
}

const rssMb = () => process.resourceUsage().maxRSS / 1024

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]
}

async function closedLoop(run) {
  // Warm-up: every worker once.
  await Promise.all(Array.from({ length: CONCURRENCY }, (_, w) => run(w)))
  const latencies = []
  const start = performance.now()
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, w) => {
      for (let i = 0; i < PER_WORKER; i++) {
        const t = performance.now()
        await run(w * PER_WORKER + i)
        latencies.push(performance.now() - t)
      }
    }),
  )
  const elapsed = performance.now() - start
  latencies.sort((a, b) => a - b)
  return {
    queries: latencies.length,
    ms: elapsed,
    qps: (latencies.length / elapsed) * 1000,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  }
}

async function concurrent() {
  if (impl === 'ours') {
    const client = ours({ pool: { max: POOL, min: POOL } })
    const result = await closedLoop(async (i) => {
      const { rows } = await client.query(LOOKUP, [(i % 1000) + 1])
      if (rows.length !== 1) throw new Error('expected one row')
    })
    await client.close()
    return result
  }
  const pool = new Pool({ creds: officialCreds(), maxSize: POOL, startingSize: POOL })
  await pool.init()
  const result = await closedLoop(async (i) => {
    const reply = await pool.execute(LOOKUP, { parameters: [(i % 1000) + 1] })
    if (reply.data.length !== 1) throw new Error('expected one row')
  })
  pool.end()
  return result
}

/**
 * Streams `total` rows into row objects, `page` rows a page; with no `page`, as each client's documentation
 * starts you off: ours `stream(sql)` (its default batch), mapepire-js `execute()` then `fetchMore()` with no row
 * count (its default of 100 rows a page).
 */
async function streamRows(total, page) {
  let rows = 0
  let check = 0
  const start = performance.now()
  if (impl === 'ours') {
    const client = ours()
    const options = page === undefined ? {} : { batchSize: page }
    for await (const row of client.stream(series(total), [], options)) {
      rows++
      check += row.ID
    }
    await client.close()
  } else {
    const job = new SQLJob()
    await job.connect(officialCreds())
    const query = job.query(series(total))
    let reply = await (page === undefined ? query.execute() : query.execute(page))
    for (;;) {
      for (const row of reply.data) {
        rows++
        check += row.ID
      }
      if (reply.is_done) break
      reply = await (page === undefined ? query.fetchMore() : query.fetchMore(page))
    }
    await query.close()
    await job.close()
  }
  const ms = performance.now() - start
  if (rows !== total) throw new Error(`read ${rows} rows`)
  return { rows, ms, rowsPerSec: (rows / ms) * 1000, check }
}

const stream = () => streamRows(STREAM_ROWS, PAGE)
const streamDefaults = () => streamRows(LARGE_ROWS)

async function large() {
  const start = performance.now()
  let rows
  if (impl === 'ours') {
    const client = ours()
    rows = (await client.query(series(LARGE_ROWS))).rows.length
    await client.close()
  } else {
    const job = new SQLJob()
    await job.connect(officialCreds())
    const query = job.query(series(LARGE_ROWS))
    const reply = await query.execute(LARGE_ROWS + 1)
    rows = reply.data.length
    await query.close()
    await job.close()
  }
  const ms = performance.now() - start
  if (rows !== LARGE_ROWS) throw new Error(`read ${rows} rows`)
  return { rows, ms, rowsPerSec: (rows / ms) * 1000 }
}

/** A short mixed workload, run through the statement ledger: what the server still holds after it. */
async function leftOpen() {
  if (impl === 'ours') {
    const client = ours({ preparedStatementCacheSize: 0 })
    for (let i = 0; i < 20; i++) await client.query(LOOKUP, [i + 1])
    let n = 0
    for await (const _row of client.stream(series(5000), [], { batchSize: 1000 })) if (++n === 1500) break
    await client.query(series(3000))
    return { client }
  }
  const job = new SQLJob()
  await job.connect(officialCreds())
  for (let i = 0; i < 20; i++) await job.execute(LOOKUP, { parameters: [i + 1] })
  const query = job.query(series(5000))
  await query.execute(1000)
  await query.fetchMore(500)
  await job.execute(series(3000))
  return { job }
}

const cases = { concurrent, stream, streamDefaults, large, leftOpen }
try {
  const result = await cases[caseName]()
  if (caseName === 'leftOpen') {
    // Keep the sockets open while the driver reads the ledger, then end.
    process.stdout.write(`${JSON.stringify({ case: caseName, impl, ready: true })}\n`)
    await new Promise((resolve) => process.stdin.once('data', resolve))
    if (result.client) await result.client.close()
    if (result.job) await result.job.close()
    process.exit(0)
  }
  const cpu = process.cpuUsage()
  process.stdout.write(
    `${JSON.stringify({ case: caseName, impl, ...result, maxRssMb: rssMb(), cpuMs: (cpu.user + cpu.system) / 1000 })}\n`,
  )
} catch (error) {
  process.stdout.write(
    `${JSON.stringify({ case: caseName, impl, error: String(error?.message ?? error) })}\n`,
  )
}
process.exit(0)
