/** Db2 for i SQL on PostgreSQL: what is carried over, and what is refused as Db2 refuses it. */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { type MapepireLocal, startMapepireLocal } from '../src/index.ts'
import { RawClient } from './helpers.ts'

let local: MapepireLocal
let client: RawClient

before(async () => {
  local = await startMapepireLocal({ port: 0, user: 'DB2SQL', password: 'pw' })
  client = await RawClient.open(local)
  await client.connect('libraries=SAMPLE;date format=iso')
  await ok('create schema dialect')
})

after(async () => {
  await client.close()
  await local.stop()
})

async function ok(sql: string, extra: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const reply = await client.sql(sql, extra)
  assert.equal(reply.value.success, true, `${sql}: ${reply.value.error}`)
  return reply.value
}

async function rows(sql: string): Promise<Record<string, unknown>[]> {
  return (await ok(sql)).data as Record<string, unknown>[]
}

async function fails(sql: string): Promise<{ error: string; sql_state: string; sql_rc: number }> {
  const reply = await client.sql(sql)
  assert.equal(reply.value.success, false, `${sql} should fail`)
  return reply.value as { error: string; sql_state: string; sql_rc: number }
}

describe('names', () => {
  test('unquoted names fold to upper case; quoted names keep their case', async () => {
    await ok('create table dialect.Mixed (plain integer, "Quoted" integer, "UPPER" integer)')
    await ok('insert into dialect.MIXED values (1, 2, 3)')
    assert.deepEqual(await rows('select plain, "Quoted", upper from DIALECT.mixed'), [
      { PLAIN: 1, Quoted: 2, UPPER: 3 },
    ])
    assert.deepEqual(await rows('select "PLAIN" from "DIALECT"."MIXED"'), [{ PLAIN: 1 }])
    const missing = await fails('select "plain" from dialect.mixed')
    assert.equal(missing.error, '[SQL0206] Column or global variable plain not found.')
  })

  test('the first library is the default schema under SQL naming', async () => {
    assert.deepEqual(await rows('select count(*) as n from department'), [{ N: 14 }])
    assert.deepEqual(await rows('values current schema'), [{ '00001': 'SAMPLE' }])
  })

  test('unnamed expressions are 00001, 00002, … by position', async () => {
    const data = await rows(
      "select deptno, 'x', upper(deptname), deptno || 'y' from department where deptno = 'A00'",
    )
    assert.deepEqual(data, [
      { DEPTNO: 'A00', '00002': 'x', '00003': 'SPIFFY COMPUTER SERVICE DIV.', '00004': 'A00y' },
    ])
    assert.deepEqual(await rows('values (1, 2)'), [{ '00001': 1, '00002': 2 }])
  })

  test('system naming: LIB/TABLE and the library list', async () => {
    const system = await RawClient.open(local)
    await system.connect('naming=system;libraries=DIALECT')
    const reply = await system.sql('select count(*) as n from sample/employee')
    assert.deepEqual(reply.value.data, [{ N: 32 }])
    const unqualified = await system.sql('select count(*) as n from employee')
    assert.equal(unqualified.value.error, '[SQL0204] EMPLOYEE in *LIBL type *FILE not found.')
    const add = await system.request({ type: 'cl', cmd: 'ADDLIBLE SAMPLE' })
    assert.equal(add.value.success, true, String(add.value.error))
    const after = await system.sql('select count(*) as n from employee')
    assert.deepEqual(after.value.data, [{ N: 32 }])
    await system.close()
  })
})

describe('Db2 spellings PostgreSQL lacks', () => {
  test('SYSIBM.SYSDUMMY1 and special registers', async () => {
    const [row] = await rows(
      'select ibmreqd, current date as d, current timestamp as ts, current user as u, user as u2, current server as s from sysibm.sysdummy1',
    )
    assert.equal(row!.IBMREQD, 'Y')
    assert.match(String(row!.D), /^\d{4}-\d{2}-\d{2}$/)
    assert.match(String(row!.TS), /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}$/)
    assert.equal(row!.U, 'DB2SQL')
    assert.equal(row!.U2, 'DB2SQL')
    assert.equal(row!.S, 'LOCALHOST')
  })

  test('VALUES without parentheses and JOB_NAME', async () => {
    assert.deepEqual(await rows('values 1, 2'), [{ '00001': 1 }, { '00001': 2 }])
    const [job] = await rows('values job_name')
    assert.match(String(job!['00001']), /^\d{6}\/DB2SQL\/QZDASOINIT$/)
  })

  test('CONCAT, VALUE, IFNULL; COUNT is INTEGER', async () => {
    const reply = await ok(
      "select 'a' concat 'b' as c1, concat('a', null) as c2, value(null, 3) as v, ifnull(null, 'z') as i, count(*) as n from department",
    )
    assert.deepEqual(reply.data, [{ C1: 'ab', C2: null, V: 3, I: 'z', N: 14 }])
    const n = (reply.metadata as { columns: { name: string; type: string }[] }).columns.find(
      (c) => c.name === 'N',
    )
    assert.equal(n?.type, 'INTEGER')
  })

  test('identity columns, FINAL TABLE and IDENTITY_VAL_LOCAL', async () => {
    await ok(
      'create table dialect.ident (id integer generated always as identity (start with 10, increment by 5), name varchar(10))',
    )
    assert.deepEqual(await rows('values identity_val_local()'), [{ '00001': null }])
    const inserted = await rows(
      "select id, name from final table (insert into dialect.ident (name) values ('a'), ('b')) order by id",
    )
    assert.deepEqual(inserted, [
      { ID: 10, NAME: 'a' },
      { ID: 15, NAME: 'b' },
    ])
    assert.deepEqual(await rows('values identity_val_local()'), [{ '00001': 15 }])
    const meta = await ok('select id from dialect.ident')
    assert.equal((meta.metadata as { columns: { autoIncrement: boolean }[] }).columns[0]!.autoIncrement, true)
  })

  test('DROP … IF EXISTS, CREATE OR REPLACE TABLE, RENAME TABLE, TRUNCATE … IMMEDIATE', async () => {
    await ok('drop table dialect.not_there if exists')
    await ok('create or replace table dialect.repl (a integer)')
    await ok('insert into dialect.repl values (1)')
    await ok('create or replace table dialect.repl (b varchar(3))')
    assert.deepEqual(await rows('select count(*) as n from dialect.repl'), [{ N: 0 }])
    await ok("insert into dialect.repl values ('x')")
    await ok('truncate table dialect.repl immediate')
    assert.deepEqual(await rows('select count(*) as n from dialect.repl'), [{ N: 0 }])
    await ok('rename table dialect.repl to repl2')
    assert.deepEqual(await rows('select count(*) as n from dialect.repl2'), [{ N: 0 }])
  })

  test('isolation clauses, OPTIMIZE FOR, FOR READ ONLY, FETCH FIRST', async () => {
    const data = await rows(
      'select deptno from department order by deptno fetch first 2 rows only optimize for 2 rows for read only with ur',
    )
    assert.deepEqual(data, [{ DEPTNO: 'A00' }, { DEPTNO: 'B01' }])
    assert.deepEqual(
      await rows('select deptno from department order by deptno offset 13 rows fetch next 1 row only'),
      [{ DEPTNO: 'J22' }],
    )
  })

  test('Db2 types: CLOB, BLOB, DECFLOAT, VARCHAR FOR BIT DATA, GRAPHIC, DOUBLE, TIME', async () => {
    await ok(
      'create table dialect.types (c clob(1m) ccsid 1208, b blob(1k), d decfloat(34), v varchar(4) for bit data, g graphic(2), f double, t time)',
    )
    await ok("insert into dialect.types values ('text', x'01ab', 1.50, x'ff', 'ab', 2.5, '10:11:12')")
    const reply = await ok('select * from dialect.types')
    assert.deepEqual(reply.data, [{ C: 'text', B: '01AB', D: 1.5, V: 'FF', G: 'ab', F: 2.5, T: '10:11:12' }])
    const types = (reply.metadata as { columns: { type: string }[] }).columns.map((c) => c.type)
    assert.deepEqual(types, ['CLOB', 'BLOB', 'DECFLOAT', 'VARBINARY', 'CHAR', 'DOUBLE', 'TIME'])
  })
})

describe('Db2 DDL and scalar functions', () => {
  test('NOT NULL WITH DEFAULT, with and without a value', async () => {
    await ok(
      "create table dialect.dflt (id integer not null, n integer not null with default, c char(3) not null with default, d date not null with default, v varchar(5) with default 'x')",
    )
    await ok('insert into dialect.dflt (id) values (1)')
    const [row] = await rows('select n, c, v, d = current date as today from dialect.dflt')
    assert.deepEqual(row, { N: 0, C: '', V: 'x', TODAY: true })
  })

  test('date parts, labeled durations, LCASE/UCASE, LOCATE, POSSTR, STRIP, HEX, DAYS', async () => {
    const [row] = await rows(
      "select year(d) as y, month(d) as m, day(d) as dd, dayofweek(d) as w, days(d) - days(d - 1 day) as one, lcase('AB') as l, ucase('ab') as u, locate('c', 'abcabc') as loc, locate('c', 'abcabc', 4) as loc4, posstr('abc', 'b') as p, strip('  x  ') as s, hex(x'0aff') as h from (values cast('2024-06-15' as date)) as t(d)",
    )
    assert.deepEqual(row, {
      Y: 2024,
      M: 6,
      DD: 15,
      W: 7,
      ONE: 1,
      L: 'ab',
      U: 'AB',
      LOC: 3,
      LOC4: 6,
      P: 2,
      S: 'x',
      H: '0AFF',
    })
  })
})

describe('QTEMP and global temporary tables', () => {
  test('QTEMP and SESSION are the library of the job itself', async () => {
    await ok('create table qtemp.scratch (a integer)')
    await ok('insert into qtemp.scratch values (1), (2)')
    assert.deepEqual(await rows('select count(*) as n from qtemp.scratch'), [{ N: 2 }])
    await ok('declare global temporary table session.work (k integer, v varchar(5)) with replace not logged')
    await ok("insert into session.work values (1, 'a')")
    assert.deepEqual(await rows('select * from session.work'), [{ K: 1, V: 'a' }])
    await ok('declare global temporary table work as (select deptno from department) with data with replace')
    assert.deepEqual(await rows('select count(*) as n from session.work'), [{ N: 14 }])
    // Another job has its own QTEMP.
    const other = await RawClient.open(local)
    await other.connect()
    const reply = await other.sql('select * from qtemp.scratch')
    assert.equal(reply.value.sql_rc, -204)
    await other.close()
  })
})

describe('casting functions', () => {
  test('INTEGER, DECIMAL, CHAR, VARCHAR, DATE, TIMESTAMP as functions', async () => {
    const reply = await ok(
      "select integer('42') as i, decimal('12.345', 5, 2) as d, char(123) as c, varchar('abc', 2) as v, date('2024-06-15') as dt, timestamp('2024-06-15', '13:45:30') as ts from sysibm.sysdummy1",
    )
    assert.deepEqual(reply.data, [
      { I: 42, D: 12.35, C: '123', V: 'ab', DT: '2024-06-15', TS: '2024-06-15 13:45:30.000000' },
    ])
    const types = (reply.metadata as { columns: { type: string }[] }).columns.map((c) => c.type)
    assert.deepEqual(types.slice(0, 2), ['INTEGER', 'DECIMAL'])
  })

  test('CHAR(n) in a table definition stays a type', async () => {
    await ok('create table dialect.chartype (c char(4), d decimal(7, 2))')
    const meta = await ok('select * from dialect.chartype')
    assert.deepEqual(
      (meta.metadata as { columns: { type: string; precision: number }[] }).columns.map((c) => [
        c.type,
        c.precision,
      ]),
      [
        ['CHAR', 4],
        ['DECIMAL', 7],
      ],
    )
  })
})

describe('catalog views', () => {
  test('QSYS2.SYSTABLES and SYSCOLUMNS describe tables with Db2 names and types', async () => {
    assert.deepEqual(
      await rows(
        "select table_name, table_type from qsys2.systables where table_schema = 'SAMPLE' and table_name = 'EMPLOYEE'",
      ),
      [{ TABLE_NAME: 'EMPLOYEE', TABLE_TYPE: 'T' }],
    )
    const columns = await rows(
      "select column_name, ordinal_position, data_type, length, numeric_scale, is_nullable from qsys2.syscolumns where table_schema = 'SAMPLE' and table_name = 'EMPLOYEE' and column_name in ('EMPNO', 'SALARY', 'HIREDATE') order by ordinal_position",
    )
    assert.deepEqual(columns, [
      {
        COLUMN_NAME: 'EMPNO',
        ORDINAL_POSITION: 1,
        DATA_TYPE: 'CHAR',
        LENGTH: 6,
        NUMERIC_SCALE: null,
        IS_NULLABLE: 'N',
      },
      {
        COLUMN_NAME: 'HIREDATE',
        ORDINAL_POSITION: 7,
        DATA_TYPE: 'DATE',
        LENGTH: 4,
        NUMERIC_SCALE: null,
        IS_NULLABLE: 'Y',
      },
      {
        COLUMN_NAME: 'SALARY',
        ORDINAL_POSITION: 12,
        DATA_TYPE: 'DECIMAL',
        LENGTH: 9,
        NUMERIC_SCALE: 2,
        IS_NULLABLE: 'Y',
      },
    ])
  })

  test('each schema has its own catalog views listing its objects', async () => {
    const tables = await rows("select table_name from dialect.systables where table_name = 'IDENT'")
    assert.deepEqual(tables, [{ TABLE_NAME: 'IDENT' }])
    const foreign = await rows("select count(*) as n from dialect.systables where table_schema <> 'DIALECT'")
    assert.deepEqual(foreign, [{ N: 0 }])
    const self = await rows(
      "select count(*) as n from sample.syscolumns where table_name = 'SYSCOLUMNS' and column_name = 'LONG_COMMENT'",
    )
    assert.deepEqual(self, [{ N: 1 }])
  })

  test('QSYS2.SYSSCHEMAS lists user schemas, not PostgreSQL internals', async () => {
    const names = (await rows('select schema_name from qsys2.sysschemas order by schema_name')).map(
      (r) => r.SCHEMA_NAME,
    )
    assert.ok(names.includes('SAMPLE') && names.includes('DIALECT') && names.includes('QSYS2'))
    assert.ok(!names.includes('PG_CATALOG') && !names.includes('QSYS') && !names.includes('PUBLIC'))
  })
})

describe('error mapping', () => {
  test('PostgreSQL errors come back as Db2 errors', async () => {
    await ok('create table dialect.keys (k integer not null primary key, v varchar(3))')
    await ok("insert into dialect.keys values (1, 'a')")
    const cases: [string, string, string, number][] = [
      ['select * from dialect.nothing', '[SQL0204] NOTHING in DIALECT type *FILE not found.', '42704', -204],
      [
        'select nocolumn from dialect.keys',
        '[SQL0206] Column or global variable NOCOLUMN not found.',
        '42703',
        -206,
      ],
      ["insert into dialect.keys values (1, 'b')", '[SQL0803] Duplicate key value specified.', '23505', -803],
      [
        "insert into dialect.keys values (null, 'b')",
        '[SQL0407] Null values not allowed in column or variable K.',
        '23502',
        -407,
      ],
      [
        "insert into dialect.keys values (2, 'toolong')",
        '[SQL0404] Value for column or variable *N too long.',
        '22001',
        -404,
      ],
      ['values 1 / 0', '[SQL0802] Data conversion or data mapping error.', '22012', -802],
      ["values cast('x' as integer)", '[SQL0420] Character in CAST argument not valid.', '22018', -420],
      [
        'create table dialect.keys (a integer)',
        '[SQL0601] KEYS in DIALECT type *FILE already exists.',
        '42710',
        -601,
      ],
    ]
    for (const [sql, error, state, code] of cases) {
      const e = await fails(sql)
      assert.deepEqual([e.error, e.sql_state, e.sql_rc], [error, state, code], sql)
    }
  })
})

describe('stricter than PostgreSQL: each construct fails SQL0104', () => {
  const refused: [string, string][] = [
    ['RETURNING', "insert into dialect.keys values (9, 'r') returning k"],
    ['$1', 'select $1 from sysibm.sysdummy1'],
    ['::', "select '1'::integer from sysibm.sysdummy1"],
    ['ILIKE', "select * from department where deptname ilike 'spiffy%'"],
    ['ON CONFLICT', "insert into dialect.keys values (1, 'c') on conflict do nothing"],
    ['LIMIT ALL', 'select * from department limit all'],
    ['SERIAL', 'create table dialect.ser (id serial)'],
    ['->', "select deptno -> 'a' from department"],
    ['->>', 'select deptno->>1 from department'],
    ['#>', "select deptno #> '{a}' from department"],
    ['#>>', "select deptno #>> '{a}' from department"],
    ['@>', 'select * from department where deptno @> deptno'],
    ['<@', 'select * from department where deptno <@ deptno'],
    ['?|', "select * from department where deptno ?| array['a']"],
    ['?&', "select * from department where deptno ?& array['a']"],
    ['dollar quoting', 'select $$text$$ from sysibm.sysdummy1'],
  ]
  for (const [construct, sql] of refused) {
    test(construct, async () => {
      const e = await fails(sql)
      assert.equal(e.sql_state, '42601', e.error)
      assert.equal(e.sql_rc, -104)
      assert.match(e.error, /^\[SQL0104\] Token .+ was not valid\./)
    })
  }

  test('a statement that does not start with a statement keyword', async () => {
    const e = await fails('frobnicate the table')
    assert.match(e.error, /^\[SQL0104\] Token FROBNICATE was not valid\. Valid tokens: \(/)
  })

  test('SAVEPOINT needs ON ROLLBACK RETAIN CURSORS', async () => {
    const e = await fails('savepoint s1')
    assert.equal(e.sql_rc, -104)
  })
})
