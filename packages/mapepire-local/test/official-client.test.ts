/**
 * The official client (@ibm/mapepire-js 0.6.0) against mapepire-local: what it does against a
 * real server must work here, with the same results and errors.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import mapepire from '@ibm/mapepire-js'
import { type MapepireLocal, startMapepireLocal } from '../src/index.ts'

const { SQLJob, Pool, getRootCertificate } = mapepire

let local: MapepireLocal
let creds: { host: string; port: number; user: string; password: string; ca?: string }

before(async () => {
  local = await startMapepireLocal({ port: 0, user: 'TESTER', password: 'pw-secret' })
  creds = { host: local.host, port: local.port, user: local.user, password: local.password }
  creds.ca = await getRootCertificate(creds)
})

after(async () => {
  await local.stop()
})

// Results are checked field by field; the client's generic result types add nothing here.
type Result = any

async function withJob(
  work: (job: InstanceType<typeof SQLJob>) => Promise<Result>,
  options = {},
): Promise<Result> {
  const job = new SQLJob(options)
  await job.connect(creds)
  try {
    return await work(job)
  } finally {
    await job.close()
  }
}

describe('connect', () => {
  test('connects and reports a QZDASOINIT job name', async () => {
    const job = new SQLJob()
    const result = await job.connect(creds)
    await job.close()
    assert.equal(result.success, true)
    assert.match(result.job, /^\d{6}\/TESTER\/QZDASOINIT$/)
  })

  test('the certificate getRootCertificate returns is the server certificate', () => {
    assert.equal(creds.ca?.replace(/\s/g, ''), local.ca?.replace(/\s/g, ''))
  })

  test('a wrong password fails at connect with the JTOpen message', async () => {
    const job = new SQLJob()
    await assert.rejects(job.connect({ ...creds, password: 'wrong' }), /Password is incorrect\.:TESTER/)
  })

  test('an unknown user fails at connect', async () => {
    const job = new SQLJob()
    await assert.rejects(
      job.connect({ ...creds, user: 'nobody', password: 'x' }),
      /The application server rejected the connection\. \(User ID is not known\.:NOBODY\)/,
    )
  })

  test('without the certificate the TLS check fails as for a self-signed server', async () => {
    const job = new SQLJob()
    await assert.rejects(job.connect({ ...creds, ca: undefined }), /self-signed certificate/)
  })
})

describe('query', () => {
  test('runs a query and reports results as the server does', async () => {
    const result: Result = await withJob((job) =>
      job.execute('select * from sample.department order by deptno'),
    )
    assert.equal(result.success, true)
    assert.equal(result.has_results, true)
    assert.equal(result.update_count, -1)
    assert.equal(result.is_done, true)
    assert.equal(result.data.length, 14)
    assert.deepEqual(result.data[0], {
      DEPTNO: 'A00',
      DEPTNAME: 'SPIFFY COMPUTER SERVICE DIV.',
      MGRNO: '000010',
      ADMRDEPT: 'A00',
      LOCATION: null,
    })
  })

  test('fetchMore pages through a result until is_done', async () => {
    await withJob(async (job) => {
      const query = job.query('select empno from sample.employee order by empno')
      const first: Result = await query.execute(10)
      assert.equal(first.data.length, 10)
      assert.equal(first.is_done, false)
      const seen = [...first.data]
      let page = first
      while (!page.is_done) {
        page = await query.fetchMore(10)
        seen.push(...page.data)
      }
      assert.equal(seen.length, 32)
      assert.equal(seen[31].EMPNO, '000340')
      await query.close()
    })
  })

  test('an SQL error carries the Db2 message, SQLSTATE and SQLCODE', async () => {
    await withJob(async (job) => {
      await assert.rejects(
        job.query('select * from MAPEPIRE.FAKETABLE', { parameters: [] }).execute(),
        (error: Error) =>
          error.message === '[SQL0204] FAKETABLE in MAPEPIRE type *FILE not found., 42704, -204',
      )
    })
  })
})

describe('prepared statements and batches', () => {
  test('binds parameters', async () => {
    const result = await withJob((job) =>
      job.execute(
        'select lastname, salary from sample.employee where workdept = ? and salary > ? order by lastname',
        {
          parameters: ['D11', 25000],
        },
      ),
    )
    assert.deepEqual(
      result.data.map((r: { LASTNAME: string }) => r.LASTNAME),
      ['ADAMSON', 'BROWN', 'LUTZ', 'STERN'],
    )
    assert.equal(result.metadata.columns[1].type, 'DECIMAL')
  })

  test('reports the JDBC driver errors for parameter mismatches', async () => {
    await withJob(async (job) => {
      await assert.rejects(
        job.query('select * from sample.employee where empno = ?', { parameters: [] }).execute(),
        /^Error: The number of parameter values set or registered does not match the number of parameters\., 07001, -99999$/,
      )
      await assert.rejects(
        job.query('select * from sample.employee where empno = ?', { parameters: [1, 'a'] }).execute(),
        /Descriptor index not valid\. \(2>1\), 07009, -99999/,
      )
    })
  })

  test('a batch inserts every row and sums the update counts', async () => {
    await withJob(async (job) => {
      await job.execute('create table sample.batchtest (name varchar(10), phone varchar(12))')
      const inserted = await job
        .query('insert into sample.batchtest values (?, ?)', {
          parameters: [
            ['ANNA', '1'],
            ['BEN', '2'],
            ['CARL', '3'],
          ],
        })
        .execute()
      assert.equal(inserted.update_count, 3)
      const updated = await job
        .query('update sample.batchtest set phone = ? where name = ?', {
          parameters: [
            ['9', 'ANNA'],
            ['9', 'NOBODY'],
          ],
        })
        .execute()
      assert.equal(updated.update_count, 1)
      const rows = await job.execute('select * from sample.batchtest order by name')
      assert.deepEqual(rows.data, [
        { NAME: 'ANNA', PHONE: '9' },
        { NAME: 'BEN', PHONE: '2' },
        { NAME: 'CARL', PHONE: '3' },
      ])
      await job.execute('drop table sample.batchtest')
    })
  })
})

describe('pool', () => {
  test('spreads work over several jobs', async () => {
    const pool = new Pool({ creds, maxSize: 3, startingSize: 3 })
    await pool.init()
    try {
      const results: Result[] = await Promise.all(
        Array.from({ length: 9 }, () => pool.execute('values (job_name)')),
      )
      const names = new Set(results.map((r: { data: Record<string, string>[] }) => r.data[0]!['00001']))
      assert.equal(names.size, 3)
      for (const name of names) assert.match(name, /\/TESTER\/QZDASOINIT$/)
    } finally {
      await pool.end()
    }
  })
})

describe('CL', () => {
  test('WRKACTJOB succeeds with job log rows', async () => {
    const result: Result = await withJob((job) => job.clcommand('WRKACTJOB').execute())
    assert.equal(result.success, true)
    assert.ok(result.data.length >= 1)
    assert.equal(result.is_done, true)
  })

  test('an unknown command fails CPF0006', async () => {
    const result: Result = await withJob((job) => job.clcommand('INVALIDCOMMAND').execute())
    assert.equal(result.success, false)
    assert.match(result.error, /\[CPF0006\] Errors occurred in command\./)
    assert.equal(result.sql_rc, -443)
    assert.equal(result.sql_state, '38501')
    assert.equal(result.is_done, true)
    assert.ok(result.data.some((row: { MESSAGE_ID: string }) => row.MESSAGE_ID === 'CPD0030'))
  })
})

describe('procedures', () => {
  test('IN, INOUT and OUT parameters come back in output_parms', async () => {
    await withJob(async (job) => {
      await job.execute('create schema proctest')
      await job.execute(`create or replace procedure proctest.addup(in p1 integer, inout p2 integer, out p3 integer)
        begin
          set p3 = p1 + p2;
          set p2 = 0;
        end`)
      const result: Result = await job.execute('call proctest.addup(?, ?, ?)', { parameters: [6, 4, 0] })
      assert.equal(result.parameter_count, 3)
      assert.deepEqual(
        result.metadata.parameters.map((p: { name: string; mode: string }) => [p.name, p.mode]),
        [
          ['P1', 'IN'],
          ['P2', 'INOUT'],
          ['P3', 'OUT'],
        ],
      )
      assert.deepEqual(
        result.output_parms.map((p: { value?: unknown }) => p.value),
        [undefined, 0, 10],
      )
      assert.equal(result.has_results, false)
      assert.equal(result.update_count, 0)
    })
  })
})
