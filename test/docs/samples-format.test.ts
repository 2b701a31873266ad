/** How a page marks its samples: what the runner reads, and what it refuses instead of guessing. */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { samplesOf } from './samples.ts'

const page = (...lines: string[]) => lines.join('\n')

test('ts fences are samples; other languages are not; the page comment names their backend', () => {
  const samples = samplesOf(
    'x.md',
    page(
      '# Page',
      '<!-- samples backend=chdb -->',
      '```sh',
      'npm install',
      '```',
      '```ts',
      'const a = 1',
      '```',
      '```typescript',
      'const b = 2',
      '```',
    ),
  )
  assert.deepEqual(
    samples.map((s) => [s.line, s.code, s.backend, s.setup]),
    [
      [7, 'const a = 1', 'chdb', ''],
      [10, 'const b = 2', 'chdb', ''],
    ],
  )
})

test('a sample comment gives hidden setup and may override the backend', () => {
  const [first, second] = samplesOf(
    'x.md',
    page(
      '<!-- samples backend=chdb -->',
      '<!-- sample backend=clickhouse-server',
      "const client = createClient({ url: 'http://127.0.0.1:8123' })",
      '-->',
      '',
      '```ts',
      'await client.close()',
      '```',
      '<!-- sample -->',
      '```ts',
      'const c = 3',
      '```',
    ),
  )
  assert.equal(first!.backend, 'clickhouse-server')
  assert.equal(first!.setup, "const client = createClient({ url: 'http://127.0.0.1:8123' })")
  assert.equal(first!.setupLine, 3)
  assert.equal(first!.line, 7)
  assert.equal(second!.backend, 'chdb')
  assert.equal(second!.setup, '')
})

test('a page without a backend comment leaves it undefined for the runner to report', () => {
  const [sample] = samplesOf('x.md', page('```ts', 'const a = 1', '```'))
  assert.equal(sample!.backend, undefined)
})

test('fences indented in a list are samples too', () => {
  const [sample] = samplesOf(
    'x.md',
    page('- item', '', '  ```ts', '  const a = 1', '    .toString()', '  ```'),
  )
  assert.equal(sample!.code, 'const a = 1\n  .toString()')
})

test('typos and misplaced comments are refused', () => {
  assert.throws(() => samplesOf('x.md', page('<!-- samples backnd=chdb -->')), /unknown sample attribute/)
  assert.throws(() => samplesOf('x.md', page('<!-- samples chdb -->')), /write key=value/)
  assert.throws(
    () => samplesOf('x.md', page('<!-- sample -->', 'text', '```ts', '```')),
    /right above a fence/,
  )
  assert.throws(() => samplesOf('x.md', page('<!-- sample -->', '```sh', 'ls', '```')), /above a sh fence/)
  assert.throws(() => samplesOf('x.md', page('<!-- sample', 'const a = 1')), /no closing/)
  assert.throws(() => samplesOf('x.md', page('```ts', 'const a = 1')), /unclosed code fence/)
  assert.throws(
    () => samplesOf('x.md', page('<!-- samples backend=chdb -->', '<!-- samples backend=none -->')),
    /second <!-- samples/,
  )
})
