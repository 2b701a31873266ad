/** The translator and value writers on their own (no server). */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { translate } from '../src/db2/translate.ts'
import { JsonNumber, javaBigDecimal, javaFloatingPoint, toJson } from '../src/db2/values.ts'

function pg(sql: string, naming: 'sql' | 'system' = 'sql'): string {
  const t = translate(sql, { naming })
  assert.equal(t.kind, 'statement')
  // Token spacing is free; compare with single spaces (no literals in these cases hold runs of blanks).
  return t.kind === 'statement' ? t.sql.replace(/\s+/g, ' ') : ''
}

describe('translate', () => {
  test('strings, quoted names and comments are never rewritten', () => {
    const out = pg(`select 'concat value(x) ?', "Value" -- a ? comment\n from t where a = ?`)
    assert.match(out, /'concat value\(x\) \?'/)
    assert.match(out, /"Value"/)
    assert.match(out, /\$1/)
    assert.doesNotMatch(out, /comment/)
  })

  test("SESSION and QTEMP name the job's temporary library quoted or not; other quoted names stay", () => {
    assert.match(pg('select * from "SESSION"."t"'), /from pg_temp \. "\w+"$/)
    assert.match(pg('select * from session.t'), /from pg_temp \. t$/)
    assert.match(pg('select * from "QTEMP"."T"'), /from pg_temp \. "?\w+"?$/)
    assert.doesNotMatch(pg('select "SESSION" from "Session"."t"'), /pg_temp/)
  })

  test('parameter markers are numbered in order', () => {
    const t = translate('select * from t where a = ? and b in (?, ?)', { naming: 'sql' })
    assert.ok(t.kind === 'statement' && t.paramCount === 3 && /\$1.*\$2.*\$3/.test(t.sql))
  })

  test('system naming turns LIB/T into schema.table but keeps division with spaces', () => {
    assert.match(pg('select a / 2 from mylib/t1', 'system'), /a \/ 2 AS "__DB2_UNNAMED__" from mylib \. t1/)
  })

  test('FINAL TABLE becomes a data-modifying WITH', () => {
    assert.match(
      pg('select id from final table (insert into t (a) values (1)) as x'),
      /^WITH RECURSIVE x AS \( insert into t \( a \) values \( 1 \) RETURNING \* \) select id from x$/,
    )
  })

  test('DROP … IF EXISTS moves IF EXISTS where PostgreSQL wants it', () => {
    assert.equal(pg('drop table s.t if exists'), 'drop table if exists s . t')
  })

  test('empty statements are the JDBC driver error', () => {
    assert.throws(
      () => translate('', { naming: 'sql' }),
      /A string parameter value with zero length was detected\./,
    )
  })
})

describe('values', () => {
  test('BigDecimal notation', () => {
    assert.equal(javaBigDecimal('123.45'), '123.45')
    assert.equal(javaBigDecimal('-0.00000010'), '-1.0E-7')
    assert.equal(javaBigDecimal('0.000001'), '0.000001')
    assert.equal(javaBigDecimal('100'), '100')
  })

  test('Double notation', () => {
    assert.equal(javaFloatingPoint('1'), '1.0')
    assert.equal(javaFloatingPoint('1e+20'), '1.0E20')
    assert.equal(javaFloatingPoint('0.0001'), '1.0E-4')
    assert.equal(javaFloatingPoint('1234.5'), '1234.5')
  })

  test('toJson writes exact numbers verbatim and keeps nulls', () => {
    assert.equal(
      toJson({ a: new JsonNumber('12345678901234567890'), b: null, c: [1, 'x'] }),
      '{"a":12345678901234567890,"b":null,"c":[1,"x"]}',
    )
  })
})
