/**
 * The client end to end on mapepire-local (PostgreSQL 15 behind the Mapepire
 * protocol), through a proxy that keeps the server's ledger of open
 * statements.
 */
import assert from 'node:assert/strict'
import { before, describe, test } from 'node:test'
import {
  ConfigurationError,
  ConnectionError,
  Db2ServerError,
  NotSupportedError,
  ParameterError,
  QueryCancelledError,
} from '../src/index.ts'
import { keptForReuse } from './support/ledger-checks.ts'
import { useMapepireLocal } from './support/local.ts'

const bed = useMapepireLocal()
const SLOW = (marker: string) =>
  `WITH T(N) AS (VALUES 1 UNION ALL SELECT N + 1 FROM T WHERE N < 2000000000) SELECT COUNT(*) AS C, '${marker}' AS M FROM T`

async function running(marker: string): Promise<number> {
  const client = bed.client({ pool: { max: 1 } })
  try {
    const { rows } = await client.query<{ N: number }>(
      "SELECT COUNT(*) AS N FROM TABLE(QSYS2.ACTIVE_JOB_INFO(DETAILED_INFO => 'ALL')) " +
        "WHERE SQL_STATEMENT_STATUS = 'ACTIVE' AND SQL_STATEMENT_TEXT LIKE '%' || ? || '%'",
      [marker],
    )
    return rows[0]!.N
  } finally {
    await client.close()
  }
}

/** Statements the server still holds, less the prepared statements the jobs keep for reuse (closed with the job). */
function leaks() {
  return bed.ledger.open().filter((s) => !keptForReuse(s))
}

async function noLeaks(): Promise<void> {
  await until(async () => leaks().length === 0, 'the server to hold no statement').catch(() => {
    assert.deepEqual(leaks(), [])
  })
}

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`timed out waiting for ${what}`)
}

describe('MapepireClient on mapepire-local', () => {
  before(async () => {
    const client = bed.client()
    await client.query('CREATE SCHEMA APP')
    await client.query(
      'CREATE TABLE APP.VALS (ID INTEGER NOT NULL PRIMARY KEY, B BIGINT, D DECIMAL(31, 10), F DECFLOAT, DT DATE, TM TIME, TS TIMESTAMP, BIN VARBINARY(8), OK BOOLEAN, S VARCHAR(40))',
    )
    await client.query('CREATE TABLE APP.SERIES (N INTEGER NOT NULL)')
    await client.batch(
      'INSERT INTO APP.SERIES (N) VALUES (?)',
      Array.from({ length: 5000 }, (_, i) => [i]),
    )
  })

  test('values round trip exactly through parameters', async () => {
    const client = bed.client()
    const when = new Date('2024-06-15T13:45:30.123Z')
    await client.query('INSERT INTO APP.VALS VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)', [
      1,
      9223372036854775807n,
      '123456789012345678901.0123456789',
      '1.50',
      '2024-06-15',
      '13:45:30',
      when,
      null,
      true,
      'ünïcødé 😀',
    ])
    await client.query('INSERT INTO APP.VALS (ID) VALUES (?)', [2])
    const { rows, columns } = await client.query('SELECT * FROM APP.VALS ORDER BY ID')
    assert.deepEqual(rows[0], {
      ID: 1,
      B: 9223372036854775807n,
      D: '123456789012345678901.0123456789',
      F: '1.50',
      DT: '2024-06-15',
      TM: '13:45:30',
      TS: when,
      BIN: null,
      OK: true,
      S: 'ünïcødé 😀',
    })
    assert.deepEqual(rows[1], {
      ID: 2,
      B: null,
      D: null,
      F: null,
      DT: null,
      TM: null,
      TS: null,
      BIN: null,
      OK: null,
      S: null,
    })
    assert.deepEqual(
      columns.map((c) => c.type),
      [
        'INTEGER',
        'BIGINT',
        'DECIMAL',
        'DECFLOAT',
        'DATE',
        'TIME',
        'TIMESTAMP',
        'VARBINARY',
        'BOOLEAN',
        'VARCHAR',
      ],
    )
    await noLeaks()
  })

  test('numbers keep their digits at the boundaries of a double, on the first page and the pages after, read whole or streamed', async () => {
    const client = bed.client({ fetchSize: 2 })
    await client.query(
      'CREATE TABLE APP.EXACT (ID INTEGER NOT NULL, B BIGINT, D15 DECIMAL(15, 2), D16 DECIMAL(16, 2), D17 DECIMAL(17, 2), D8 DECIMAL(15, 8), DF DECFLOAT, F DOUBLE, S VARCHAR(20))',
    )
    const rows = [
      [
        1,
        '-9223372036854775808',
        '9999999999999.99',
        '99999999999999.99',
        '999999999999999.99',
        '0.00000010',
        '1E+400',
        '-0',
        'a,"1.5",b',
      ],
      [2, '9007199254740993', '-0.01', '0.00', '-12345678901234.56', '0.00000000', '1.50', '1e20', '\\'],
      [
        3,
        '9007199254740991',
        '1234567890123.45',
        '12345678901234.56',
        '123456789012345.67',
        '12.34567891',
        '-0.0000001',
        '0.1',
        '',
      ],
      [
        4,
        '9223372036854775807',
        '-0.00',
        '-99999999999999.99',
        '0.01',
        '-0.00000001',
        '-12345678901234567890.5',
        '-1.5e-3',
        null,
      ],
      [5, null, null, null, null, null, null, null, null],
    ]
    await client.batch('INSERT INTO APP.EXACT VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)', rows)
    const expected = [
      {
        ID: 1,
        B: -9223372036854775808n,
        D15: '9999999999999.99',
        D16: '99999999999999.99',
        D17: '999999999999999.99',
        D8: '0.00000010',
        DF: `1${'0'.repeat(400)}`,
        F: -0,
        S: 'a,"1.5",b',
      },
      {
        ID: 2,
        B: 9007199254740993n,
        D15: '-0.01',
        D16: '0.00',
        D17: '-12345678901234.56',
        D8: '0.00000000',
        DF: '1.50',
        F: 1e20,
        S: '\\',
      },
      {
        ID: 3,
        B: 9007199254740991n,
        D15: '1234567890123.45',
        D16: '12345678901234.56',
        D17: '123456789012345.67',
        D8: '12.34567891',
        DF: '-1E-7',
        F: 0.1,
        S: '',
      },
      {
        ID: 4,
        B: 9223372036854775807n,
        D15: '0.00',
        D16: '-99999999999999.99',
        D17: '0.01',
        D8: '-0.00000001',
        DF: '-12345678901234567890.5',
        F: -1.5e-3,
        S: null,
      },
      { ID: 5, B: null, D15: null, D16: null, D17: null, D8: null, DF: null, F: null, S: null },
    ]
    // Pages of 2 rows: the first reply, then sqlmore pages.
    const whole = await client.query('SELECT * FROM APP.EXACT ORDER BY ID')
    assert.deepEqual(whole.rows, expected)
    assert.ok(Object.is((whole.rows[0] as { F: number }).F, -0))
    const streamed: unknown[] = []
    for await (const row of client.stream('SELECT * FROM APP.EXACT ORDER BY ID', [], { batchSize: 2 }))
      streamed.push(row)
    assert.deepEqual(streamed, expected)
    // A BIGINT past 2^53 only on a later page, and as strings or rounded numbers when asked for.
    const options = bed.client({ fetchSize: 1, values: { bigint: 'string', decimal: 'number' } })
    const { rows: loose } = await options.query(
      'SELECT B, D17, DF FROM APP.EXACT WHERE ID IN (3, 4) ORDER BY ID',
    )
    assert.deepEqual(loose, [
      { B: '9007199254740991', D17: 123456789012345.67, DF: -1e-7 },
      { B: '9223372036854775807', D17: 0.01, DF: Number('-12345678901234567890.5') },
    ])
    await client.query('DROP TABLE APP.EXACT')
    await noLeaks()
  })

  test('the pages of a result read whole stop growing at about 1 MiB a frame', async () => {
    const client = bed.client({ fetchSize: 50 })
    await client.query('CREATE TABLE APP.WIDE (N INTEGER NOT NULL, S VARCHAR(10000) NOT NULL)')
    await client.query("INSERT INTO APP.WIDE SELECT N, REPEAT('x', 10000) FROM APP.SERIES WHERE N < 400")
    const before = bed.ledger.count('sqlmore')
    const { rows } = await client.query<{ N: number; S: string }>('SELECT N, S FROM APP.WIDE ORDER BY N')
    assert.equal(rows.length, 400)
    assert.ok(rows.every((row, i) => row.N === i && row.S.length === 10000))
    // Frames of about 10 kB a row: 50 rows, 100, then about 104 twice (a frame stays under 1 MiB), the last 42.
    assert.equal(bed.ledger.count('sqlmore') - before, 4)
    await client.query('DROP TABLE APP.WIDE')
    await noLeaks()
  })

  test('a stream asks for the next page while its consumer holds a batch, and for no more', async () => {
    const client = bed.client()
    const before = bed.ledger.count('sqlmore')
    let batches = 0
    for await (const batch of client.streamBatches('SELECT N FROM APP.SERIES ORDER BY N', [], {
      batchSize: 500,
    })) {
      batches++
      assert.equal(batch.length, 500)
      // 5,000 rows: the first reply is page 1; the sqlmore for page k + 1 goes out while batch k is held
      // (the eleventh finds the end).
      await until(
        async () => bed.ledger.count('sqlmore') - before === batches,
        'the page ahead to be asked for',
      )
      await new Promise((resolve) => setTimeout(resolve, 20))
      assert.equal(bed.ledger.count('sqlmore') - before, batches)
    }
    assert.equal(batches, 10)
    assert.equal(bed.ledger.count('sqlmore') - before, 10)
    await noLeaks()
  })

  test('binary cells are bytes', async () => {
    const client = bed.client()
    const { rows } = await client.query("VALUES (CAST(X'0001FEFF' AS VARBINARY(4)))")
    assert.deepEqual(rows, [{ '00001': Buffer.from([0, 1, 254, 255]) }])
  })

  test('binary parameters are sent as hex', async () => {
    const client = bed.client()
    await client.query('UPDATE APP.VALS SET BIN = ? WHERE ID = 2', [Buffer.from([0, 1, 254, 255])])
    const { rows } = await client.query('SELECT BIN FROM APP.VALS WHERE ID = 2')
    assert.deepEqual(rows, [{ BIN: Buffer.from([0, 1, 254, 255]) }])
  })

  test('a whole result is read page by page; duplicate names stay apart; array rows', async () => {
    const client = bed.client({ fetchSize: 700 })
    const before = bed.ledger.count('sqlmore')
    const { rows } = await client.query<{ N: number }>('SELECT N FROM APP.SERIES ORDER BY N')
    assert.equal(rows.length, 5000)
    assert.deepEqual(rows.slice(0, 2), [{ N: 0 }, { N: 1 }])
    // Pages of 700, 1,400, 2,800 rows (they double while frames stay small), then the last 100.
    assert.equal(bed.ledger.count('sqlmore') - before, 3)
    const dup = await client.query(
      'SELECT A.N, B.N FROM APP.SERIES A JOIN APP.SERIES B ON B.N = A.N + 1 WHERE A.N = 0',
    )
    assert.deepEqual(dup.rows, [{ N: 0, N_2: 1 }])
    const arrays = await client.query('SELECT N, N * 2 FROM APP.SERIES WHERE N < 2 ORDER BY N', [], {
      rowMode: 'array',
    })
    assert.deepEqual(arrays.rows, [
      [0, 0],
      [1, 2],
    ])
    await noLeaks()
  })

  test('streams page by exactly the batch size and close the statement however they end', async () => {
    const client = bed.client()
    const sizes: number[] = []
    for await (const batch of client.streamBatches('SELECT N FROM APP.SERIES ORDER BY N', [], {
      batchSize: 1000,
    })) {
      sizes.push(batch.length)
    }
    assert.deepEqual(sizes, [1000, 1000, 1000, 1000, 1000])
    await noLeaks()

    let seen = 0
    for await (const _row of client.stream('SELECT N FROM APP.SERIES', [], { batchSize: 100 })) {
      if (++seen === 150) break
    }
    await noLeaks()

    await assert.rejects(async () => {
      for await (const _row of client.stream('SELECT N FROM APP.SERIES', [], { batchSize: 100 })) {
        throw new Error('consumer failed')
      }
    }, /consumer failed/)
    await noLeaks()

    const controller = new AbortController()
    await assert.rejects(async () => {
      for await (const _row of client.stream('SELECT N FROM APP.SERIES', [], {
        batchSize: 100,
        signal: controller.signal,
      })) {
        controller.abort()
      }
    }, QueryCancelledError)
    await noLeaks()
  })

  test('errors are typed with message id, SQLSTATE and SQLCODE, and close their statement', async () => {
    const client = bed.client()
    await assert.rejects(client.query('SELECT * FROM APP.NOPE'), (error) => {
      assert.ok(error instanceof Db2ServerError)
      assert.equal(error.messageId, 'SQL0204')
      assert.equal(error.code, 'SQL0204')
      assert.equal(error.sqlState, '42704')
      assert.equal(error.sqlCode, -204)
      assert.match(error.queryId!, /^\d{6}\/\w+\/QZDASOINIT#\w+$/)
      return true
    })
    await assert.rejects(
      client.query('SELEKT 1'),
      (error) => error instanceof Db2ServerError && error.sqlState === '42601',
    )
    await assert.rejects(client.query('SELECT * FROM APP.VALS WHERE ID = ?', [{}]), ParameterError)
    await assert.rejects(client.query('COMMIT'), NotSupportedError)
    await assert.rejects(client.query('SET SCHEMA APP'), ConfigurationError)
    await noLeaks()
  })

  test('writes with parameters reuse their prepared statement; batches sum their counts', async () => {
    const client = bed.client({ pool: { max: 1 } })
    await client.query('CREATE TABLE APP.REUSE (A INTEGER)')
    const prepares = bed.ledger.count('prepare_sql_execute')
    const executes = bed.ledger.count('execute')
    for (let i = 0; i < 3; i++) await client.query('INSERT INTO APP.REUSE (A) VALUES (?)', [i])
    assert.equal(bed.ledger.count('prepare_sql_execute') - prepares, 1)
    assert.equal(bed.ledger.count('execute') - executes, 2)
    const reuse = () => bed.ledger.open().filter((s) => s.sql.includes('APP.REUSE'))
    assert.deepEqual(
      reuse().map((s) => s.sql),
      ['INSERT INTO APP.REUSE (A) VALUES (?)'],
    )
    const batch = await client.batch('INSERT INTO APP.REUSE (A) VALUES (?)', [[10], [11], [12]])
    assert.equal(batch.numAffectedRows, 3n)
    const { rows } = await client.query<{ N: number }>('SELECT COUNT(*) AS N FROM APP.REUSE')
    assert.equal(rows[0]!.N, 6)
    await client.close()
    await until(async () => reuse().length === 0, 'the kept statement to go with its job')
  })

  test('a query with parameters is one frame once prepared: executed again, a statement per concurrent run', async () => {
    const client = bed.client({ pool: { max: 1 } })
    await client.query('CREATE TABLE APP.DEPT (DEPTNO CHAR(3) NOT NULL, DEPTNAME VARCHAR(30) NOT NULL)')
    await client.query(
      "INSERT INTO APP.DEPT VALUES ('A00', 'SPIFFY'), ('B01', 'PLANNING'), ('C01', 'CENTER')",
    )
    const sql = 'SELECT DEPTNO FROM APP.DEPT WHERE DEPTNO = ?'
    const counts = () => ({
      prepare: bed.ledger.count('prepare_sql_execute'),
      execute: bed.ledger.count('execute'),
      close: bed.ledger.count('sqlclose'),
    })
    const kept = () => bed.ledger.open().filter((s) => s.sql === sql)
    await until(
      async () => bed.ledger.open().filter((s) => s.type === 'sql').length === 0,
      'the setup statements to be closed',
    )
    let before = counts()
    for (let i = 0; i < 5; i++) assert.deepEqual((await client.query(sql, ['A00'])).rows, [{ DEPTNO: 'A00' }])
    let now = counts()
    assert.deepEqual(
      {
        prepare: now.prepare - before.prepare,
        execute: now.execute - before.execute,
        close: now.close - before.close,
      },
      { prepare: 1, execute: 4, close: 0 },
    )
    // Four at once on the one job: each execute has a statement of its own, prepared once.
    before = counts()
    await Promise.all(Array.from({ length: 4 }, () => client.query(sql, ['B01'])))
    await Promise.all(Array.from({ length: 4 }, () => client.query(sql, ['C01'])))
    now = counts()
    assert.equal(now.prepare - before.prepare, 3)
    assert.equal(now.execute - before.execute, 5)
    assert.equal(now.close - before.close, 0)
    assert.equal(kept().length, 4)
    await client.close()
    await until(async () => kept().length === 0, 'the kept statements to go with their job')
  })

  test('without a statement cache a query is prepared, run and closed each time: nothing is left', async () => {
    const client = bed.client({ pool: { max: 1 }, preparedStatementCacheSize: 0 })
    const sql = "SELECT DEPTNAME FROM APP.DEPT WHERE DEPTNO = ? AND 'uncached' <> ''"
    const closes = bed.ledger.count('sqlclose')
    for (let i = 0; i < 3; i++) await client.query(sql, ['A00'])
    await until(async () => bed.ledger.count('sqlclose') - closes === 3, 'three sqlclose frames')
    assert.deepEqual(
      bed.ledger.open().filter((s) => s.sql === sql),
      [],
    )
    await client.close()
  })

  test('kept statements are bounded by preparedStatementCacheSize; the least recently used is closed', async () => {
    const client = bed.client({ pool: { max: 1 }, preparedStatementCacheSize: 2 })
    const texts = [1, 2, 3].map((n) => `SELECT ${n} AS N, DEPTNO FROM APP.DEPT WHERE DEPTNO = ?`)
    for (const sql of texts) await client.query(sql, ['A00'])
    await until(
      async () => bed.ledger.open().filter((s) => texts.includes(s.sql)).length === 2,
      'two kept statements',
    )
    assert.deepEqual(
      bed.ledger
        .open()
        .filter((s) => texts.includes(s.sql))
        .map((s) => s.sql),
      texts.slice(1),
    )
    await client.close()
  })

  test('a reused query whose result needs more than one page runs again as a paged statement', async () => {
    const client = bed.client({ pool: { max: 1 }, fetchSize: 5 })
    const sql =
      'WITH T(N) AS (VALUES 1 UNION ALL SELECT N + 1 FROM T WHERE N < CAST(? AS INTEGER)) SELECT N FROM T'
    const numbers = (n: number) => Array.from({ length: n }, (_, i) => ({ N: i + 1 }))
    assert.deepEqual((await client.query(sql, [3])).rows, numbers(3))
    const executes = bed.ledger.count('execute')
    const prepares = bed.ledger.count('prepare_sql_execute')
    assert.deepEqual((await client.query(sql, [12])).rows, numbers(12))
    // The execute got one page, so the query ran again, prepared, and paged; and stays prepared each time.
    assert.equal(bed.ledger.count('execute') - executes, 1)
    assert.equal(bed.ledger.count('prepare_sql_execute') - prepares, 1)
    assert.deepEqual((await client.query(sql, [2])).rows, numbers(2))
    assert.equal(bed.ledger.count('execute') - executes, 1)
    assert.equal(bed.ledger.count('prepare_sql_execute') - prepares, 2)
    await until(async () => bed.ledger.open().filter((s) => s.sql === sql).length === 0, 'nothing left of it')
    await client.close()
  })

  test('a lease pins a job for job state, and that job is not shared afterwards', async () => {
    const client = bed.client({ pool: { max: 2 } })
    const lease = await client.acquire()
    assert.equal(lease.pinned, false)
    await lease.execute({ sql: 'SET SCHEMA APP', params: [] })
    assert.equal(lease.pinned, true)
    const pinned = lease.job!.name
    const { rows } = await lease.execute<{ N: number }>({
      sql: 'SELECT COUNT(*) AS N FROM SERIES',
      params: [],
    })
    assert.equal(rows[0]!.N, 5000)
    // Other statements never run on the pinned job.
    const others = await Promise.all(
      Array.from({ length: 10 }, () =>
        client.query<{ J: string }>('SELECT QSYS2.JOB_NAME AS J FROM SYSIBM.SYSDUMMY1'),
      ),
    )
    assert.ok(others.every((r) => r.rows[0]!.J !== pinned))
    await assert.rejects(client.query('SELECT COUNT(*) FROM SERIES'), Db2ServerError)
    await lease.release()
    assert.equal(client.stats().autocommit.pinned, 0)
    assert.ok(client.stats().autocommit.jobs <= 2)
  })

  test('CL commands run on a pinned job; a failing command carries its CPF id', async () => {
    const client = bed.client()
    const lease = await client.acquire()
    const log = await lease.cl('ADDLIBLE APP')
    assert.ok(Array.isArray(log.rows))
    await assert.rejects(
      lease.cl('NOSUCHCMD'),
      (error) => error instanceof Db2ServerError && error.code === 'CPF0006',
    )
    await lease.release()
  })

  test('transactions run on jobs of their own, with isolation levels and savepoints', async () => {
    const client = bed.client()
    await client.query('CREATE TABLE APP.TX (A INTEGER)')
    const tx = await client.beginTransaction({ isolationLevel: 'serializable' })
    await tx.connection.execute({ sql: 'INSERT INTO APP.TX VALUES (1)', params: [] })
    await tx.savepoint('s1')
    await tx.connection.execute({ sql: 'INSERT INTO APP.TX VALUES (2)', params: [] })
    await tx.rollbackToSavepoint('s1')
    // Not visible outside before commit.
    assert.equal((await client.query<{ N: number }>('SELECT COUNT(*) AS N FROM APP.TX')).rows[0]!.N, 0)
    await tx.commit()
    await tx.connection.release()
    assert.deepEqual((await client.query('SELECT A FROM APP.TX')).rows, [{ A: 1 }])
    const stats = client.stats()
    assert.equal(stats.transaction.jobs, 1)
    assert.equal(stats.transaction.pinned, 0)
    const again = await client.beginTransaction({ isolationLevel: 'serializable' })
    await again.connection.execute({ sql: 'INSERT INTO APP.TX VALUES (3)', params: [] })
    await again.rollback()
    await again.connection.release()
    assert.deepEqual((await client.query('SELECT A FROM APP.TX')).rows, [{ A: 1 }])
    await assert.rejects(client.beginTransaction({ isolationLevel: 'snapshot' }), NotSupportedError)
  })

  test('an aborted statement is stopped on the server with CANCEL_SQL', async () => {
    const client = bed.client()
    const controller = new AbortController()
    const query = client.query(SLOW('slow_cancel_1'), [], { signal: controller.signal })
    await until(async () => (await running('slow_cancel_1')) === 1, 'the slow statement to run')
    const started = Date.now()
    controller.abort()
    await assert.rejects(query, (error) => {
      assert.ok(error instanceof QueryCancelledError)
      assert.match(error.message, /CANCEL_SQL/)
      return true
    })
    assert.ok(Date.now() - started < 5000)
    assert.equal(await running('slow_cancel_1'), 0)
    assert.deepEqual((await client.query('VALUES 1')).rows, [{ '00001': 1 }])
    await noLeaks()
  })

  test('many concurrent statements share the pool without exceeding it', async () => {
    const client = bed.client({ pool: { max: 4 } })
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        client.query<{ N: number }>('SELECT N FROM APP.SERIES WHERE N = ?', [i]),
      ),
    )
    assert.deepEqual(
      results.map((r) => r.rows[0]!.N),
      Array.from({ length: 100 }, (_, i) => i),
    )
    assert.ok(client.stats().autocommit.jobs <= 4)
  })

  test('a wrong password is a ConnectionError with SQLSTATE 08004, and not retried', async () => {
    const before = bed.ledger.count('connect')
    const client = bed.client({ password: 'wrong-password' })
    const attempts = await Promise.allSettled([
      client.query('VALUES 1'),
      client.query('VALUES 1'),
      client.query('VALUES 1'),
    ])
    for (const attempt of attempts) {
      assert.equal(attempt.status, 'rejected')
      const error = attempt.reason
      assert.ok(error instanceof ConnectionError)
      assert.equal(error.code, 'AUTHENTICATION')
      assert.equal(error.sqlState, '08004')
      assert.doesNotMatch(error.message, /wrong-password/)
    }
    assert.ok(bed.ledger.count('connect') - before <= 3)
    await assert.rejects(client.query('VALUES 1'), ConnectionError)
    assert.ok(bed.ledger.count('connect') - before <= 3)
  })

  test('the server version is read with getversion', async () => {
    const info = await bed.client().serverInfo()
    assert.match(info.version, /^\d+\.\d+\.\d+/)
  })
})
