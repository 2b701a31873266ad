/**
 * One benchmark measurement per process, so peak RSS belongs to that case alone.
 * Plain JavaScript on the built packages (`npm run build`), as users run them: no
 * TypeScript loader in the process to inflate its memory.
 * Usage: node bench/cases.js <case> <impl> '<json server>'
 * Prints one JSON line: { case, impl, ms, cpuMs?, rows?, rowsPerSec?, loop?, maxRssMb } or { error }.
 */
import { createHistogram, monitorEventLoopDelay, performance } from 'node:perf_hooks'
import { createClient as createOfficialClient } from '@clickhouse/client'
import { ClickhouseDialect as FounderpathDialect } from '@founderpath/kysely-clickhouse'
import { ClickHouseDialect, createClient } from '@tributary/clickhouse'
import { Kysely, sql } from 'kysely'
import { Pool } from 'undici'

const [caseName, impl, serverJson] = process.argv.slice(2)
const server = JSON.parse(serverJson)
const rowsArg = Number(process.env.BENCH_ROWS ?? 0)

const STREAM_SQL = (rows) =>
  `SELECT number AS id, toString(number) AS name, number * 0.5 AS score FROM system.numbers LIMIT ${rows}`

function ours() {
  return createClient({ url: server.url, username: server.username, password: server.password })
}
function official() {
  return createOfficialClient({ url: server.url, username: server.username, password: server.password })
}

/**
 * Event-loop delay while a case runs, measured two ways. `wall`: Node's monitorEventLoopDelay at its
 * default 10 ms resolution (a value is the time between two ticks of a 10 ms timer, so 10 ms means no
 * delay). `cpu`: the main thread's own CPU time between ticks of a 1 ms timer (process.threadCpuUsage),
 * which leaves out the time the OS ran other processes; on a loaded machine it is the part of the delay
 * the client itself causes. Both in ms: p50, p99, max.
 */
function loopProbe() {
  const wall = monitorEventLoopDelay({ resolution: 10 })
  const cpu = createHistogram()
  let last = process.threadCpuUsage()
  const tick = setInterval(() => {
    const now = process.threadCpuUsage()
    cpu.record(Math.max(1, now.user - last.user + now.system - last.system))
    last = now
  }, 1)
  // A case that fails must still let the process exit.
  tick.unref()
  wall.enable()
  const summary = (h, unit) => ({
    p50: h.percentile(50) / unit,
    p99: h.percentile(99) / unit,
    max: h.max / unit,
  })
  return () => {
    wall.disable()
    clearInterval(tick)
    return { wall: summary(wall, 1e6), cpu: summary(cpu, 1e3) }
  }
}

/** CPU time of the whole process (all threads) since `start`, in ms: what the client costs, whatever the load. */
function cpuSince(start) {
  const used = process.cpuUsage(start)
  return (used.user + used.system) / 1000
}

async function timeLoop(iterations, run) {
  for (let i = 0; i < Math.min(200, iterations); i++) await run()
  const start = performance.now()
  for (let i = 0; i < iterations; i++) await run()
  return (performance.now() - start) / iterations
}

async function select1() {
  const n = 2000
  if (impl === 'ours') {
    const c = ours()
    const ms = await timeLoop(n, () => c.query('SELECT 1'))
    await c.close()
    return { ms }
  }
  if (impl === 'undici') {
    const origin = new URL(server.url).origin
    const pool = new Pool(origin, { connections: 10 })
    const auth = `Basic ${Buffer.from(`${server.username}:${server.password}`).toString('base64')}`
    const ms = await timeLoop(n, async () => {
      const res = await pool.request({
        path: '/',
        method: 'POST',
        body: 'SELECT 1',
        headers: { authorization: auth },
      })
      await res.body.text()
    })
    await pool.close()
    return { ms }
  }
  if (impl === 'official') {
    const c = official()
    const ms = await timeLoop(n, async () =>
      (await c.query({ query: 'SELECT 1', format: 'JSONEachRow' })).json(),
    )
    await c.close()
    return { ms }
  }
  if (impl === 'founderpath') {
    const db = new Kysely({
      dialect: new FounderpathDialect({
        options: { url: server.url, username: server.username, password: server.password },
      }),
    })
    const ms = await timeLoop(n, () => sql`SELECT 1`.execute(db))
    await db.destroy()
    return { ms }
  }
  throw new Error(`unknown impl ${impl}`)
}

async function stream() {
  const rows = rowsArg || 2_000_000
  let count = 0
  let checksum = 0
  const probe = loopProbe()
  const cpuStart = process.cpuUsage()
  const start = performance.now()
  if (impl === 'ours') {
    const c = ours()
    for await (const row of c.stream(STREAM_SQL(rows))) {
      count++
      checksum += row.score
    }
    await c.close()
  } else if (impl === 'official') {
    const c = official()
    const rs = await c.query({ query: STREAM_SQL(rows), format: 'JSONEachRow' })
    for await (const batch of rs.stream()) {
      for (const r of batch) {
        count++
        checksum += r.json().score
      }
    }
    await c.close()
  } else {
    throw new Error(`unknown impl ${impl}`)
  }
  const ms = performance.now() - start
  const cpuMs = cpuSince(cpuStart)
  const loop = probe()
  if (count !== rows || checksum !== (rows * (rows - 1)) / 4)
    throw new Error(`read ${count} rows, checksum ${checksum}`)
  return { ms, cpuMs, rows: count, rowsPerSec: (count / ms) * 1000, loop }
}

async function kysely1k() {
  const n = 1000
  const query = 'SELECT number AS id, toString(number) AS name FROM system.numbers LIMIT 1000'
  if (impl === 'client') {
    const c = ours()
    const ms = await timeLoop(n, () => c.query(query))
    await c.close()
    return { ms }
  }
  if (impl === 'kysely') {
    const db = new Kysely({
      dialect: new ClickHouseDialect({
        url: server.url,
        username: server.username,
        password: server.password,
      }),
    })
    const ms = await timeLoop(n, () =>
      db
        .selectFrom(sql`system.numbers`.as('n'))
        .select([sql`number`.as('id'), sql`toString(number)`.as('name')])
        .limit(1000)
        .execute(),
    )
    await db.destroy()
    return { ms }
  }
  throw new Error(`unknown impl ${impl}`)
}

async function insert() {
  const rows = rowsArg || 1_000_000
  const table = `bench_insert_${impl}_${process.pid}`
  const admin = ours()
  await admin.command(
    `CREATE TABLE ${table} (id UInt64, name String, score Float64) ENGINE = MergeTree ORDER BY id`,
  )
  async function* generate() {
    for (let i = 0; i < rows; i++) yield { id: i, name: `name-${i}`, score: i * 0.5 }
  }
  const probe = loopProbe()
  const cpuStart = process.cpuUsage()
  const start = performance.now()
  if (impl === 'ours') {
    const c = ours()
    await c.insert({ table, values: generate() })
    await c.close()
  } else if (impl === 'official') {
    const { Readable } = await import('node:stream')
    const c = official()
    await c.insert({ table, values: Readable.from(generate()), format: 'JSONEachRow' })
    await c.close()
  } else {
    throw new Error(`unknown impl ${impl}`)
  }
  const ms = performance.now() - start
  const cpuMs = cpuSince(cpuStart)
  const loop = probe()
  const { rows: counted } = await admin.query(`SELECT count() AS c FROM ${table}`)
  await admin.command(`DROP TABLE ${table}`)
  await admin.close()
  if (counted[0].c !== BigInt(rows)) throw new Error(`inserted ${counted[0].c} of ${rows}`)
  return { ms, cpuMs, rows, rowsPerSec: (rows / ms) * 1000, loop }
}

const cases = { select1, stream, kysely1k, insert }
const run = cases[caseName]
if (!run) throw new Error(`unknown case ${caseName}`)
try {
  const result = await run()
  const maxRssMb = process.resourceUsage().maxRSS / 1024
  console.log(JSON.stringify({ case: caseName, impl, ...result, maxRssMb }))
} catch (error) {
  console.log(JSON.stringify({ case: caseName, impl, error: String(error?.message ?? error).slice(0, 300) }))
}
