// Byte-level formats checked against recordings of real Athena, strictness at start, and the CLI.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { after, before, describe, it } from 'node:test'
import { AthenaClient, InvalidRequestException, ListWorkGroupsCommand } from '@aws-sdk/client-athena'
import { columnInfo } from '../src/results/column-info.ts'
import { metadataFile } from '../src/results/files.ts'
import { parseHiveType, simple } from '../src/sql/types.ts'
import { type Harness, start, startHarness } from './helpers.ts'

const hex = (s: string) => s.replace(/\s+/g, '')

describe('the .metadata companion file', () => {
  // Recorded from a real Athena result file: aoyagikouhei/athena-local
  // src/metadata.rs@04decee2b479dadc0e505c82527b223174b1a444 (the 60-byte `select-empty` recording).
  it('matches the recorded bytes of a one-column SELECT', () => {
    const bytes = metadataFile('20260917_085516_00349_2tzvk', null, null, [
      columnInfo('i', parseHiveType('integer')),
    ])
    assert.equal(
      bytes.toString('hex'),
      hex(
        '0a1b32303236303931375f3038353531365f30303334395f32747a766b221d0a 04686976652201692a01693207696e7465676572380a400048035000',
      ),
    )
  })

  // Same file, the 75-byte `update` recording: update type and count, one `rows bigint` column.
  it('matches the recorded bytes of an UPDATE', () => {
    const bytes = metadataFile('20260917_085915_00133_pqi84', 'UPDATE', 2, [
      columnInfo('rows', parseHiveType('bigint')),
    ])
    assert.equal(
      bytes.toString('hex'),
      hex(
        '0a1b32303236303931375f3038353931355f30303133335f7071693834120655 5044415445180222220a04686976652204726f77732a04726f77733206626967 696e743813400048035000',
      ),
    )
  })

  // Same file, the 152-byte `describe` recording: three `string` columns carry no precision, scale or case.
  it('matches the recorded bytes of a DESCRIBE', () => {
    const s = simple('string')
    const bytes = metadataFile('6f0ab452-01a7-4d24-9128-216ba996b760', null, null, [
      columnInfo('col_name', s),
      columnInfo('data_type', s),
      columnInfo('comment', s),
    ])
    assert.equal(
      bytes.toString('hex'),
      hex(
        '0a2436663061623435322d303161372d346432342d393132382d323136626139 39366237363022240a04686976652208636f6c5f6e616d652a08636f6c5f6e61 6d653206737472696e67480322260a04686976652209646174615f747970652a 09646174615f747970653206737472696e67480322220a04686976652207636f 6d6d656e742a07636f6d6d656e743206737472696e674803',
      ),
    )
  })
})

describe('refused at start', () => {
  let h: Harness
  before(async () => {
    h = await startHarness()
  })
  after(() => h.stop())

  const refusal = async (sql: string) => {
    try {
      await start(h, sql)
    } catch (err) {
      assert.ok(err instanceof InvalidRequestException)
      assert.equal(err.AthenaErrorCode, 'MALFORMED_QUERY')
      return err.message
    }
    throw new Error(`${sql} was not refused`)
  }

  it('RETURNING, LIMIT before OFFSET, backquoted names in DML and double-quoted names in Hive DDL', async () => {
    assert.match(
      await refusal('INSERT INTO t VALUES (1) RETURNING *'),
      /^line 1:26: mismatched input 'RETURNING'/,
    )
    assert.match(await refusal('SELECT 1 LIMIT 1 OFFSET 1'), /^line 1:18: mismatched input 'OFFSET'/)
    assert.match(
      await refusal('SELECT `a` FROM t'),
      /^line 1:8: backquoted identifiers are not supported; use double quotes to quote identifiers$/,
    )
    assert.equal(
      await refusal('CREATE EXTERNAL TABLE "t" (a int) LOCATION \'s3://b/t/\''),
      'line 1:23: no viable alternative at input \'CREATE EXTERNAL TABLE "t"\'',
    )
    assert.equal(await refusal('DESCRIBE "t"'), 'line 1:10: no viable alternative at input \'DESCRIBE "t"\'')
  })
})

describe('the CLI', () => {
  it('serves until SIGTERM, printing the endpoint and credentials', async () => {
    const cli = new URL('../src/cli.ts', import.meta.url).pathname
    const child = spawn(process.execPath, ['--conditions=tributary-source', cli, '--port', '0'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let out = ''
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString()
    })
    while (!out.includes('\n')) await new Promise((r) => setTimeout(r, 20))
    const info = JSON.parse(out.split('\n')[0]!) as {
      endpoint: string
      region: string
      credentials: { accessKeyId: string; secretAccessKey: string }
    }
    const athena = new AthenaClient({
      endpoint: info.endpoint,
      region: info.region,
      credentials: info.credentials,
      maxAttempts: 1,
    })
    const wgs = await athena.send(new ListWorkGroupsCommand({}))
    assert.equal(wgs.WorkGroups![0]!.Name, 'primary')
    athena.destroy()
    child.kill('SIGTERM')
    const [code] = await once(child, 'exit')
    assert.equal(code, 0)
  })
})
