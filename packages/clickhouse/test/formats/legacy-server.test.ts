import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { RowBinaryReader } from '../../src/formats/rowbinary-reader.ts'
import { TsvReader } from '../../src/formats/tsv-reader.ts'
import { decodeAll } from './chdb-fixture.ts'

/**
 * The TSV reader against a 2018 server (Debian's clickhouse-server 18.16, no
 * RowBinaryWithNamesAndTypes there): its TSV must decode to the same values as
 * its plain RowBinary read with the TSV header's types. The server runs in the
 * Asia/Kolkata zone so DateTime wall times need converting.
 */
const SERVER = ['/usr/bin/clickhouse-server', '/usr/sbin/clickhouse-server'].find((p) => existsSync(p))

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolve(port))
    })
  })
}

const SQL = `SELECT toInt8(-128) a, toUInt64(18446744073709551615) b, toFloat32(0.1) f32, nan n, -inf ni, toFloat64(1e300) big,
  toDecimal64(-12.34, 4) d, toDecimal32(0, 2) dz, toDecimal128('-0.001', 5) d128, 'x\\0y€\\t\\\\\\n\\'' s, '' e, toFixedString('ab', 4) fs,
  toDate('2105-01-01') dt, toDateTime('2024-01-02 03:04:05') dtl, toDateTime('2024-01-02 03:04:05', 'UTC') dtu,
  toDateTime('2024-03-31 03:30:00', 'Europe/Berlin') dst, CAST('b' AS Enum8('a' = -128, 'b' = 127)) en,
  CAST('it\\'s' AS Enum16('it\\'s' = 1000)) en16, toUUID('61f0c404-5cb3-11e7-907b-a6006ad3dba0') u,
  toNullable(5) nn, CAST(NULL AS Nullable(String)) ns, [1, 2] arr, [] ae, [NULL, 1] an, [[toNullable(1), NULL], []] ann,
  ['a\\tb', 'c\\'d', '', '\\\\', '[x]', 'x,y'] astr, [toDate('2020-01-01')] ad, [toDateTime('2020-01-01 00:00:00')] adt,
  [toDecimal32(1.5, 3)] adec, [CAST('a' AS Enum8('a' = 1))] aen, [toUUID('61f0c404-5cb3-11e7-907b-a6006ad3dba0')] au,
  [toFixedString('a', 2)] afs, (1, 'x', NULL) t, [nan, inf, -inf] af, [(1, 'q')] at
  FROM numbers(3)`

describe('TSV reader against ClickHouse 18.16', {
  skip: SERVER === undefined && 'clickhouse-server not installed',
}, () => {
  let dir = ''
  let port = 0
  let server: ChildProcess | undefined

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tributary-ch1816-'))
    for (const sub of ['data', 'tmp', 'user_files', 'log']) await mkdir(join(dir, sub))
    port = await freePort()
    const tcp = await freePort()
    await writeFile(
      join(dir, 'config.xml'),
      `<yandex>
  <logger><level>warning</level><log>${dir}/log/server.log</log><errorlog>${dir}/log/err.log</errorlog></logger>
  <http_port>${port}</http_port><tcp_port>${tcp}</tcp_port><listen_host>127.0.0.1</listen_host>
  <path>${dir}/data/</path><tmp_path>${dir}/tmp/</tmp_path><user_files_path>${dir}/user_files/</user_files_path>
  <users_config>${dir}/users.xml</users_config><default_profile>default</default_profile>
  <default_database>default</default_database><mark_cache_size>5368709</mark_cache_size>
  <timezone>Asia/Kolkata</timezone>
</yandex>`,
    )
    await writeFile(
      join(dir, 'users.xml'),
      `<yandex><profiles><default></default></profiles><quotas><default></default></quotas>
  <users><default><password></password><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></default></users>
</yandex>`,
    )
    server = spawn(SERVER as string, [`--config-file=${join(dir, 'config.xml')}`], {
      cwd: dir,
      stdio: 'ignore',
    })
    for (let i = 0; i < 100; i++) {
      try {
        const r = await fetch(`http://127.0.0.1:${port}/ping`)
        if (r.ok) return
      } catch {}
      await new Promise((r) => setTimeout(r, 100))
    }
    throw new Error('clickhouse-server 18.16 did not start')
  })

  after(async () => {
    if (server !== undefined && server.exitCode === null) {
      const exited = new Promise((r) => server?.once('exit', r))
      server.kill('SIGTERM')
      await exited
    }
    if (dir !== '') await rm(dir, { recursive: true, force: true })
  })

  async function body(format: string): Promise<Uint8Array> {
    const r = await fetch(`http://127.0.0.1:${port}/?query=${encodeURIComponent(`${SQL} FORMAT ${format}`)}`)
    const bytes = new Uint8Array(await r.arrayBuffer())
    assert.equal(r.status, 200, new TextDecoder().decode(bytes))
    return bytes
  }

  test('TSVWithNamesAndTypes equals plain RowBinary and the expected values', async () => {
    const tsv = new TsvReader({ timezone: 'Asia/Kolkata' })
    const text = decodeAll(tsv, await body('TSVWithNamesAndTypes'), 11)
    const columns = (tsv.columns ?? []).map((c) => ({ name: c.name, type: c.type }))
    assert.equal(columns.length, 35)
    const binary = decodeAll(new RowBinaryReader({ columns }), await body('RowBinary'), 11)
    assert.equal(text.length, 3)
    assert.deepEqual(text, binary)
    assert.deepEqual(text[0], [
      -128,
      18446744073709551615n,
      Math.fround(0.1),
      Number.NaN,
      Number.NEGATIVE_INFINITY,
      1e300,
      '-12.3400',
      '0.00',
      '-0.00100',
      "x\0y€\t\\\n'",
      '',
      'ab\0\0',
      '2105-01-01',
      new Date('2024-01-01T21:34:05Z'),
      new Date('2024-01-02T03:04:05Z'),
      new Date('2024-03-31T01:30:00Z'),
      'b',
      "it's",
      '61f0c404-5cb3-11e7-907b-a6006ad3dba0',
      5,
      null,
      [1, 2],
      [],
      [null, 1],
      [[1, null], []],
      ['a\tb', "c'd", '', '\\', '[x]', 'x,y'],
      ['2020-01-01'],
      [new Date('2019-12-31T18:30:00Z')],
      ['1.500'],
      ['a'],
      ['61f0c404-5cb3-11e7-907b-a6006ad3dba0'],
      ['a\0'],
      [1, 'x', null],
      [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY],
      [[1, 'q']],
    ])
  })
})
