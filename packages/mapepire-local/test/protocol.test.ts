/** The Mapepire wire protocol, checked frame by frame with a bare `ws` client. */
import assert from 'node:assert/strict'
import https from 'node:https'
import { after, before, describe, test } from 'node:test'
import { type MapepireLocal, startMapepireLocal } from '../src/index.ts'
import { basic, RawClient, upgradeStatus } from './helpers.ts'

let local: MapepireLocal

before(async () => {
  local = await startMapepireLocal({ port: 0, user: 'PROTO', password: 'pw1' })
})

after(async () => {
  await local.stop()
})

async function connected(props?: string): Promise<RawClient> {
  const client = await RawClient.open(local)
  const reply = await client.connect(props)
  assert.equal(reply.value.success, true, reply.text)
  return client
}

describe('upgrade', () => {
  test('a missing or non-Basic Authorization header is refused with 403', async () => {
    assert.equal(await upgradeStatus(local, undefined), 403)
    assert.equal(await upgradeStatus(local, 'Bearer abc'), 403)
  })

  test('the decoded credentials must split into exactly two parts', async () => {
    assert.equal(await upgradeStatus(local, basic('PROTO', 'a:b')), 403)
    assert.equal(await upgradeStatus(local, `Basic ${Buffer.from('PROTO:').toString('base64')}`), 403)
    assert.equal(await upgradeStatus(local, `Basic ${Buffer.from('PROTO').toString('base64')}`), 403)
  })

  test('an empty user or one containing * cannot get a socket (503)', async () => {
    assert.equal(await upgradeStatus(local, basic('', 'pw1')), 503)
    assert.equal(await upgradeStatus(local, basic('*ALL', 'pw1')), 503)
  })

  test('a wrong password still upgrades; connect then fails with sql_state null and sql_rc 0', async () => {
    assert.equal(await upgradeStatus(local, basic('PROTO', 'nope')), 101)
    const client = await RawClient.open(local, { user: 'PROTO', password: 'nope' })
    const reply = await client.connect()
    assert.deepEqual(reply.keys, ['id', 'error', 'success', 'sql_state', 'sql_rc', 'execution_time'])
    assert.equal(reply.value.success, false)
    assert.equal(reply.value.sql_state, null)
    assert.equal(reply.value.sql_rc, 0)
    assert.match(String(reply.value.error), /\(Password is incorrect\.:PROTO\)$/)
    await client.close()
  })

  test('GET /version answers the version', async () => {
    const body = await new Promise<string>((resolve, reject) => {
      https
        .get({ host: '127.0.0.1', port: local.port, path: '/version', ca: local.ca }, (res) => {
          let text = ''
          res.on('data', (c) => {
            text += c
          })
          res.on('end', () => resolve(text))
        })
        .on('error', reject)
    })
    assert.deepEqual(JSON.parse(body), { version: '2.3.5' })
  })
})

describe('envelope', () => {
  test('success replies: id, fields, success, execution_time; frames end with a blank line', async () => {
    const client = await connected()
    const reply = await client.sql(
      'select deptno from sample.department where deptno = ?'.replace('?', "'A00'"),
    )
    assert.deepEqual(reply.keys, [
      'id',
      'has_results',
      'update_count',
      'metadata',
      'data',
      'is_done',
      'success',
      'execution_time',
    ])
    assert.ok(reply.text.endsWith('}\n\n'))
    assert.equal(typeof reply.value.execution_time, 'number')
    await client.close()
  })

  test('SQL errors carry sql_state and sql_rc after success', async () => {
    const client = await connected()
    const reply = await client.sql('select * from nosuch.table1')
    assert.deepEqual(reply.keys, ['id', 'error', 'success', 'sql_state', 'sql_rc', 'execution_time'])
    assert.equal(reply.value.error, '[SQL0204] TABLE1 in NOSUCH type *FILE not found.')
    assert.equal(reply.value.sql_state, '42704')
    assert.equal(reply.value.sql_rc, -204)
    await client.close()
  })

  test('request errors have no sql_state or sql_rc', async () => {
    const client = await connected()
    const reply = await client.request({ type: 'nonsense' })
    assert.deepEqual(reply.keys, ['id', 'error', 'success', 'execution_time'])
    assert.equal(reply.value.error, 'Unknown request type: nonsense')
    await client.close()
  })

  test('ids are echoed as strings', async () => {
    const client = await connected()
    client.sendRaw(JSON.stringify({ id: 42, type: 'ping' }))
    const reply = await client.waitFor('42')
    assert.equal(reply.value.id, '42')
    assert.equal(reply.value.alive, true)
    assert.equal(reply.value.db_alive, true)
    await client.close()
  })

  test('unparseable and incomplete requests get generated ids', async () => {
    const client = await connected()
    client.sendRaw('{not json')
    client.sendRaw(JSON.stringify({ id: 'x' }))
    await new Promise((r) => setTimeout(r, 300))
    const unparseable = client.replies.find((r) => String(r.value.id).startsWith('unparseable_'))
    const incomplete = client.replies.find((r) => String(r.value.id).startsWith('incomplete_'))
    assert.ok(unparseable && incomplete)
    assert.deepEqual(unparseable.keys, ['id', 'unparseable', 'error', 'success', 'execution_time'])
    assert.equal(unparseable.value.error, "Non-parseable request: '{not json'")
    assert.match(String(incomplete.value.error), /^Request is missing required fields/)
    await client.close()
  })

  test('before connect every request but connect is Not connected (sql_state null, sql_rc 0)', async () => {
    const client = await RawClient.open(local)
    const reply = await client.sql('values 1')
    assert.equal(reply.value.error, 'Not connected')
    assert.equal(reply.value.sql_state, null)
    assert.equal(reply.value.sql_rc, 0)
    const job = await client.request({ type: 'getdbjob' })
    assert.equal(job.value.job, '??????/??????/??????')
    await client.close()
  })

  test('getversion, getdbjob, setconfig, gettracedata, exit', async () => {
    const client = await connected()
    const version = await client.request({ type: 'getversion' })
    assert.deepEqual(version.keys, ['id', 'build_date', 'version', 'success', 'execution_time'])
    const job = await client.request({ type: 'getdbjob' })
    assert.match(String(job.value.job), /^\d{6}\/PROTO\/QZDASOINIT$/)
    const config = await client.request({ type: 'setconfig', tracelevel: 'ON' })
    assert.equal(config.value.tracedest, 'unknown')
    const trace = await client.request({ type: 'gettracedata' })
    assert.equal(trace.value.tracedata, '<prohibited>')
    const exit = await client.request({ type: 'exit' })
    assert.deepEqual(exit.keys, ['id', 'success', 'execution_time'])
    assert.equal(exit.value.success, true)
    const after = await client.sql('values 1')
    assert.equal(after.value.error, 'Not connected')
    await client.close()
  })
})

describe('dove', () => {
  test('explains a statement, and runs it when asked', async () => {
    const client = await connected()
    const explained = await client.request({
      type: 'dove',
      sql: "select * from sample.employee where workdept = 'A00'",
    })
    assert.equal(explained.value.success, true, String(explained.value.error))
    assert.ok((explained.value.vedata as unknown[]).length >= 1)
    assert.equal(explained.value.is_done, true)
    assert.equal(explained.keys.includes('data'), false)
    const run = await client.request({
      type: 'dove',
      sql: 'select deptno from sample.department',
      run: true,
      rows: 3,
    })
    assert.equal((run.value.data as unknown[]).length, 3)
    assert.equal(run.value.is_done, false)
    await client.close()
  })
})

describe('statements', () => {
  test('is_done turns true only when a fetch runs past the end', async () => {
    const client = await connected()
    // 14 departments: 7 + 7 leaves is_done false; the next, empty block sets it.
    const first = await client.sql('select deptno from sample.department', { rows: 7 })
    assert.equal((first.value.data as unknown[]).length, 7)
    assert.equal(first.value.is_done, false)
    const second = await client.request({ type: 'sqlmore', cont_id: first.value.id, rows: 7 })
    assert.equal((second.value.data as unknown[]).length, 7)
    assert.equal(second.value.is_done, false)
    const third = await client.request({ type: 'sqlmore', cont_id: first.value.id, rows: 7 })
    assert.deepEqual(third.value.data, [])
    assert.equal(third.value.is_done, true)
    assert.deepEqual(third.keys, ['id', 'data', 'is_done', 'success', 'execution_time'])
    await client.close()
  })

  test('rows <= 0 returns no rows and is_done false', async () => {
    const client = await connected()
    const reply = await client.sql('select deptno from sample.department', { rows: 0 })
    assert.deepEqual(reply.value.data, [])
    assert.equal(reply.value.is_done, false)
    await client.close()
  })

  test('a statement without results has no is_done; update_count counts rows', async () => {
    const client = await connected()
    await client.sql('create table sample.protocol_t (a integer)')
    const insert = await client.sql('insert into sample.protocol_t values (1), (2), (3)')
    assert.deepEqual(insert.keys, ['id', 'has_results', 'update_count', 'success', 'execution_time'])
    assert.equal(insert.value.update_count, 3)
    const ddl = await client.sql('drop table sample.protocol_t')
    assert.equal(ddl.value.update_count, 0)
    await client.close()
  })

  test('sqlclose closes once; a second close and unknown ids are bad requests', async () => {
    const client = await connected()
    const q = await client.sql('select * from sample.employee', { rows: 1 })
    const close = await client.request({ type: 'sqlclose', cont_id: q.value.id })
    assert.equal(close.value.success, true)
    const again = await client.request({ type: 'sqlclose', cont_id: q.value.id })
    assert.equal(again.value.error, 'Bad request: invalid correlation ID')
    const more = await client.request({ type: 'sqlmore', cont_id: 'nope' })
    assert.equal(more.value.error, 'Bad request: invalid correlation ID')
    await client.close()
  })

  test('sqlmore without cont_id answers, then the socket reads no more', async () => {
    const client = await connected()
    const reply = await client.request({ type: 'sqlmore' })
    assert.equal(reply.value.error, 'Bad request: Correlation ID not specified')
    const closed = await new Promise<number>((resolve) =>
      client.socket.once('close', (code) => resolve(code)),
    )
    assert.equal(closed, 1011)
  })

  test('terse results are arrays; duplicate column names collapse in objects', async () => {
    const client = await connected()
    const terse = await client.sql('select deptno, deptno from sample.department order by 1', {
      rows: 1,
      terse: true,
    })
    assert.deepEqual(terse.value.data, [['A00', 'A00']])
    const objects = await client.sql(
      "select deptno, admrdept as deptno from sample.department where deptno = 'D11'",
    )
    assert.deepEqual(objects.value.data, [{ DEPTNO: 'D01' }])
    await client.close()
  })

  test('prepare_sql describes columns and parameters; execute runs it with values', async () => {
    const client = await connected()
    const prepared = await client.request({
      type: 'prepare_sql',
      sql: 'select empno, salary from sample.employee where workdept = ? and edlevel > ?',
    })
    assert.deepEqual(prepared.keys, ['id', 'parameter_count', 'metadata', 'success', 'execution_time'])
    const metadata = prepared.value.metadata as Record<string, unknown>
    assert.deepEqual(Object.keys(metadata), ['column_count', 'job', 'columns', 'parameters'])
    assert.deepEqual((metadata.columns as Record<string, unknown>[])[1], {
      name: 'SALARY',
      type: 'DECIMAL',
      display_size: 11,
      label: 'SALARY',
    })
    assert.deepEqual(
      (metadata.parameters as { type: string; mode: string }[]).map((p) => [p.type, p.mode]),
      [
        ['CHAR', 'IN'],
        ['SMALLINT', 'IN'],
      ],
    )
    const run = await client.request({ type: 'execute', cont_id: prepared.value.id, parameters: ['A00', 17] })
    assert.equal(run.value.has_results, true)
    assert.deepEqual(
      (run.value.data as { EMPNO: string }[]).map((r) => r.EMPNO),
      ['000010', '000110'],
    )
    const again = await client.request({
      type: 'execute',
      cont_id: prepared.value.id,
      parameters: ['C01', 0],
    })
    assert.equal((again.value.data as unknown[]).length, 3)
    await client.close()
  })

  test('prepare_sql_execute errors after the prepare keep the prepare fields', async () => {
    const client = await connected()
    const reply = await client.request({
      type: 'prepare_sql_execute',
      sql: 'select * from sample.department where deptno = ?',
      parameters: 99,
    })
    assert.deepEqual(reply.keys, ['id', 'parameter_count', 'metadata', 'error', 'success', 'execution_time'])
    assert.equal(reply.value.error, 'Not a JSON Array: 99')
    await client.close()
  })

  test('a parameter marker in an sql request is refused', async () => {
    const client = await connected()
    const reply = await client.sql('select * from sample.department where deptno = ?')
    assert.equal(reply.value.sql_rc, -313)
    await client.close()
  })
})

describe('values', () => {
  test('BIGINT and DECIMAL keep every digit; REAL/DOUBLE use Java notation', async () => {
    const client = await connected()
    const reply = await client.sql(
      'select cast(9223372036854775807 as bigint) as b, cast(12345678901234567890.12 as decimal(31,2)) as d, cast(0.0000001 as decimal(10,8)) as small, cast(1 as double) as one, cast(1e20 as double) as big from sysibm.sysdummy1',
    )
    assert.match(reply.text, /"B":9223372036854775807,/)
    assert.match(reply.text, /"D":12345678901234567890\.12,/)
    assert.match(reply.text, /"SMALL":1\.0E-7,/)
    assert.match(reply.text, /"ONE":1\.0,/)
    assert.match(reply.text, /"BIG":1\.0E20\}/)
    await client.close()
  })

  test('CHAR is trimmed, VARCHAR is not, binary is upper-case hex, BOOLEAN is a boolean', async () => {
    const client = await connected()
    const reply = await client.sql(
      "select cast('ab ' as char(5)) as c, cast('ab ' as varchar(5)) as v, x'0aff' as b, cast('true' as boolean) as t from sysibm.sysdummy1",
    )
    assert.deepEqual(reply.value.data, [{ C: 'ab', V: 'ab ', B: '0AFF', T: true }])
    await client.close()
  })

  test('a hex string bound to a binary parameter is the bytes it spells; elsewhere it stays text', async () => {
    const client = await connected()
    await client.sql('create table qgpl.binparm (b varbinary(8), v varchar(8))')
    const insert = await client.request({
      type: 'prepare_sql_execute',
      sql: 'insert into qgpl.binparm values (?, ?)',
      parameters: ['0001FEFF', '0001FEFF'],
    })
    assert.equal(insert.value.success, true, String(insert.value.error))
    const read = await client.sql('select b, v, length(b) as n from qgpl.binparm')
    assert.deepEqual(read.value.data, [{ B: '0001FEFF', V: '0001FEFF', N: 4 }])
    await client.sql('drop table qgpl.binparm')
    await client.close()
  })

  test('dates and times follow the connect props', async () => {
    const sql =
      "select cast('2024-06-15' as date) as d, cast('13:45:30' as time) as t, cast('2024-06-15 13:45:30.1234' as timestamp) as ts from sysibm.sysdummy1"
    const jobDefault = await connected()
    assert.deepEqual((await jobDefault.sql(sql)).value.data, [
      { D: '06/15/24', T: '13:45:30', TS: '2024-06-15 13:45:30.123400' },
    ])
    await jobDefault.close()
    const iso = await connected('date format=iso;time format=iso')
    assert.deepEqual((await iso.sql(sql)).value.data, [
      { D: '2024-06-15', T: '13.45.30', TS: '2024-06-15 13:45:30.123400' },
    ])
    await iso.close()
    const eur = await connected('date format=dmy;date separator=.;time format=usa')
    assert.deepEqual((await eur.sql(sql)).value.data, [
      { D: '15.06.24', T: '01:45 PM', TS: '2024-06-15 13:45:30.123400' },
    ])
    await eur.close()
  })

  test('parameters keep the digits the client sent', async () => {
    const client = await connected()
    client.sendRaw(
      '{"id":"big","type":"prepare_sql_execute","sql":"select cast(? as decimal(31,0)) as n from sysibm.sysdummy1","parameters":[12345678901234567890123456789]}',
    )
    const reply = await client.waitFor('big')
    assert.match(reply.text, /"N":12345678901234567890123456789\}/)
    await client.close()
  })
})

describe('concurrency and synchronous requests', () => {
  test('requests on one socket overlap; connect holds up the requests after it', async () => {
    const client = await RawClient.open(local)
    client.sendRaw(JSON.stringify({ id: 'c1', type: 'connect' }))
    client.sendRaw(JSON.stringify({ id: 's1', type: 'sql', sql: 'values 1' }))
    const s1 = await client.waitFor('s1')
    // Had sql not waited for connect, it would be "Not connected".
    assert.equal(s1.value.success, true)
    await client.close()
  })

  test('the reorder knob shuffles replies', async () => {
    const client = await connected()
    local.faults.set({ reorder: { windowMs: 200, seed: 7 } })
    try {
      const ids = Array.from({ length: 8 }, (_, i) => `o${i}`)
      for (const id of ids) client.sendRaw(JSON.stringify({ id, type: 'sql', sql: `values ${id.slice(1)}` }))
      await Promise.all(ids.map((id) => client.waitFor(id)))
      const order = client.replies.map((r) => String(r.value.id)).filter((id) => id.startsWith('o'))
      assert.notDeepEqual(order, ids)
      assert.deepEqual([...order].sort(), ids)
    } finally {
      local.faults.clear()
    }
    await client.close()
  })
})

describe('faults', () => {
  test('delay, drop and oversize rules apply to the matching requests only', async () => {
    const client = await connected()
    local.faults.add({ match: { type: 'sql', sql: 'values 11' }, action: 'delay', ms: 300, times: 1 })
    const started = Date.now()
    await client.sql('values 11')
    assert.ok(Date.now() - started >= 300)
    local.faults.add({ match: { sql: 'values 12' }, action: 'oversize', bytes: 100_000, times: 1 })
    const big = await client.sql('values 12')
    assert.ok(big.text.length >= 99_000)
    assert.equal(big.value.success, true)
    local.faults.add({ match: { sql: 'values 13' }, action: 'drop', times: 1 })
    const closed = new Promise<void>((resolve) => client.socket.once('close', () => resolve()))
    client.sendRaw(JSON.stringify({ id: 'gone', type: 'sql', sql: 'values 13' }))
    await closed
    assert.equal(
      client.replies.some((r) => r.value.id === 'gone'),
      false,
    )
    local.faults.clear()
  })

  test('kill-job ends the job under the request; later requests fail 08003', async () => {
    const client = await connected()
    local.faults.add({ match: { sql: 'values 21' }, action: 'kill-job', times: 1 })
    const killed = await client.sql('values 21')
    assert.equal(killed.value.success, false)
    assert.equal(killed.value.sql_state, '08003')
    const later = await client.sql('values 22')
    assert.equal(later.value.error, 'The connection does not exist.')
    local.faults.clear()
    await client.close()
  })

  test('killJob and dropConnections at run time', async () => {
    const client = await connected()
    const name = String((await client.request({ type: 'getdbjob' })).value.job)
    assert.ok(local.jobNames().includes(name))
    assert.equal(await local.killJob(name), true)
    const after = await client.sql('values 1')
    assert.equal(after.value.sql_state, '08003')
    const other = await connected()
    const closed = new Promise<void>((resolve) => other.socket.once('close', () => resolve()))
    local.dropConnections()
    await closed
    await client.close()
  })
})

describe('limits and logging', () => {
  test('a message over maxMessageBytes closes the socket with 1009; the logger hears of jobs', async () => {
    const events: string[] = []
    const small = await startMapepireLocal({
      port: 0,
      sample: false,
      maxMessageBytes: 2000,
      logger: { info: (message) => events.push(message) },
    })
    try {
      const client = await RawClient.open(small)
      assert.equal((await client.connect()).value.success, true)
      const closed = new Promise<number>((resolve) => client.socket.once('close', (code) => resolve(code)))
      client.sendRaw(JSON.stringify({ id: 'big', type: 'sql', sql: `values '${'x'.repeat(5000)}'` }))
      assert.equal(await closed, 1009)
      await new Promise((r) => setTimeout(r, 100))
      assert.deepEqual(events, ['job started', 'job ended'])
    } finally {
      await small.stop()
    }
  })
})
