import assert from 'node:assert/strict'
import { test } from 'node:test'
import { classifyStatement } from '../src/statement-kind.ts'

test('statements that need the job of their own are found in code only', () => {
  const state = (sql: string) => classifyStatement(sql).jobState
  assert.equal(state('SET SCHEMA APP'), 'SET SCHEMA')
  assert.equal(state('set current schema = app'), 'SET CURRENT SCHEMA')
  assert.equal(state('SET PATH = APP, QSYS2'), 'SET PATH')
  assert.equal(state('DECLARE GLOBAL TEMPORARY TABLE T (A INT)'), 'DECLARE GLOBAL TEMPORARY TABLE')
  assert.equal(state('select * from qtemp.t'), 'QTEMP')
  assert.equal(state('select * from "SESSION"."t"'), 'SESSION')
  assert.equal(state('select * from QTEMP/T'), 'QTEMP')
  assert.equal(state("CALL QSYS2.QCMDEXC('ADDLIBLE X')"), 'a CL command (QCMDEXC)')
  assert.equal(state('call qcmdexc(?)'), 'a CL command (QCMDEXC)')
  assert.equal(state('LOCK TABLE T IN EXCLUSIVE MODE'), 'LOCK TABLE')
  for (const free of [
    "select 'qtemp.t' from sysibm.sysdummy1",
    'select qtemp_count from t',
    '-- set schema x\nselect 1 from t',
    'select * from "qtemp"."t"',
    'CALL MYLIB.PROC(?)',
    'values session_user',
  ]) {
    assert.equal(state(free), undefined, free)
  }
})

test('writes may reuse their prepared statement; transaction control is recognised', () => {
  assert.equal(classifyStatement('insert into t values (?)').reusable, true)
  assert.equal(classifyStatement('/* x */ UPDATE t SET a = ?').reusable, true)
  assert.equal(classifyStatement('select * from t where a = ?').reusable, true)
  assert.equal(classifyStatement('with x as (select 1 from t) select * from x where a = ?').reusable, true)
  assert.equal(classifyStatement('select id from final table (insert into t values (?))').reusable, false)
  assert.equal(classifyStatement('select * from t where a = ? for update').reusable, false)
  assert.equal(classifyStatement('select "UPDATE" from t where a = ?').reusable, true)
  assert.equal(classifyStatement('call p(?)').reusable, false)
  assert.equal(classifyStatement('insert into qtemp.t values (?)').reusable, false)
  for (const sql of [
    'COMMIT',
    'rollback',
    'ROLLBACK TO SAVEPOINT A',
    'SAVEPOINT A ON ROLLBACK RETAIN CURSORS',
    'RELEASE SAVEPOINT A',
  ]) {
    assert.equal(classifyStatement(sql).transactionControl, true, sql)
  }
  assert.equal(classifyStatement('select 1 from t').transactionControl, false)
})
