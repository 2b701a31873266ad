/** CL commands through the `cl` request and QSYS2.QCMDEXC. */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { parseCommand } from '../src/cl/parser.ts'
import { type MapepireLocal, startMapepireLocal } from '../src/index.ts'
import { RawClient } from './helpers.ts'

let local: MapepireLocal

before(async () => {
  local = await startMapepireLocal({ port: 0, user: 'CLUSER', password: 'pw' })
})

after(async () => {
  await local.stop()
})

async function job(props = 'naming=system'): Promise<RawClient> {
  const client = await RawClient.open(local)
  assert.equal((await client.connect(props)).value.success, true)
  return client
}

describe('parser', () => {
  test('positional and keyword parameters, nested lists, quotes, qualified names', () => {
    const c = parseCommand(
      "qsys/alcobj obj((mylib/t1 *file *excl) (t2 *file *shrrd)) wait(5) 'It''s' positional",
    )
    assert.equal(c.library, 'QSYS')
    assert.equal(c.name, 'ALCOBJ')
    assert.deepEqual(c.keywords.get('WAIT'), [{ kind: 'value', text: '5', quoted: false }])
    const obj = c.keywords.get('OBJ')!
    assert.equal(obj.length, 2)
    assert.deepEqual(obj[0], {
      kind: 'list',
      items: [
        { kind: 'value', text: 'MYLIB/T1', quoted: false },
        { kind: 'value', text: '*FILE', quoted: false },
        { kind: 'value', text: '*EXCL', quoted: false },
      ],
    })
    assert.deepEqual(c.positional, [
      { kind: 'value', text: "It's", quoted: true },
      { kind: 'value', text: 'POSITIONAL', quoted: false },
    ])
  })

  test('an unclosed parenthesis or string is a syntax error', () => {
    assert.throws(() => parseCommand('ADDLIBLE LIB(X'))
    assert.throws(() => parseCommand("SNDPGMMSG MSG('open"))
  })
})

describe('commands', () => {
  test('ADDLIBLE changes what later SQL resolves; RMVLIBLE undoes it', async () => {
    const c = await job()
    assert.equal((await c.sql('select count(*) from department')).value.sql_rc, -204)
    const add = await c.request({ type: 'cl', cmd: 'ADDLIBLE LIB(SAMPLE) POSITION(*LAST)' })
    assert.equal(add.value.success, true)
    assert.equal(add.value.is_done, true)
    assert.deepEqual(
      (add.value.data as { MESSAGE_ID: string; SUMMARY: string }[]).map((r) => [r.MESSAGE_ID, r.SUMMARY]),
      [['CPC2196', 'CPC2196 [COMP]: Library SAMPLE added to library list.']],
    )
    assert.deepEqual((await c.sql('select count(*) as n from department')).value.data, [{ N: 14 }])
    const again = await c.request({ type: 'cl', cmd: 'ADDLIBLE SAMPLE' })
    assert.equal(again.value.error, '[CPF2103] Library SAMPLE already exists in library list.')
    assert.equal((await c.request({ type: 'cl', cmd: 'RMVLIBLE SAMPLE' })).value.success, true)
    assert.equal((await c.sql('select count(*) from department')).value.sql_rc, -204)
    await c.close()
  })

  test('CHGCURLIB puts the current library first', async () => {
    const c = await job()
    await c.request({ type: 'cl', cmd: 'CRTLIB LIB(CURTEST)' })
    await c.sql('create table curtest/department (x integer)')
    await c.request({ type: 'cl', cmd: 'ADDLIBLE SAMPLE' })
    assert.deepEqual((await c.sql('select count(*) as n from department')).value.data, [{ N: 14 }])
    assert.equal((await c.request({ type: 'cl', cmd: 'CHGCURLIB CURLIB(CURTEST)' })).value.success, true)
    assert.deepEqual((await c.sql('select count(*) as n from department')).value.data, [{ N: 0 }])
    await c.close()
  })

  test('an unknown library, keyword or command fails with the real message ids', async () => {
    const c = await job()
    const lib = await c.request({ type: 'cl', cmd: 'ADDLIBLE NOSUCHLIB' })
    assert.equal(lib.value.error, '[CPF2110] Library NOSUCHLIB not found.')
    assert.equal(lib.value.sql_state, '38501')
    const keyword = await c.request({ type: 'cl', cmd: 'ADDLIBLE LIB(SAMPLE) BOGUS(1)' })
    assert.equal(keyword.value.error, '[CPF0006] Errors occurred in command.')
    assert.ok((keyword.value.data as { MESSAGE_ID: string }[]).some((r) => r.MESSAGE_ID === 'CPD0043'))
    const unknown = await c.request({ type: 'cl', cmd: 'INVALIDCOMMAND' })
    assert.deepEqual(
      (unknown.value.data as { MESSAGE_ID: string; MESSAGE_TYPE: string }[]).map((r) => [
        r.MESSAGE_ID,
        r.MESSAGE_TYPE,
      ]),
      [
        ['CPD0030', 'DIAGNOSTIC'],
        ['CPF0006', 'ESCAPE'],
      ],
    )
    assert.equal(unknown.value.sql_rc, -443)
    await c.close()
  })

  test('the reply has the Java server job-log columns; terse gives arrays', async () => {
    const c = await job()
    const reply = await c.request({ type: 'cl', cmd: 'WRKACTJOB', terse: true })
    const metadata = reply.value.metadata as { column_count: number; columns: { name: string }[] }
    assert.equal(metadata.column_count, 27)
    assert.deepEqual(
      metadata.columns.slice(0, 4).map((col) => col.name),
      ['SUMMARY', 'SEVERITY', 'MESSAGE_SECOND_LEVEL_TEXT', 'MESSAGE_ID'],
    )
    assert.ok(Array.isArray((reply.value.data as unknown[])[0]))
    assert.equal(reply.keys.includes('has_results'), false)
    await c.close()
  })

  test('QSYS2.QCMDEXC runs CL from SQL; DSPJOBLOG and JOBLOG_INFO see the job log', async () => {
    const c = await job('naming=sql')
    const call = await c.sql("call qsys2.qcmdexc('SNDPGMMSG MSG(''hello from CL'')')")
    assert.equal(call.value.success, true, String(call.value.error))
    const failed = await c.sql("call qsys2.qcmdexc('NOTACOMMAND')")
    assert.equal(failed.value.error, '[CPF0006] Errors occurred in command.')
    const log = await c.request({ type: 'cl', cmd: 'DSPJOBLOG' })
    assert.ok(
      (log.value.data as { MESSAGE_TEXT: string }[]).some((r) => r.MESSAGE_TEXT.includes('hello from CL')),
    )
    const sql = await c.sql(
      "select message_id, message_type, message_text from table(qsys2.joblog_info('*')) a order by ordinal_position",
    )
    const messages = sql.value.data as { MESSAGE_ID: string; MESSAGE_TYPE: string; MESSAGE_TEXT: string }[]
    assert.equal(messages[0]?.MESSAGE_ID, 'CPF1124')
    assert.ok(messages.some((m) => m.MESSAGE_TEXT === 'hello from CL'))
    assert.ok(messages.some((m) => m.MESSAGE_ID === 'CPF0006' && m.MESSAGE_TYPE === 'ESCAPE'))
    await c.close()
  })

  test('DLYJOB waits in the job', async () => {
    const c = await job()
    const started = Date.now()
    assert.equal((await c.request({ type: 'cl', cmd: 'DLYJOB DLY(1)' })).value.success, true)
    assert.ok(Date.now() - started >= 900)
    await c.close()
  })
})
