import assert from 'node:assert/strict'
import { test } from 'node:test'
import { satisfies } from './semver.ts'

test('engines ranges as npm reads them', () => {
  const cases: Array<[string, string, boolean]> = [
    ['22.19.0', '>=22.19.0', true],
    ['22.18.9', '>=22.19.0', false],
    ['22.19.0', '>=18.0.0', true],
    ['22.19.0', '>=22', true],
    ['22.19.0', '^20.19.0 || >=22.12.0', true],
    ['22.11.0', '^20.19.0 || >=22.12.0', false],
    ['20.20.0', '^20.19.0 || >=22.12.0', true],
    ['22.19.0', '>=18 <21', false],
    ['22.19.0', '22.x', true],
    ['23.0.0', '22.x', false],
    ['22.19.0', '~22.19.1', false],
    ['22.19.5', '~22.19.1', true],
    ['22.19.0', '>21', true],
    ['21.9.0', '>21', false],
    ['22.19.0', '18 - 22', true],
    ['22.19.0', '*', true],
  ]
  for (const [version, range, expected] of cases)
    assert.equal(satisfies(version, range), expected, `${version} ${range}`)
  assert.throws(() => satisfies('22.19.0', '>=22.0.0-rc.1'), /unsupported/)
})
