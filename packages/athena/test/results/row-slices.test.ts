/**
 * Rows handed from the Parquet decoder's thread in columns come back as they went: every kind that travels as
 * a typed array or as text, NULL apart from '' and from 0, and the values that must travel as they are.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads'
import { decodeSlice, encodeSlice, type RowSlice } from '../../src/results/row-slices.ts'

const rows: unknown[][] = [
  [1n, 1.5, new Date('2024-01-02T03:04:05.123Z'), true, 'a', [1, 2], 9223372036854775807n],
  [null, -0, null, false, '', null, 1n],
  [-9223372036854775808n, Number.NaN, new Date(Number.NaN), null, null, { k: 'v' }, 2n ** 64n],
  [0n, Number.POSITIVE_INFINITY, new Date(-1), true, 'lone \ud800 and 🦆', new Uint8Array([0, 255]), null],
]

/** Rows as the decoder hands them over: one array of values per column. */
function columnsOf(rows: unknown[][], width: number): unknown[][] {
  return Array.from({ length: width }, (_, c) => rows.map((row) => row[c]))
}

test('a slice sent through a port in columns reads back as the rows it was made of', () => {
  const { port1, port2 } = new MessageChannel()
  try {
    const { slice, transfer } = encodeSlice(columnsOf(rows, 7), 0, rows.length)
    assert.deepEqual(
      slice.columns.map((c) => c.kind),
      ['bigint', 'number', 'date', 'boolean', 'string', 'values', 'values'],
    )
    port1.postMessage(slice, transfer)
    const received = receiveMessageOnPort(port2)!.message as RowSlice
    const back = decodeSlice(received)
    assert.equal(back.length, rows.length)
    for (let r = 0; r < rows.length; r++) {
      for (let c = 0; c < rows[r]!.length; c++) {
        const want = rows[r]![c]
        const got = back[r]![c]
        if (want instanceof Date) {
          assert.ok(got instanceof Date, `row ${r} column ${c}`)
          assert.ok(Object.is((got as Date).getTime(), want.getTime()), `row ${r} column ${c}`)
        } else if (typeof want === 'number') assert.ok(Object.is(got, want), `row ${r} column ${c}`)
        else assert.deepEqual(got, want, `row ${r} column ${c}`)
      }
    }
  } finally {
    port1.close()
    port2.close()
  }
})

test('a part of the rows is sliced, and a column with mixed kinds travels as it is', () => {
  const mixed: unknown[][] = [
    [1n, 'x'],
    [2, 'y'],
    [3n, 'z'],
  ]
  const { slice } = encodeSlice(columnsOf(mixed, 2), 1, 3)
  assert.equal(slice.length, 2)
  assert.deepEqual(
    slice.columns.map((c) => c.kind),
    ['values', 'string'],
  )
  assert.deepEqual(decodeSlice(slice), [
    [2, 'y'],
    [3n, 'z'],
  ])
})

test('columns hyparquet gives as typed arrays are sliced as they are', () => {
  const big = BigInt64Array.from([1n, -9223372036854775808n, 3n, 4n])
  const ints = Int32Array.from([1, -2, 3, 4])
  const doubles = Float64Array.from([0.5, -0, Number.NaN, 4])
  const { slice, transfer } = encodeSlice([big, ints, doubles], 1, 3)
  assert.deepEqual(
    slice.columns.map((c) => c.kind),
    ['bigint', 'number', 'number'],
  )
  // Copies, so the row group's own arrays are not taken away by the transfer.
  assert.equal(transfer.length, 3)
  for (const buffer of transfer) assert.ok(![big.buffer, ints.buffer, doubles.buffer].includes(buffer))
  const back = decodeSlice(slice)
  assert.deepEqual(back[0]!.slice(0, 2), [-9223372036854775808n, -2])
  assert.ok(Object.is(back[0]![2], -0))
  assert.deepEqual(back[1]!.slice(0, 2), [3n, 3])
  assert.ok(Number.isNaN(back[1]![2]))
})
