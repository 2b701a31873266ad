/** Every runnable example runs to completion (on embedded ClickHouse, or mapepire-local) and prints what it promises. */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const run = promisify(execFile)
const root = fileURLToPath(new URL('..', import.meta.url))

async function example(file: string, ...args: string[]): Promise<string> {
  const { stdout } = await run(
    process.execPath,
    ['--conditions=tributary-source', `examples/${file}`, ...args],
    {
      cwd: root,
      timeout: 120_000,
      maxBuffer: 16 << 20,
    },
  )
  return stdout
}

test('the demo runs a migration, an insert, Kysely and Drizzle queries and a streamed aggregate', async () => {
  const out = await demo()
  assert.match(out, /2026_01_cities: Success/)
  assert.match(out, /Drizzle count: 100000/)
  assert.match(out, /1667 hours streamed/)
  assert.match(out, /max id 9007199254840992 \(bigint\)/)
})

/** The demo runs once for both of its tests. */
let demoRun: Promise<string> | undefined
function demo(): Promise<string> {
  demoRun ??= example('demo.ts')
  return demoRun
}

test('stream-to-csv writes every row', async () => {
  const out = await example('stream-to-csv.ts', '50000')
  assert.match(out, /wrote 50000 rows/)
})

test('drizzle-events joins, updates and iterates', async () => {
  const out = await example('drizzle-events.ts')
  assert.match(out, /Grace Hopper/)
  assert.match(out, /iterated 50000 events, 5000 purchases/)
})

test('the demo has a Db2 for i section on mapepire-local', async () => {
  const out = await demo()
  assert.match(out, /Db2 for i through Mapepire/)
  assert.match(out, /bolt stock 9007199254740993 \(bigint\)/)
  assert.match(out, /3 parts streamed/)
  assert.match(out, /the statement was cancelled \(CANCEL_SQL/)
})

test('mapepire-orders writes in a transaction, reports with Drizzle, streams and stops a statement', async () => {
  const out = await example('mapepire-orders.ts')
  assert.match(out, /inserted order 401 for 12345678901\.99/)
  assert.match(out, /Ada: 4816\.00 \(max units 9007199254741389, bigint\)/)
  assert.match(out, /Drizzle count: 401/)
  assert.match(out, /streamed 401 orders/)
  assert.match(out, /stopped on the server/)
})

test('the demo has an Amazon Athena section on athena-local', async () => {
  const out = await demo()
  assert.match(out, /Amazon Athena \(athena-local on http:\/\/127\.0\.0\.1:\d+\)/)
  assert.match(out, /started [0-9a-f-]{36}/)
  assert.match(out, /Lisbon fare 12345678901234567\.89 \(string\), tags \["a, b","c}"\]/)
  assert.match(out, /10000 counted, read as unload/)
})

test('athena-rides migrates, reads one report in three modes, updates with Drizzle and stops a query', async () => {
  const out = await example('athena-rides.ts')
  assert.match(out, /migration 2026_03_rides: Success/)
  for (const mode of ['api', 'csv', 'unload']) {
    assert.match(
      out,
      new RegExp(
        `${mode}: Lisbon 94 rides 3422\\.85, Osaka 94 rides 3216\\.81, Quito 94 rides 3319\\.83 \\(read as ${mode},`,
      ),
    )
  }
  assert.match(out, /Drizzle: ride 9007199254740993 \(bigint\) now costs 99\.99/)
  assert.match(out, /max id 9007199254741292 \(bigint\)/)
  assert.match(out, /stopped on Athena: Athena query [0-9a-f-]{36} was aborted/)
})
