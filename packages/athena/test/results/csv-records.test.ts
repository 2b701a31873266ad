/**
 * The RFC 4180 reader of Athena's result files, fed in chunks split at every position (so every state can
 * end a chunk): NULL (an empty unquoted field) apart from '' (`""`), quotes doubled inside quoted fields,
 * fields spanning lines, CRLF and LF record ends, and errors for text that is not CSV.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { type CsvField, CsvRecordReader, CsvSyntaxError } from '../../src/results/csv-records.ts'

function readAll(chunks: string[]): CsvField[][] {
  const reader = new CsvRecordReader()
  const records: CsvField[][] = []
  for (const chunk of chunks) records.push(...reader.push(chunk))
  records.push(...reader.end())
  return records
}

const DOCUMENT =
  '"a","b","c"\n"1",,""\n"x""y","multi\nline, with ""quotes""",\r\n,,\n"","",""\n"last","é🦆","\r"'
const EXPECTED: CsvField[][] = [
  ['a', 'b', 'c'],
  ['1', null, ''],
  ['x"y', 'multi\nline, with "quotes"', null],
  [null, null, null],
  ['', '', ''],
  ['last', 'é🦆', '\r'],
]

test('one chunk, two chunks split anywhere, and one character at a time read the same records', () => {
  assert.deepEqual(readAll([DOCUMENT]), EXPECTED)
  for (let cut = 0; cut <= DOCUMENT.length; cut++) {
    assert.deepEqual(readAll([DOCUMENT.slice(0, cut), DOCUMENT.slice(cut)]), EXPECTED, `split at ${cut}`)
  }
  assert.deepEqual(readAll([...DOCUMENT]), EXPECTED)
})

test('a trailing line end ends the last record and adds none', () => {
  assert.deepEqual(readAll(['"a"\n"b"\n']), [['a'], ['b']])
  assert.deepEqual(readAll(['"a"\r\n"b"\r\n']), [['a'], ['b']])
  assert.deepEqual(readAll(['"a"\r', '\n"b"']), [['a'], ['b']])
  assert.deepEqual(readAll(['']), [])
})

test('a file that ends inside a quoted field, or text after a closing quote, is a CsvSyntaxError', () => {
  assert.throws(() => readAll(['"a","unterminated\n']), CsvSyntaxError)
  for (let cut = 0; cut <= 8; cut++) {
    const text = '"ab"x,"c"'
    assert.throws(() => readAll([text.slice(0, cut), text.slice(cut)]), CsvSyntaxError, `split at ${cut}`)
  }
})
