/** SQL PL procedures translated to PL/pgSQL and called through prepare_sql_execute. */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { type MapepireLocal, startMapepireLocal } from '../src/index.ts'
import { RawClient } from './helpers.ts'

let local: MapepireLocal
let client: RawClient

before(async () => {
  local = await startMapepireLocal({ port: 0, user: 'PROCS', password: 'pw' })
  client = await RawClient.open(local)
  await client.connect()
  await ok('create schema proc')
})

after(async () => {
  await client.close()
  await local.stop()
})

async function ok(sql: string): Promise<Record<string, unknown>> {
  const reply = await client.sql(sql)
  assert.equal(reply.value.success, true, `${sql}: ${reply.value.error}`)
  return reply.value
}

async function call(sql: string, parameters: unknown[]): Promise<Record<string, unknown>> {
  const reply = await client.request({ type: 'prepare_sql_execute', sql, parameters })
  return reply.value
}

function outputs(reply: Record<string, unknown>): unknown[] {
  return (reply.output_parms as { value?: unknown }[]).map((p) => p.value)
}

describe('SQL PL', () => {
  test('DECLARE, SET, IF/ELSEIF/ELSE', async () => {
    await ok(`create procedure proc.grade (in score integer, out grade char(1))
      language sql
      begin
        declare limit_a integer default 90;
        if score >= limit_a then set grade = 'A';
        elseif score >= 70 then set grade = 'B';
        else set grade = 'C';
        end if;
      end`)
    assert.deepEqual(outputs(await call('call proc.grade(?, ?)', [95, ''])), [undefined, 'A'])
    assert.deepEqual(outputs(await call('call proc.grade(?, ?)', [75, ''])), [undefined, 'B'])
    assert.deepEqual(outputs(await call('call proc.grade(?, ?)', [5, ''])), [undefined, 'C'])
  })

  test('WHILE, REPEAT, LOOP with LEAVE and ITERATE', async () => {
    await ok(`create procedure proc.loops (in n integer, out total integer, out evens integer, out steps integer)
      begin
        declare i integer default 0;
        set total = 0;
        while i < n do
          set i = i + 1;
          set total = total + i;
        end while;
        set i = 0;
        set evens = 0;
        repeat
          set i = i + 1;
          if mod(i, 2) = 0 then set evens = evens + 1; end if;
        until i >= n end repeat;
        set steps = 0;
        l1: loop
          set steps = steps + 1;
          if steps < 3 then iterate l1; end if;
          leave l1;
        end loop;
      end`)
    assert.deepEqual(outputs(await call('call proc.loops(?, ?, ?, ?)', [10, 0, 0, 0])), [undefined, 55, 5, 3])
  })

  test('FOR over a query names its columns directly', async () => {
    await ok(`create procedure proc.payroll (in dept char(3), out total decimal(11,2))
      begin
        set total = 0;
        for emp as select salary, bonus from sample.employee where workdept = dept do
          set total = total + salary + bonus;
        end for;
      end`)
    const reply = await call('call proc.payroll(?, ?)', ['A00', 0])
    // HAAS 52750+1000, LUCCHESSI 46500+900, O'CONNELL 29250+600
    assert.deepEqual(outputs(reply), [undefined, 131000])
    const total = (reply.output_parms as { type: string; precision: number; scale: number }[])[1]!
    assert.deepEqual([total.type, total.precision, total.scale], ['DECIMAL', 11, 2])
  })

  test('a cursor loop with a CONTINUE handler for NOT FOUND', async () => {
    await ok(`create procedure proc.names (in dept char(3), out list varchar(200))
      begin
        declare done integer default 0;
        declare name varchar(15);
        declare c1 cursor for select lastname from sample.employee where workdept = dept order by lastname;
        declare continue handler for not found set done = 1;
        set list = '';
        open c1;
        fetch c1 into name;
        while done = 0 do
          set list = list concat name concat ' ';
          fetch c1 into name;
        end while;
        close c1;
      end`)
    assert.deepEqual(outputs(await call('call proc.names(?, ?)', ['C01', ''])), [
      undefined,
      'KWAN NICHOLLS QUINTANA',
    ])
  })

  test('an EXIT handler for SQLEXCEPTION, and SIGNAL', async () => {
    await ok(`create procedure proc.safe_divide (in a integer, in b integer, out result integer, out status varchar(10))
      begin
        declare exit handler for sqlexception set status = 'failed';
        set status = 'ok';
        set result = a / b;
      end`)
    assert.deepEqual(outputs(await call('call proc.safe_divide(?, ?, ?, ?)', [10, 2, 0, ''])), [
      undefined,
      undefined,
      5,
      'ok',
    ])
    assert.deepEqual(outputs(await call('call proc.safe_divide(?, ?, ?, ?)', [10, 0, 0, ''])), [
      undefined,
      undefined,
      null,
      'failed',
    ])

    await ok(`create procedure proc.check_positive (in v integer)
      begin
        if v <= 0 then
          signal sqlstate '75001' set message_text = 'value must be positive';
        end if;
      end`)
    const signalled = await call('call proc.check_positive(?)', [-1])
    assert.equal(signalled.success, false)
    assert.equal(signalled.sql_state, '75001')
    assert.equal(signalled.sql_rc, -438)
    assert.match(String(signalled.error), /value must be positive/)
    assert.equal((await call('call proc.check_positive(?)', [1])).success, true)
  })

  test('DYNAMIC RESULT SETS returns the cursor opened WITH RETURN', async () => {
    await ok(`create procedure proc.dept_employees (in dept char(3))
      dynamic result sets 1
      begin
        declare c1 cursor with return for select empno, lastname from sample.employee where workdept = dept order by empno;
        open c1;
      end`)
    const reply = await call('call proc.dept_employees(?)', ['E11'])
    assert.equal(reply.success, true, String(reply.error))
    assert.equal(reply.has_results, true)
    assert.deepEqual(
      (reply.data as { EMPNO: string }[]).map((r) => r.EMPNO),
      ['000090', '000280', '000290', '000300', '000310'],
    )
  })

  test('SQL statements inside the body change data', async () => {
    await ok('create table proc.audit (msg varchar(20))')
    await ok(`create procedure proc.log_it (in msg varchar(20), out n integer)
      begin
        insert into proc.audit values (msg);
        select count(*) into n from proc.audit;
      end`)
    assert.deepEqual(outputs(await call('call proc.log_it(?, ?)', ['hello', 0])), [undefined, 1])
    assert.deepEqual(outputs(await call('call proc.log_it(?, ?)', ['again', 0])), [undefined, 2])
  })

  test('CREATE OR REPLACE replaces; the catalog lists the parameters', async () => {
    await ok('create or replace procedure proc.replace_me (out v integer) begin set v = 1; end')
    await ok(
      'create or replace procedure proc.replace_me (in a integer, out v integer) begin set v = a * 2; end',
    )
    assert.deepEqual(outputs(await call('call proc.replace_me(?, ?)', [21, 0])), [undefined, 42])
    const parms = (
      await ok(
        "select parameter_name, parameter_mode from qsys2.sysparms where specific_name = 'REPLACE_ME' order by ordinal_position",
      )
    ).data
    assert.deepEqual(parms, [
      { PARAMETER_NAME: 'A', PARAMETER_MODE: 'IN' },
      { PARAMETER_NAME: 'V', PARAMETER_MODE: 'OUT' },
    ])
  })

  test('a construct the translator does not support fails SQL0104 naming it', async () => {
    const reply = await client.sql(`create procedure proc.unsupported ()
      begin
        execute immediate 'values 1';
      end`)
    assert.equal(reply.value.success, false)
    assert.equal(reply.value.sql_rc, -104)
    assert.match(String(reply.value.error), /^\[SQL0104\] Token EXECUTE was not valid\./)
  })

  test('calling an unknown procedure is SQL0204', async () => {
    const reply = await client.sql('call proc.nothing_here()')
    assert.equal(reply.value.sql_rc, -204)
  })
})
