// The golden corpus: statements and the answers real Athena gives, each citing where that answer comes
// from. The corpus is checked before it is run: an uncited entry fails, and so does a function of the
// translation table that no entry calls.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { after, before, describe, it } from 'node:test'
import { GetQueryResultsCommand, InvalidRequestException } from '@aws-sdk/client-athena'
import { FUNCTIONS } from '../src/sql/functions.ts'
import { parseStatement } from '../src/sql/trino-parser.ts'
import { execute, type Harness, rows, start, startHarness } from './helpers.ts'

interface Entry {
  id: string
  sql: string
  params?: string[]
  source: string | string[]
  kind: 'recorded' | 'example' | 'rule'
  expect: {
    rows?: (string | null)[][]
    columns?: [string, string, number, number][]
    compare?: 'json'
    failed?: string
    match?: 'prefix' | 'exact'
    refused?: { code: string; messagePrefix: string }
  }
}

const CITATION = [
  /^aoyagikouhei\/athena-local \S+@[0-9a-f]{7,40}:L\d+(-L\d+)?$/,
  /^pyathena-dev\/PyAthena \S+@[0-9a-f]{7,40}:L\d+(-L\d+)?$/,
  /^https:\/\/trino\.io\/docs\/\S+$/,
  /^https:\/\/docs\.aws\.amazon\.com\/athena\/\S+$/,
  /^https:\/\/(www\.rfc-editor\.org|csrc\.nist\.gov)\/\S+$/,
]

/** Problems with the corpus itself; an empty list means every entry is cited and well formed. */
export function validateCorpus(entries: Entry[]): string[] {
  const problems: string[] = []
  const ids = new Set<string>()
  for (const e of entries) {
    if (ids.has(e.id)) problems.push(`${e.id}: duplicate id`)
    ids.add(e.id)
    const sources = Array.isArray(e.source) ? e.source : [e.source]
    if (sources.length === 0 || sources.some((s) => typeof s !== 'string' || s.trim() === ''))
      problems.push(`${e.id}: no source`)
    for (const s of sources) {
      if (typeof s === 'string' && !CITATION.some((re) => re.test(s)))
        problems.push(`${e.id}: source is not a citation: ${s}`)
    }
    if (!['recorded', 'example', 'rule'].includes(e.kind))
      problems.push(`${e.id}: kind must be recorded, example or rule`)
    const x = e.expect
    if (!x || [x.rows, x.failed, x.refused].filter((v) => v !== undefined).length !== 1)
      problems.push(`${e.id}: expect exactly one of rows, failed, refused`)
  }
  return problems
}

function callsIn(sql: string): Set<string> {
  const names = new Set<string>()
  const walk = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(walk)
    else if (node && typeof node === 'object') {
      const n = node as { k?: string; name?: { name: string }[] }
      if (n.k === 'call' && Array.isArray(n.name)) names.add(n.name.at(-1)!.name.toLowerCase())
      for (const v of Object.values(node)) if (typeof v === 'object') walk(v)
    }
  }
  walk(parseStatement(sql).statement)
  return names
}

const corpus = JSON.parse(readFileSync(new URL('./golden/corpus.json', import.meta.url), 'utf8')) as {
  entries: Entry[]
}

describe('the golden corpus', () => {
  it('cites a source for every entry', () => {
    assert.deepEqual(validateCorpus(corpus.entries), [])
  })

  it('refuses an uncited entry and an entry citing no file and line', () => {
    const bad = { id: 'x1', sql: 'SELECT 1', source: '', kind: 'rule', expect: { rows: [['1']] } } as Entry
    const vague = {
      id: 'x2',
      sql: 'SELECT 1',
      source: 'aoyagikouhei/athena-local README.md',
      kind: 'recorded',
      expect: { rows: [['1']] },
    } as Entry
    const problems = validateCorpus([bad, vague])
    assert.ok(
      problems.some((p) => p.startsWith('x1: ')),
      problems.join('\n'),
    )
    assert.ok(
      problems.some((p) => p.startsWith('x2: ')),
      problems.join('\n'),
    )
  })

  it('has an entry calling every function of the translation table', () => {
    const called = new Set<string>()
    for (const e of corpus.entries) {
      if (e.expect.refused) continue
      for (const n of callsIn(e.sql)) called.add(n)
    }
    const missing = Object.keys(FUNCTIONS).filter((f) => !called.has(f))
    assert.deepEqual(missing, [])
  })
})

describe('athena-local answers the golden corpus as Athena does', () => {
  let h: Harness
  before(async () => {
    h = await startHarness()
  })
  after(() => h.stop())

  for (const e of corpus.entries) {
    it(`${e.id}: ${e.sql.length > 90 ? `${e.sql.slice(0, 90)}…` : e.sql}`, async () => {
      const input = e.params ? { ExecutionParameters: e.params } : {}
      if (e.expect.refused) {
        let err: unknown
        try {
          await start(h, e.sql, input)
        } catch (x) {
          err = x
        }
        assert.ok(err instanceof InvalidRequestException, `expected a refusal, got ${String(err)}`)
        assert.equal(err.AthenaErrorCode, e.expect.refused.code)
        assert.ok(err.message.startsWith(e.expect.refused.messagePrefix), err.message)
        return
      }
      const execution = await execute(h, e.sql, input)
      if (e.expect.failed !== undefined) {
        assert.equal(execution.Status?.State, 'FAILED', `expected FAILED, got ${execution.Status?.State}`)
        const reason = execution.Status!.StateChangeReason!
        if (e.expect.match === 'exact') assert.equal(reason, e.expect.failed)
        else assert.ok(reason.startsWith(e.expect.failed), reason)
        return
      }
      assert.equal(execution.Status?.State, 'SUCCEEDED', execution.Status?.StateChangeReason)
      const out = await h.athena.send(
        new GetQueryResultsCommand({ QueryExecutionId: execution.QueryExecutionId }),
      )
      const actual = rows(out)
      if (e.expect.compare === 'json') {
        assert.deepEqual(
          actual.map((r) => r.map((v) => (v === null ? null : JSON.parse(v)))),
          e.expect.rows!.map((r) => r.map((v) => (v === null ? null : JSON.parse(v)))),
        )
      } else {
        assert.deepEqual(actual, e.expect.rows)
      }
      if (e.expect.columns) {
        const info = out.ResultSet!.ResultSetMetadata!.ColumnInfo!.map((c) => [
          c.Name,
          c.Type,
          c.Precision,
          c.Scale,
        ])
        assert.deepEqual(info, e.expect.columns)
      }
    })
  }
})

describe('the translation table in the docs', () => {
  it('lists every function of the translation table and no other', () => {
    const doc = readFileSync(new URL('../../../docs/athena-local.md', import.meta.url), 'utf8')
    const listed = [...doc.matchAll(/^\| `([a-z_0-9]+)`\s*\| (scalar|aggregate|window)\s*\|/gm)].map(
      (m) => m[1]!,
    )
    assert.deepEqual([...listed].sort(), Object.keys(FUNCTIONS).sort())
  })
})
