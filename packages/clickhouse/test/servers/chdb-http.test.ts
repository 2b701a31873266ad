import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { gunzipSync, gzipSync } from 'node:zlib'
import { type ChdbHttpServer, startChdbHttpServer } from './chdb-http-server.ts'

let server: ChdbHttpServer

function url(sql: string | undefined, params: Record<string, string> = {}): string {
  const search = new URLSearchParams(params)
  if (sql !== undefined) search.set('query', sql)
  return `${server.url}/?${search}`
}

async function get(sql: string, params: Record<string, string> = {}, headers: Record<string, string> = {}) {
  const response = await fetch(url(sql, params), { headers })
  return { response, text: await response.text() }
}

async function post(body: string | Uint8Array, params: Record<string, string> = {}, headers = {}) {
  const response = await fetch(url(undefined, params), { method: 'POST', body, headers })
  return { response, text: await response.text() }
}

/** Parses the 25.11+ trailing exception block, as a client would. */
function trailingException(body: string, tag: string): { before: string; message: string } | undefined {
  const closing = ` ${tag}\r\n__exception__\r\n`
  if (!body.endsWith(closing)) return undefined
  const opening = `\r\n__exception__\r\n${tag}\r\n`
  const start = body.lastIndexOf(opening)
  const inner = body.slice(start + opening.length, body.length - closing.length)
  const newline = inner.lastIndexOf('\n')
  const length = Number(inner.slice(newline + 1))
  const message = inner.slice(0, newline)
  assert.equal(Buffer.byteLength(`${message}\n`), length, 'the length counts the message and its newline')
  return { before: body.slice(0, start), message }
}

before(async () => {
  server = await startChdbHttpServer({ faults: true })
})

after(async () => {
  await server?.stop()
})

describe('chdb-http: basics and headers', () => {
  test('/ping and GET / answer Ok.', async () => {
    for (const path of ['/ping', '/']) {
      const response = await fetch(`${server.url}${path}`)
      assert.equal(response.status, 200)
      assert.equal(await response.text(), 'Ok.\n')
    }
  })

  test('reports a 26.x version and a matching timezone header', async () => {
    assert.match(server.version, /^26\.\d+/)
    const { response, text } = await get('SELECT version(), timezone()')
    const [version, timezone] = text.trim().split('\t')
    assert.equal(version, server.version)
    assert.equal(response.headers.get('x-clickhouse-timezone'), timezone)
  })

  test('query responses carry the ClickHouse headers', async () => {
    const { response, text } = await get('SELECT 1', { query_id: 'header-check' })
    assert.equal(text, '1\n')
    assert.equal(response.headers.get('x-clickhouse-query-id'), 'header-check')
    assert.equal(response.headers.get('x-clickhouse-format'), 'TabSeparated')
    assert.equal(response.headers.get('content-type'), 'text/tab-separated-values; charset=UTF-8')
    assert.equal(response.headers.get('keep-alive'), 'timeout=10')
    assert.ok(response.headers.get('x-clickhouse-server-display-name'))
    assert.match(response.headers.get('x-clickhouse-exception-tag') ?? '', /^[A-Za-z0-9]{16}$/)
    const summary = JSON.parse(response.headers.get('x-clickhouse-summary') ?? '{}') as Record<
      string,
      unknown
    >
    assert.ok(Object.keys(summary).includes('read_rows'))
    for (const value of Object.values(summary)) assert.equal(typeof value, 'string')
  })

  test('a query id is generated when absent', async () => {
    const { response } = await get('SELECT 1')
    assert.match(response.headers.get('x-clickhouse-query-id') ?? '', /^[0-9a-f-]{36}$/)
  })

  test('FORMAT in the query and default_format pick the output and headers', async () => {
    const inQuery = await get('SELECT 1 AS x FORMAT JSONEachRow')
    assert.equal(inQuery.text, '{"x":1}\n')
    assert.equal(inQuery.response.headers.get('x-clickhouse-format'), 'JSONEachRow')
    const byParam = await get('SELECT 1 AS x', { default_format: 'JSONCompact' })
    assert.equal(byParam.response.headers.get('x-clickhouse-format'), 'JSONCompact')
    assert.equal(byParam.response.headers.get('content-type'), 'application/json; charset=UTF-8')
    assert.deepEqual((JSON.parse(byParam.text) as { data: unknown }).data, [[1]])
  })

  test('query text in the URL and the body are joined with a newline', async () => {
    const { text } = await post('1 AS y', { query: 'SELECT' })
    assert.equal(text, '1\n')
  })

  test('database param selects the database', async () => {
    const { text } = await get('SELECT currentDatabase()', { database: 'system' })
    assert.equal(text, 'system\n')
  })
})

describe('chdb-http: errors', () => {
  test('unknown table: 404, exception code header, ClickHouse text', async () => {
    const { response, text } = await get('SELECT * FROM no_such_table')
    assert.equal(response.status, 404)
    assert.equal(response.headers.get('x-clickhouse-exception-code'), '60')
    assert.match(
      text,
      /^Code: 60\. DB::Exception: .*no_such_table.*\(UNKNOWN_TABLE\) \(version 26\.[\d.]+ \(official build\)\)\n$/,
    )
  })

  test('syntax error: 400 with code 62', async () => {
    const { response, text } = await get('SELEC 1')
    assert.equal(response.status, 400)
    assert.match(text, /^Code: 62\. DB::Exception: Syntax error/)
  })

  test('GET is readonly: writes fail with 164 READONLY', async () => {
    const { response, text } = await get('CREATE TABLE ro_probe (x UInt8) ENGINE = Memory')
    assert.equal(response.status, 500)
    assert.equal(response.headers.get('x-clickhouse-exception-code'), '164')
    assert.match(text, /\(READONLY\)/)
  })

  test('unknown URL setting: code 115', async () => {
    const { response, text } = await get('SELECT 1', { no_such_setting_at_all: '1' })
    assert.equal(response.status, 404)
    assert.match(text, /^Code: 115\./)
  })

  // The engine runs ahead of the reader: an error only a few ms in can surface before the first block
  // (then it is a plain 500), so the failing row is placed later in time.
  const lateError =
    'SELECT sleepEachRow(0.01), throwIf(number = 20) FROM numbers(100) SETTINGS max_block_size = 1'

  test('error after streaming began: status 200 and the trailing exception block', async () => {
    const response = await fetch(url(lateError))
    assert.equal(response.status, 200)
    const tag = response.headers.get('x-clickhouse-exception-tag') ?? ''
    const body = await response.text()
    const parsed = trailingException(body, tag)
    assert.ok(parsed, 'body ends with the exception block')
    assert.match(parsed.message, /^Code: 395\. DB::Exception: .*\(FUNCTION_THROW_IF_VALUE_IS_NON_ZERO\)/)
    assert.match(parsed.before, /^(0\t0\n)+$/)
  })

  test('wait_end_of_query=1 turns a late error into a 500 without partial rows', async () => {
    const { response, text } = await get(lateError, { wait_end_of_query: '1' })
    assert.equal(response.status, 500)
    assert.match(text, /^Code: 395\./)
  })
})

describe('chdb-http: settings and parameters', () => {
  test('URL settings apply to the query', async () => {
    const { text } = await get("SELECT value FROM system.settings WHERE name = 'max_block_size'", {
      max_block_size: '1234',
    })
    assert.equal(text, '1234\n')
  })

  test('param_<name> values are ClickHouse text (escapes, \\N, arrays, maps)', async () => {
    const { text } = await get(
      "SELECT {s:String} = concat('a', char(9), 'b\\\\c'), isNull({n:Nullable(String)}), {a:Array(UInt8)}, {m:Map(String, UInt8)}",
      { param_s: 'a\\tb\\\\c', param_n: '\\N', param_a: '[1,2]', param_m: "{'k':7}" },
    )
    assert.equal(text, "1\t1\t[1,2]\t{'k':7}\n")
  })

  test('a quote in a parameter cannot escape the value', async () => {
    const { text } = await get('SELECT {s:String}', { param_s: "x' OR 1=1 --" })
    assert.equal(text, "x\\' OR 1=1 --\n")
  })
})

describe('chdb-http: auth', () => {
  const whoAmI = 'SELECT 1'
  test('Basic, X-ClickHouse headers, URL params and Bearer are accepted', async () => {
    const basic = Buffer.from(`${server.username}:${server.password}`).toString('base64')
    const ways: [Record<string, string>, Record<string, string>][] = [
      [{}, { Authorization: `Basic ${basic}` }],
      [{}, { 'X-ClickHouse-User': server.username, 'X-ClickHouse-Key': server.password }],
      [{ user: server.username, password: server.password }, {}],
      [{}, { Authorization: `Bearer ${server.bearerToken}` }],
    ]
    for (const [params, headers] of ways) {
      const { response, text } = await get(whoAmI, params, headers)
      assert.equal(response.status, 200, JSON.stringify(headers))
      assert.equal(text, '1\n')
    }
  })

  test('wrong credentials: 403 with 516 AUTHENTICATION_FAILED and no password in the text', async () => {
    const attempts: Record<string, string>[] = [
      { 'X-ClickHouse-User': server.username, 'X-ClickHouse-Key': 'wrong-password' },
      { Authorization: 'Bearer wrong-token' },
      { 'X-ClickHouse-User': 'nobody' },
    ]
    for (const headers of attempts) {
      const { response, text } = await get(whoAmI, {}, headers)
      assert.equal(response.status, 403)
      assert.equal(response.headers.get('x-clickhouse-exception-code'), '516')
      assert.match(text, /^Code: 516\. DB::Exception: .*Authentication failed.*\(AUTHENTICATION_FAILED\)/)
      assert.ok(!text.includes('wrong-password'))
    }
  })
})

describe('chdb-http: sessions', () => {
  test('temporary tables and SET live in their session only', async () => {
    await post('CREATE TEMPORARY TABLE tmp_a (x UInt8)', { session_id: 'sess-a' })
    await post('INSERT INTO tmp_a VALUES (1), (2)', { session_id: 'sess-a' })
    await post('SET max_threads = 3', { session_id: 'sess-a' })
    assert.equal((await get('SELECT count() FROM tmp_a', { session_id: 'sess-a' })).text, '2\n')
    const setting = "SELECT value FROM system.settings WHERE name = 'max_threads'"
    assert.equal((await get(setting, { session_id: 'sess-a' })).text, '3\n')
    const other = await get('SELECT count() FROM tmp_a', { session_id: 'sess-b' })
    assert.equal(other.response.status, 404)
    assert.notEqual((await get(setting, { session_id: 'sess-b' })).text, '3\n')
    assert.equal((await get('SELECT count() FROM tmp_a')).response.status, 404)
  })

  test('URL settings in a session apply to that query only', async () => {
    const setting = "SELECT value FROM system.settings WHERE name = 'max_block_size'"
    assert.equal((await get(setting, { session_id: 'sess-c', max_block_size: '777' })).text, '777\n')
    assert.notEqual((await get(setting, { session_id: 'sess-c' })).text, '777\n')
  })

  test('a concurrent query in a locked session gets 373 SESSION_IS_LOCKED', async () => {
    const slow = fetch(url('SELECT sleep(1)', { session_id: 'sess-lock', wait_end_of_query: '1' }))
    await new Promise((resolve) => setTimeout(resolve, 200))
    const { response, text } = await get('SELECT 1', { session_id: 'sess-lock' })
    assert.equal(response.status, 500)
    assert.equal(response.headers.get('x-clickhouse-exception-code'), '373')
    assert.match(text, /\(SESSION_IS_LOCKED\)/)
    assert.equal((await slow).status, 200)
  })

  test('session_check=1 on an unknown session gets 372', async () => {
    const { response, text } = await get('SELECT 1', { session_id: 'never-made', session_check: '1' })
    assert.equal(response.headers.get('x-clickhouse-exception-code'), '372')
    assert.match(text, /\(SESSION_NOT_FOUND\)/)
  })
})

describe('chdb-http: inserts', () => {
  before(async () => {
    await post('CREATE TABLE ins (a UInt32, b String) ENGINE = MergeTree ORDER BY a')
  })

  test('TSV from the body with the statement in the URL, JSONEachRow inline, RowBinary spooled', async () => {
    const tsv = await post('1\tone\n2\ttwo\n', { query: 'INSERT INTO ins FORMAT TabSeparated' })
    assert.equal(tsv.response.status, 200)
    assert.equal(JSON.parse(tsv.response.headers.get('x-clickhouse-summary') ?? '{}').written_rows, '2')
    const json = await post('INSERT INTO ins (a, b) FORMAT JSONEachRow\n{"a":3,"b":"three"}\n')
    assert.equal(json.response.status, 200)
    const rowBinary = Buffer.from([4, 0, 0, 0, 4, ...Buffer.from('four')])
    const binary = await post(rowBinary, { query: 'INSERT INTO ins FORMAT RowBinary' })
    assert.equal(binary.response.status, 200, binary.text)
    assert.equal((await get('SELECT a, b FROM ins ORDER BY a')).text, '1\tone\n2\ttwo\n3\tthree\n4\tfour\n')
  })

  test('quoted table and column names work for streamed and spooled formats', async () => {
    const tsv = await post('6\tsix\n', { query: 'INSERT INTO `default`.`ins` (`a`, "b") FORMAT TSV' })
    assert.equal(tsv.response.status, 200, tsv.text)
    const csv = await post('7,"seven"\n', { query: 'INSERT INTO `ins` (a, b) FORMAT CSV' })
    assert.equal(csv.response.status, 200, csv.text)
    assert.equal((await get('SELECT b FROM ins WHERE a IN (6, 7) ORDER BY a')).text, 'six\nseven\n')
  })

  test('bad insert data is an error before the body', async () => {
    const { response, text } = await post('x\ty\n', { query: 'INSERT INTO ins FORMAT TSV' })
    assert.notEqual(response.status, 200)
    assert.match(text, /^Code: \d+\. DB::Exception/)
  })

  test('gzip request body (Content-Encoding) is decoded', async () => {
    const body = gzipSync(Buffer.from('INSERT INTO ins FORMAT TSV\n5\tfive\n'))
    const { response } = await post(body, {}, { 'Content-Encoding': 'gzip' })
    assert.equal(response.status, 200)
    assert.equal((await get('SELECT b FROM ins WHERE a = 5')).text, 'five\n')
  })
})

describe('chdb-http: compression and progress', () => {
  test('enable_http_compression=1 with Accept-Encoding: gzip compresses the body', async () => {
    const response = await fetch(url('SELECT number FROM numbers(1000)', { enable_http_compression: '1' }), {
      headers: { 'Accept-Encoding': 'gzip' },
    })
    assert.equal(response.headers.get('content-encoding'), 'gzip')
    const text = await response.text()
    assert.equal(text.split('\n').length, 1001)
  })

  test('without enable_http_compression the body is plain', async () => {
    const { request } = await import('undici')
    const response = await request(url('SELECT 42'), { headers: { 'accept-encoding': 'gzip' } })
    assert.equal(response.headers['content-encoding'], undefined)
    assert.equal(await response.body.text(), '42\n')
  })

  test('zstd and deflate are offered too', async () => {
    const { request } = await import('undici')
    const { zstdDecompressSync, inflateSync } = await import('node:zlib')
    for (const [encoding, decode] of [
      ['zstd', zstdDecompressSync],
      ['deflate', inflateSync],
      ['gzip', gunzipSync],
    ] as const) {
      const response = await request(url('SELECT 42', { enable_http_compression: '1' }), {
        headers: { 'accept-encoding': encoding },
      })
      assert.equal(response.headers['content-encoding'], encoding)
      const raw = Buffer.from(await response.body.arrayBuffer())
      assert.equal(decode(raw).toString(), '42\n')
    }
  })

  test('send_progress_in_http_headers=1 emits X-ClickHouse-Progress before the body', async () => {
    const response = await fetch(
      url('SELECT number FROM numbers(10)', { send_progress_in_http_headers: '1' }),
    )
    const progress = response.headers.get('x-clickhouse-progress')
    assert.ok(progress)
    assert.equal(typeof JSON.parse(progress.split(', {')[0]).read_rows, 'string')
    await response.text()
  })
})

describe('chdb-http: KILL QUERY', () => {
  test('KILL QUERY … SYNC stops a streaming query; its body ends with 394', async () => {
    const victim = await fetch(
      url('SELECT sleepEachRow(0.05), number FROM numbers(2000) SETTINGS max_block_size = 1', {
        query_id: 'victim-1',
      }),
    )
    assert.equal(victim.status, 200)
    const tag = victim.headers.get('x-clickhouse-exception-tag') ?? ''
    const kill = await post("KILL QUERY WHERE query_id = 'victim-1' SYNC")
    assert.equal(kill.response.status, 200)
    assert.equal(
      kill.text,
      'finished\tvictim-1\tdefault\tSELECT sleepEachRow(0.05), number FROM numbers(2000) SETTINGS max_block_size = 1\n',
    )
    const body = await victim.text()
    const parsed = trailingException(body, tag)
    assert.ok(parsed)
    assert.match(parsed.message, /^Code: 394\. DB::Exception: Query was cancelled\. \(QUERY_WAS_CANCELLED\)/)
    assert.ok(parsed.before.split('\n').length < 2000)
  })

  test('KILL QUERY ASYNC answers waiting; unknown ids answer nothing', async () => {
    const victim = fetch(
      url('SELECT sleepEachRow(0.05), number FROM numbers(2000) SETTINGS max_block_size = 1', {
        query_id: 'victim-2',
      }),
    )
    const response = await victim
    const kill = await post("KILL QUERY WHERE query_id = 'victim-2' ASYNC FORMAT JSONEachRow")
    assert.equal(JSON.parse(kill.text).kill_status, 'waiting')
    await response.text()
    const none = await post("KILL QUERY WHERE query_id = 'no-such-query'")
    assert.equal(none.text, '')
  })

  test('KILL QUERY stops a query that has produced no output yet: 500 with 394', async () => {
    const victim = fetch(
      url(
        'SELECT count() FROM system.numbers WHERE NOT ignore(sleepEachRow(0.001)) SETTINGS max_block_size = 100',
        {
          query_id: 'victim-3',
        },
      ),
    )
    await new Promise((resolve) => setTimeout(resolve, 300))
    const kill = await post("KILL QUERY WHERE query_id = 'victim-3' SYNC")
    assert.match(kill.text, /^finished\tvictim-3\t/)
    const response = await victim
    assert.equal(response.status, 500)
    assert.equal(response.headers.get('x-clickhouse-exception-code'), '394')
    assert.match(await response.text(), /\(QUERY_WAS_CANCELLED\)/)
  })

  test('a second query with a running query id is refused', async () => {
    const first = await fetch(
      url('SELECT sleepEachRow(0.05), number FROM numbers(200) SETTINGS max_block_size = 1', {
        query_id: 'dup',
      }),
    )
    const second = await get('SELECT 1', { query_id: 'dup' })
    assert.equal(second.response.status, 500, second.text)
    assert.equal(second.response.headers.get('x-clickhouse-exception-code'), '216')
    await post("KILL QUERY WHERE query_id = 'dup' SYNC")
    await first.text()
  })
})

describe('chdb-http: client disconnect', () => {
  test('aborting the request cancels the query and frees its query id', async () => {
    const controller = new AbortController()
    const response = await fetch(
      url('SELECT sleepEachRow(0.05), number FROM numbers(2000) SETTINGS max_block_size = 1', {
        query_id: 'abandoned',
      }),
      { signal: controller.signal },
    )
    assert.equal(response.status, 200)
    controller.abort()
    await response.text().catch(() => {})
    let status = 0
    for (let attempt = 0; attempt < 100 && status !== 200; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 50))
      status = (await get('SELECT 1', { query_id: 'abandoned' })).response.status
    }
    assert.equal(status, 200)
  })

  test('aborting a query with no output yet stops it in the engine', async () => {
    const controller = new AbortController()
    const pending = fetch(
      url(
        'SELECT count() FROM system.numbers WHERE NOT ignore(sleepEachRow(0.002)) SETTINGS max_block_size = 100',
      ),
      { signal: controller.signal },
    )
    await new Promise((resolve) => setTimeout(resolve, 300))
    const probe =
      "SELECT count() FROM system.processes WHERE query LIKE '%sleepEachRow(0.002)%' AND query NOT LIKE '%system.processes%'"
    assert.equal((await get(probe)).text, '1\n')
    controller.abort()
    await assert.rejects(pending)
    let running = '1\n'
    for (let attempt = 0; attempt < 100 && running !== '0\n'; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 50))
      running = (await get(probe)).text
    }
    assert.equal(running, '0\n')
  })
})

describe('chdb-http: fault hooks', () => {
  test('truncate ends the body mid-row without the final chunk', async () => {
    const response = await fetch(url('SELECT number FROM numbers(100000)', { __fault: 'truncate' }))
    assert.equal(response.status, 200)
    await assert.rejects(response.text())
  })

  test('reset breaks the connection mid-stream', async () => {
    const response = await fetch(url('SELECT number FROM numbers(100000)', { __fault: 'reset' }))
    await assert.rejects(response.text())
  })

  test('hang never answers', async () => {
    await assert.rejects(fetch(url('SELECT 1', { __fault: 'hang' }), { signal: AbortSignal.timeout(300) }), {
      name: 'TimeoutError',
    })
  })

  test('the endpoint still serves after the faults', async () => {
    assert.equal((await get('SELECT 1')).text, '1\n')
  })
})

describe('chdb-http: the official @clickhouse/client', () => {
  test('query, params, insert, errors and sessions', async () => {
    const { createClient } = await import('@clickhouse/client')
    const client = createClient({ url: server.url, username: server.username, password: server.password })
    try {
      const ping = await client.ping()
      assert.equal(ping.success, true)

      const rows = await client.query({
        query: 'SELECT {n:UInt64} + 1 AS n, {s:String} AS s, {a:Array(String)} AS a',
        query_params: { n: 41, s: "it's\ta\\b", a: ['x', "y'z"] },
        format: 'JSONEachRow',
      })
      assert.deepEqual(await rows.json(), [{ n: 42, s: "it's\ta\\b", a: ['x', "y'z"] }])

      await client.command({ query: 'CREATE TABLE official (id UInt32, name String) ENGINE = Memory' })
      await client.insert({
        table: 'official',
        values: [
          { id: 1, name: 'one' },
          { id: 2, name: 'two' },
        ],
        format: 'JSONEachRow',
      })
      const inserted = await client.query({
        query: 'SELECT id, name FROM official ORDER BY id',
        format: 'JSONEachRow',
      })
      assert.deepEqual(await inserted.json(), [
        { id: 1, name: 'one' },
        { id: 2, name: 'two' },
      ])

      await assert.rejects(client.query({ query: 'SELECT * FROM no_such_table_official' }), (error: any) => {
        assert.equal(error.code, '60')
        assert.equal(error.type, 'UNKNOWN_TABLE')
        return true
      })

      const stream = await client.query({
        query:
          'SELECT sleepEachRow(0.01) AS s, throwIf(number = 20) AS x FROM numbers(100) SETTINGS max_block_size = 1',
        format: 'JSONEachRow',
      })
      await assert.rejects(
        (async () => {
          for await (const _rows of stream.stream()) {
            // drain
          }
        })(),
        (error: any) => {
          assert.match(String(error.message), /throwIf|non-zero/)
          return true
        },
      )
    } finally {
      await client.close()
    }

    const sessionClient = createClient({ url: server.url, session_id: 'official-session' })
    try {
      await sessionClient.command({ query: 'CREATE TEMPORARY TABLE official_tmp (x UInt8)' })
      await sessionClient.command({ query: 'INSERT INTO official_tmp VALUES (9)' })
      const result = await sessionClient.query({ query: 'SELECT x FROM official_tmp', format: 'JSONEachRow' })
      assert.deepEqual(await result.json(), [{ x: 9 }])
    } finally {
      await sessionClient.close()
    }
  })
})

describe('chdb-http: multi-block results are one continuous output', () => {
  const rows = 'SELECT number AS n FROM numbers(150000)'

  test('TSVWithNamesAndTypes has its header once', async () => {
    const { text } = await get(rows, { default_format: 'TSVWithNamesAndTypes' })
    const lines = text.split('\n')
    assert.deepEqual(lines.slice(0, 3), ['n', 'UInt64', '0'])
    assert.equal(lines.length, 150000 + 3)
    assert.equal(lines.filter((line) => line === 'n').length, 1)
  })

  test('RowBinaryWithNamesAndTypes has its header once and every row in order', async () => {
    const response = await fetch(url(rows, { default_format: 'RowBinaryWithNamesAndTypes' }))
    const body = Buffer.from(await response.arrayBuffer())
    const header = Buffer.from([1, 1, 0x6e, 6, ...Buffer.from('UInt64')])
    assert.ok(body.subarray(0, header.length).equals(header))
    const data = body.subarray(header.length)
    assert.equal(data.length, 150000 * 8)
    for (const index of [0, 65408, 65409, 130818, 149999])
      assert.equal(data.readBigUInt64LE(index * 8), BigInt(index))
  })

  test('JSON is a single document', async () => {
    const { text } = await get(rows, { default_format: 'JSON' })
    const document = JSON.parse(text) as { data: unknown[]; rows: number }
    assert.equal(document.rows, 150000)
    assert.equal(document.data.length, 150000)
  })
})
