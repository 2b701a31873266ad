/** Jobs: commitment control, isolation, savepoints, QSYS2.CANCEL_SQL, ALCOBJ/DLCOBJ locks. */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { type MapepireLocal, startMapepireLocal } from '../src/index.ts'
import { RawClient } from './helpers.ts'

let local: MapepireLocal
let setup: RawClient

before(async () => {
  local = await startMapepireLocal({ port: 0, user: 'JOBS', password: 'pw' })
  setup = await RawClient.open(local)
  await setup.connect()
  await setup.sql('create schema jobtest')
  await setup.sql('create table jobtest.t (id integer not null primary key, v varchar(10))')
})

after(async () => {
  await setup.close()
  await local.stop()
})

async function job(props?: string): Promise<RawClient> {
  const client = await RawClient.open(local)
  const reply = await client.connect(props)
  assert.equal(reply.value.success, true, reply.text)
  return client
}

async function count(client: RawClient, where = '1 = 1'): Promise<number> {
  const reply = await client.sql(`select count(*) as n from jobtest.t where ${where}`)
  return (reply.value.data as { N: number }[])[0]!.N
}

describe('commitment control', () => {
  test('auto commit (the default) makes each statement visible at once', async () => {
    const a = await job()
    await a.sql("insert into jobtest.t values (1, 'auto')")
    assert.equal(await count(setup, 'id = 1'), 1)
    await a.close()
  })

  test('auto commit=false keeps changes until COMMIT, ROLLBACK undoes them', async () => {
    const tx = await job('auto commit=false;transaction isolation=read committed')
    await tx.sql("insert into jobtest.t values (2, 'tx')")
    assert.equal(await count(tx, 'id = 2'), 1)
    assert.equal(await count(setup, 'id = 2'), 0)
    await tx.sql('rollback')
    assert.equal(await count(tx, 'id = 2'), 0)
    await tx.sql("insert into jobtest.t values (3, 'tx')")
    await tx.sql('commit')
    assert.equal(await count(setup, 'id = 3'), 1)
    await tx.close()
  })

  test('a failing statement undoes only itself, as on Db2', async () => {
    const tx = await job('auto commit=false;transaction isolation=read committed')
    await tx.sql("insert into jobtest.t values (4, 'kept')")
    const dup = await tx.sql("insert into jobtest.t values (4, 'dup')")
    assert.equal(dup.value.sql_rc, -803)
    await tx.sql("insert into jobtest.t values (5, 'kept')")
    await tx.sql('commit')
    assert.equal(await count(setup, 'id in (4, 5)'), 2)
    await tx.close()
  })

  test('savepoints: ROLLBACK TO SAVEPOINT undoes the work after it', async () => {
    const tx = await job('auto commit=false;transaction isolation=serializable')
    await tx.sql("insert into jobtest.t values (6, 'before')")
    const sp = await tx.sql('savepoint sp1 on rollback retain cursors')
    assert.equal(sp.value.success, true, String(sp.value.error))
    await tx.sql("insert into jobtest.t values (7, 'after')")
    await tx.sql('rollback to savepoint sp1')
    await tx.sql('release savepoint sp1')
    await tx.sql('commit')
    assert.equal(await count(setup, 'id = 6'), 1)
    assert.equal(await count(setup, 'id = 7'), 0)
    await tx.close()
  })

  test('repeatable read sees one snapshot until commit', async () => {
    const tx = await job('auto commit=false;transaction isolation=repeatable read')
    const before = await count(tx)
    await setup.sql("insert into jobtest.t values (8, 'other')")
    assert.equal(await count(tx), before)
    await tx.sql('commit')
    assert.equal(await count(tx), before + 1)
    await tx.close()
  })

  test('transaction isolation=none keeps auto commit semantics even with auto commit=false', async () => {
    const none = await job('auto commit=false;transaction isolation=none')
    await none.sql("insert into jobtest.t values (9, 'none')")
    assert.equal(await count(setup, 'id = 9'), 1)
    await none.close()
  })
})

describe('QSYS2.CANCEL_SQL', () => {
  test('another job cancels the running statement, which fails SQL0952', async () => {
    const victim = await job()
    const control = await job()
    const name = String((await victim.request({ type: 'getdbjob' })).value.job)
    const slow = victim.sql("call qsys2.qcmdexc('DLYJOB DLY(20)')")
    await new Promise((r) => setTimeout(r, 400))
    const started = Date.now()
    const cancel = await control.sql(`call qsys2.cancel_sql('${name}')`)
    assert.equal(cancel.value.success, true, String(cancel.value.error))
    const cancelled = await slow
    assert.ok(Date.now() - started < 10_000)
    assert.equal(cancelled.value.success, false)
    assert.equal(cancelled.value.sql_state, '57014')
    assert.equal(cancelled.value.sql_rc, -952)
    assert.match(String(cancelled.value.error), /^\[SQL0952\]/)
    // The job goes on.
    const afterwards = await victim.sql('values 1')
    assert.equal(afterwards.value.success, true)
    await victim.close()
    await control.close()
  })

  test('a query cancelled inside a transaction leaves the transaction usable', async () => {
    const victim = await job('auto commit=false;transaction isolation=read committed')
    const control = await job()
    const name = String((await victim.request({ type: 'getdbjob' })).value.job)
    await victim.sql("insert into jobtest.t values (20, 'keep')")
    const slow = victim.sql(
      'with r(n) as (values 1 union all select n + 1 from r where n < 100000000) select count(*) from r',
    )
    await new Promise((r) => setTimeout(r, 300))
    await control.sql(`call qsys2.cancel_sql('${name}')`)
    assert.equal((await slow).value.sql_rc, -952)
    await victim.sql('commit')
    assert.equal(await count(setup, 'id = 20'), 1)
    await victim.close()
    await control.close()
  })

  test('ACTIVE_JOB_INFO shows the jobs and the statement one is running', async () => {
    const victim = await job()
    const watcher = await job()
    const name = String((await victim.request({ type: 'getdbjob' })).value.job)
    const delay = victim.sql("call qsys2.qcmdexc('DLYJOB DLY(5)')")
    await new Promise((r) => setTimeout(r, 400))
    const info = await watcher.sql(
      `select job_name, job_status, sql_statement_status, sql_statement_text from table(qsys2.active_job_info(detailed_info => 'ALL')) x where job_name = '${name}'`,
    )
    assert.equal(info.value.success, true, String(info.value.error))
    const [row] = info.value.data as {
      JOB_STATUS: string
      SQL_STATEMENT_STATUS: string
      SQL_STATEMENT_TEXT: string
    }[]
    assert.equal(row?.SQL_STATEMENT_STATUS, 'ACTIVE')
    assert.match(row?.SQL_STATEMENT_TEXT ?? '', /pg_sleep/)
    await watcher.sql(`call qsys2.cancel_sql('${name}')`)
    assert.equal((await delay).value.sql_rc, -952)
    const all = await watcher.sql('select count(*) as n from table(qsys2.active_job_info()) x')
    assert.ok((all.value.data as { N: number }[])[0]!.N >= 2)
    await victim.close()
    await watcher.close()
  })

  test('an unknown job is an error', async () => {
    const control = await job()
    const reply = await control.sql("call qsys2.cancel_sql('000000/NOBODY/QZDASOINIT')")
    assert.equal(reply.value.success, false)
    await control.close()
  })
})

describe('ALCOBJ / DLCOBJ', () => {
  test('an *EXCL lock keeps other jobs out until DLCOBJ', async () => {
    const a = await job()
    const b = await job()
    const lock = await a.request({ type: 'cl', cmd: 'ALCOBJ OBJ((JOBTEST/T *FILE *EXCL)) WAIT(1)' })
    assert.equal(lock.value.success, true, String(lock.value.error))
    const refused = await b.request({ type: 'cl', cmd: 'ALCOBJ OBJ((JOBTEST/T *FILE *EXCL)) WAIT(1)' })
    assert.equal(refused.value.success, false)
    assert.equal(refused.value.error, '[CPF1085] Objects not allocated.')
    assert.ok((refused.value.data as { MESSAGE_ID: string }[]).some((r) => r.MESSAGE_ID === 'CPF1002'))
    // b waits; a releases while b waits.
    const waiting = b.request({ type: 'cl', cmd: 'ALCOBJ OBJ((JOBTEST/T *FILE *EXCL)) WAIT(10)' })
    await new Promise((r) => setTimeout(r, 300))
    const release = await a.request({ type: 'cl', cmd: 'DLCOBJ OBJ((JOBTEST/T *FILE *EXCL))' })
    assert.equal(release.value.success, true)
    assert.equal((await waiting).value.success, true)
    await a.close()
    await b.close()
  })

  test('shared locks are compatible; a job that ends releases its locks', async () => {
    const a = await job()
    const b = await job()
    assert.equal(
      (await a.request({ type: 'cl', cmd: 'ALCOBJ OBJ((JOBTEST/T *FILE *SHRRD)) WAIT(1)' })).value.success,
      true,
    )
    assert.equal(
      (await b.request({ type: 'cl', cmd: 'ALCOBJ OBJ((JOBTEST/T *FILE *SHRRD)) WAIT(1)' })).value.success,
      true,
    )
    assert.equal(
      (await b.request({ type: 'cl', cmd: 'ALCOBJ OBJ((JOBTEST/T *FILE *EXCL)) WAIT(1)' })).value.success,
      false,
    )
    await a.close()
    await b.close()
    await new Promise((r) => setTimeout(r, 200))
    const c = await job()
    assert.equal(
      (await c.request({ type: 'cl', cmd: 'ALCOBJ OBJ((JOBTEST/T *FILE *EXCL)) WAIT(1)' })).value.success,
      true,
    )
    await c.close()
  })

  test('a table with a long SQL name is locked by the system name the catalog gives it', async () => {
    const a = await job()
    const b = await job()
    await a.sql('create table jobtest.a_long_lock_table_name (id integer)')
    const described = await a.sql(
      "select system_table_name from qsys2.systables where table_schema = 'JOBTEST' and table_name = 'A_LONG_LOCK_TABLE_NAME'",
    )
    const system = (described.value.data as { SYSTEM_TABLE_NAME: string }[])[0]!.SYSTEM_TABLE_NAME.trimEnd()
    assert.ok(system.length <= 10)
    const lock = await a.request({ type: 'cl', cmd: `ALCOBJ OBJ((JOBTEST/${system} *FILE *EXCL)) WAIT(1)` })
    assert.equal(lock.value.success, true, String(lock.value.error))
    // The same object, named by its SQL name, is the one already locked.
    const refused = await b.request({
      type: 'cl',
      cmd: 'ALCOBJ OBJ((JOBTEST/A_LONG_LOCK_TABLE_NAME *FILE *EXCL)) WAIT(1)',
    })
    assert.equal(refused.value.error, '[CPF1085] Objects not allocated.')
    const release = await a.request({ type: 'cl', cmd: `DLCOBJ OBJ((JOBTEST/${system} *FILE *EXCL))` })
    assert.equal(release.value.success, true, String(release.value.error))
    await a.close()
    await b.close()
  })

  test('allocating an object that does not exist fails', async () => {
    const a = await job()
    const reply = await a.request({ type: 'cl', cmd: 'ALCOBJ OBJ((JOBTEST/NOPE *FILE *EXCL)) WAIT(1)' })
    assert.equal(reply.value.success, false)
    await a.close()
  })
})
