import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { ParameterError, ProtocolError } from '@tributary/core'
import { encodeParameter, encodeParameters, timestampText } from '../src/codecs/params.ts'
import {
  ExactNumber,
  leadingId,
  needsExactParse,
  parseExact,
  parseLongNumbersAsText,
  parseNumbersAsText,
  parseReply,
} from '../src/codecs/reply-json.ts'
import { hasMoreRows, readTerseRows } from '../src/codecs/terse-rows.ts'
import {
  baseType,
  distinctKeys,
  plainDecimal,
  type ResultColumn,
  readColumns,
  rowDecoder,
} from '../src/codecs/values.ts'

describe('reply frames', () => {
  test('numbers a double cannot hold keep their text; others are numbers', () => {
    const value = parseExact('{"a":[12,-3,12345678901234567890,1.50,1E-7,"x\\"y",null,true,false,{}]}') as {
      a: unknown[]
    }
    assert.deepEqual(value.a.slice(0, 2), [12, -3])
    assert.deepEqual(
      value.a.slice(2, 5).map((n) => (n as ExactNumber).text),
      ['12345678901234567890', '1.50', '1E-7'],
    )
    assert.deepEqual(value.a.slice(5), ['x"y', null, true, false, {}])
  })

  test('the exact parser rejects what JSON.parse rejects', () => {
    for (const bad of ['{"a":}', '{"a":1', '[1,]', '{"a":1}x', '{"a":-}']) {
      assert.throws(() => parseExact(bad), SyntaxError, bad)
    }
    assert.throws(() => parseReply('[1]', false), ProtocolError)
    assert.throws(() => parseReply('{"a"', true), ProtocolError)
  })

  test('frames with long numbers go through the exact parser', () => {
    assert.equal(needsExactParse('{"data":[[1,2.5,123456789012345]]}'), false)
    assert.equal(needsExactParse('{"data":[[9007199254740993]]}'), true)
    assert.equal(needsExactParse('{"data":[[1234567.123456789]]}'), true)
  })

  test('long numbers are read as their text by quoting them; strings are left alone', () => {
    const page = parseLongNumbersAsText(
      '{"id":"7","data":[[1,"a,1",9007199254740993,0.250000000000000000000],[2, -12345678901234567.5E+3 ,null]],"is_done":false}',
    )
    assert.deepEqual(page.data, [
      [1, 'a,1', '9007199254740993', '0.250000000000000000000'],
      [2, '-12345678901234567.5E+3', null],
    ])
    // Digits inside strings (escaped quotes and backslashes included) are left alone.
    const tricky = parseLongNumbersAsText(
      '{"data":[["x,1234567890123456789,y","a\\"b\\\\",1234567890123456789,"\\\\"]]}',
    )
    assert.deepEqual(tricky.data, [['x,1234567890123456789,y', 'a"b\\', '1234567890123456789', '\\']])
    // Not JSON: the exact parser says where.
    assert.throws(() => parseLongNumbersAsText('{"data":[1234567890123456789'), ProtocolError)
  })

  test('rows with DECIMAL columns read numbers other than short integers as written, whatever the scale says', () => {
    const page = parseNumbersAsText(
      '{"id":"3","data":[[1,4816.00,1E-7],[2,null,-0.50]],"is_done":true,"success":true}',
    )
    assert.deepEqual(page.data, [
      [1, '4816.00', '1E-7'],
      [2, null, '-0.50'],
    ])
    const decoder = rowDecoder(
      readColumns({
        columns: [
          { name: 'N', type: 'INTEGER' },
          { name: 'D', type: 'DECIMAL', precision: 31, scale: 0 },
          { name: 'E', type: 'DECIMAL', precision: 31, scale: 7 },
        ],
      }),
    )
    assert.deepEqual([...decoder.cells], [0, 1, 1])
    assert.deepEqual(decoder.object((page.data as unknown[][])[0]!), { N: 1, D: '4816.00', E: '0.0000001' })
  })

  test('numeric columns decode numbers, their text and ExactNumber alike', () => {
    const decoder = rowDecoder(
      readColumns({
        columns: [
          { name: 'I', type: 'INTEGER' },
          { name: 'B', type: 'BIGINT' },
          { name: 'D', type: 'DECIMAL', precision: 31, scale: 21 },
          { name: 'F', type: 'DOUBLE' },
        ],
      }),
    )
    assert.deepEqual(
      decoder.object([1, '9007199254740993', '0.250000000000000000000', '1.2345678901234567E20']),
      {
        I: 1,
        B: 9007199254740993n,
        D: '0.250000000000000000000',
        F: 1.2345678901234567e20,
      },
    )
    assert.deepEqual(
      decoder.object([2, new ExactNumber('12345678901234567'), new ExactNumber('1E-7'), 2.5]),
      {
        I: 2,
        B: 12345678901234567n,
        D: '0.0000001',
        F: 2.5,
      },
    )
  })

  test('the id is read from the start of a reply', () => {
    assert.equal(leadingId('{"id":"1a","success":true}'), '1a')
    assert.equal(leadingId('{"success":true,"id":"1"}'), undefined)
    assert.equal(leadingId('{"id":"a\\"b"}'), undefined)
  })
})

describe('terse rows read from the frame', () => {
  const column = (type: string, precision?: number, scale?: number): ResultColumn => ({
    name: `C${precision}_${scale}_${type}`,
    type,
    precision,
    scale,
    nullable: true,
  })
  const frame = (data: string) =>
    `{"id":"4","data":${data},"is_done":false,"success":true,"execution_time":0}`
  /** A page as the client reads it, decoded to positional rows. */
  const read = (columns: ResultColumn[], data: string): unknown[][] => {
    const decoder = rowDecoder(columns)
    const rows = readTerseRows(frame(data), decoder.cells)
    assert.ok(rows, data)
    return rows.rows.map((row) => decoder.array(row))
  }

  test('cells are what JSON.parse gives, but exact numbers keep their text', () => {
    const data =
      '[[1,"a,]\\"b\\\\",12345678901234567890.5,null,true,-0,0.1,"é😀\\u0041"],[-2,"",-0.00,1E-7,false,1.0E20,-1.5e-3,"x"]]'
    const text = frame(data)
    const read = readTerseRows(text, Uint8Array.of(0, 0, 1, 1, 0, 0, 0, 0))
    assert.ok(read)
    assert.deepEqual(read.rows, [
      [1, 'a,]"b\\', '12345678901234567890.5', null, true, -0, 0.1, 'é😀A'],
      [-2, '', '-0.00', '1E-7', false, 1e20, -1.5e-3, 'x'],
    ])
    assert.ok(Object.is(read.rows[0]![5], -0))
    // The rest of the frame is where the array was.
    assert.equal(text.slice(read.start, read.end), data)
    // Read as values, the same cells are JSON.parse's.
    assert.deepEqual(readTerseRows(text, new Uint8Array(8))!.rows, JSON.parse(text).data)
    assert.deepEqual(readTerseRows(frame('[]'), Uint8Array.of(0))!.rows, [])
  })

  test('rows laid out otherwise are left to the general parse', () => {
    for (const data of [
      '[[1, 2.5]]', // white space
      '[[1,2.5 ]]',
      '[[1,{"JBLOB":{"size":1}}]]', // an object cell
      '[[1,2.5,3]]', // wider than the metadata
      '[[1]]', // narrower
      '[[01,2]]', // not JSON numbers
      '[[1.,2]]',
      '[[1,2e]]',
      '[[1,-]]',
      '[[nul,2]]',
      '[[1,"open]]',
    ]) {
      assert.equal(readTerseRows(frame(data), Uint8Array.of(1, 1)), undefined, data)
    }
    assert.equal(readTerseRows('{"rows":[[1,2]]}', Uint8Array.of(1, 1)), undefined)
  })

  test('BIGINT: integers of up to 15 digits are numbers, longer ones their text', () => {
    const b = [column('BIGINT', 19, 0)]
    assert.deepEqual(
      read(
        b,
        '[[999999999999999],[-999999999999999],[0],[9007199254740991],[9007199254740993],[-9223372036854775808],[9223372036854775807],[null]]',
      ),
      [
        [999999999999999n],
        [-999999999999999n],
        [0n],
        [9007199254740991n],
        [9007199254740993n],
        [-9223372036854775808n],
        [9223372036854775807n],
        [null],
      ],
    )
    const decoder = rowDecoder(b)
    const cells = readTerseRows(frame('[[123456789012345],[1234567890123456]]'), decoder.cells)!.rows
    assert.deepEqual(cells, [[123456789012345], ['1234567890123456']])
  })

  test('DECIMAL and DECFLOAT cells are the digits written, at 15, 16 and 17 significant digits and past a double', () => {
    const cols = [
      column('DECIMAL', 15, 2),
      column('DECIMAL', 16, 2),
      column('NUMERIC', 17, 2),
      column('DECIMAL', 15, 8),
    ]
    assert.deepEqual(read(cols, '[[9999999999999.99,99999999999999.99,999999999999999.99,1.0E-7]]'), [
      ['9999999999999.99', '99999999999999.99', '999999999999999.99', '0.00000010'],
    ])
    assert.deepEqual(
      read(
        cols,
        '[[-0.01,0.10,-0.00,0E-8],[1234567890123.45,12345678901234.56,123456789012345.67,12.34567891]]',
      ),
      [
        ['-0.01', '0.10', '-0.00', '0.00000000'],
        ['1234567890123.45', '12345678901234.56', '123456789012345.67', '12.34567891'],
      ],
    )
    assert.deepEqual(
      read(
        [column('DECFLOAT', 34, 0), column('DOUBLE', 53, 0), column('DECIMAL', 31, 0)],
        '[[1E+400,-0.0,0.25000000000000000000],[1.50,1.0E20,5]]',
      ),
      [
        ['1E+400', -0, '0.25000000000000000000'],
        ['1.50', 1e20, '5'],
      ],
    )
  })

  test('more rows follow: read from the end of the frame', () => {
    assert.equal(
      hasMoreRows('{"id":"1","data":[["\\"is_done\\":true"]],"is_done":false,"success":true}'),
      true,
    )
    assert.equal(
      hasMoreRows('{"id":"1","data":[["\\"is_done\\":false"]],"is_done":true,"success":true}'),
      false,
    )
    assert.equal(hasMoreRows('{"id":"1","success":false,"error":"x"}'), false)
  })
})

describe('cell values', () => {
  const meta = (columns: Array<[string, string, number?, number?]>) =>
    readColumns({
      columns: columns.map(([name, type, precision, scale]) => ({ name, type, precision, scale })),
    })

  test('BIGINT is bigint, DECIMAL exact text rebuilt from the scale, DECFLOAT kept', () => {
    const decoder = rowDecoder(
      meta([
        ['B', 'BIGINT', 19, 0],
        ['D', 'DECIMAL', 5, 2],
        ['F', 'DECFLOAT', 34, 0],
      ]),
    )
    // BIGINT past 15 digits, DECIMAL and DECFLOAT are read as written.
    assert.deepEqual([...decoder.cells], [2, 1, 1])
    assert.deepEqual(decoder.array([12, 1.5, new ExactNumber('1.50')]), [12n, '1.50', '1.50'])
    assert.deepEqual(decoder.array([new ExactNumber('9007199254740993'), new ExactNumber('1E-7'), 3]), [
      9007199254740993n,
      '0.0000001',
      '3',
    ])
  })

  test('binary and FOR BIT DATA columns are bytes; TIME in ISO 8601; TIMESTAMP as a UTC Date', () => {
    const decoder = rowDecoder(
      meta([
        ['BIN', 'VARBINARY'],
        ['BIT', 'CHAR () FOR BIT DATA'],
        ['T', 'TIME'],
        ['TS', 'TIMESTAMP'],
        ['S', 'VARCHAR'],
      ]),
    )
    const row = decoder.object(['01FF', 'C1C2', '13.45.30', '2024-06-15 13:45:30.123456', 'x'])
    assert.deepEqual(row.BIN, Buffer.from([1, 255]))
    assert.deepEqual(row.BIT, Buffer.from([0xc1, 0xc2]))
    assert.equal(row.T, '13:45:30')
    assert.equal((row.TS as Date).toISOString(), '2024-06-15T13:45:30.123Z')
    assert.equal(row.S, 'x')
    assert.throws(() => decoder.array(['zz', 'C1', null, null, null]), ProtocolError)
  })

  test('options choose strings for BIGINT and TIMESTAMP', () => {
    const decoder = rowDecoder(
      meta([
        ['B', 'BIGINT'],
        ['TS', 'TIMESTAMP'],
      ]),
      { bigint: 'string', timestamp: 'string' },
    )
    assert.deepEqual(decoder.array([5, '2024-06-15 13:45:30.123456']), ['5', '2024-06-15 13:45:30.123456'])
  })

  test('duplicate column names are kept apart', () => {
    assert.deepEqual(distinctKeys(['ID', 'ID', 'ID_2', 'ID']), ['ID', 'ID_3', 'ID_2', 'ID_4'])
    const decoder = rowDecoder(
      meta([
        ['ID', 'INTEGER'],
        ['ID', 'INTEGER'],
      ]),
    )
    assert.deepEqual(decoder.object([1, 2]), { ID: 1, ID_2: 2 })
  })

  test('a row of the wrong width is a protocol error', () => {
    const decoder = rowDecoder(meta([['A', 'INTEGER']]))
    assert.throws(() => decoder.array([1, 2]), ProtocolError)
  })

  test('plain decimal text', () => {
    assert.equal(plainDecimal('1.5E-7'), '0.00000015')
    assert.equal(plainDecimal('-2E+3'), '-2000')
    assert.equal(plainDecimal('1.23E+1'), '12.3')
    assert.equal(plainDecimal('12.30'), '12.30')
    assert.equal(baseType('DECIMAL(5, 2)'), 'DECIMAL')
    assert.equal(baseType('VARCHAR () FOR BIT DATA'), 'BINARY')
  })
})

describe('parameters', () => {
  test('each type has one text form', () => {
    assert.deepEqual(
      encodeParameters([
        'x',
        1,
        1.5,
        12n,
        true,
        false,
        null,
        new Date('2024-06-15T13:45:30.123Z'),
        Buffer.from([1, 255]),
        new Uint8Array([10]),
        1e21,
      ]),
      [
        'x',
        '1',
        '1.5',
        '12',
        '1',
        '0',
        null,
        '2024-06-15 13:45:30.123000',
        '01FF',
        '0A',
        '1000000000000000000000',
      ],
    )
  })

  test('values with no Db2 form are refused without showing the value', () => {
    for (const bad of [
      Number.NaN,
      Number.POSITIVE_INFINITY,
      undefined,
      {},
      [1],
      Symbol('s'),
      'a\uD800b',
      new Date(Number.NaN),
    ]) {
      assert.throws(
        () => encodeParameter(bad, 2),
        (error: unknown) => {
          assert.ok(error instanceof ParameterError)
          assert.match(error.message, /^parameter 3 /)
          return true
        },
      )
    }
    assert.throws(() => timestampText(new Date('0000-01-01T00:00:00Z')), ParameterError)
    assert.equal(encodeParameter('a\uD83D\uDE00b', 0), 'a\uD83D\uDE00b')
  })
})
