import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import {
  matchErrorHead,
  type ScannedException,
  StreamExceptionScanner,
  type StreamExceptionScannerOptions,
} from '../../src/transport/exception-scanner.ts'

const enc = new TextEncoder()
const TAG = 'abcdefghijklmnop'

interface Outcome {
  data: string
  exception: ScannedException | undefined
  brokenException?: ScannedException | undefined
}

/** Feeds `body` cut into pieces at `cuts`, then ends the stream (cleanly or broken). */
function run(
  body: Uint8Array,
  cuts: number[],
  options: StreamExceptionScannerOptions,
  broken = false,
): Outcome {
  const scanner = new StreamExceptionScanner(options)
  const out: number[] = []
  let exception: ScannedException | undefined
  let previous = 0
  for (const cut of [...cuts, body.length]) {
    const step = scanner.push(body.subarray(previous, cut))
    out.push(...step.data)
    previous = cut
    if (step.exception) {
      exception = step.exception
      break
    }
  }
  if (!exception) {
    if (broken)
      return {
        data: Buffer.from(out).toString('latin1'),
        exception: undefined,
        brokenException: scanner.broken(),
      }
    const last = scanner.end()
    out.push(...last.data)
    exception = last.exception
  }
  return { data: Buffer.from(out).toString('latin1'), exception }
}

function everySplit(
  body: Uint8Array,
  check: (outcome: Outcome, cuts: number[]) => void,
  options: StreamExceptionScannerOptions,
  broken = false,
) {
  check(run(body, [], options, broken), [])
  for (let i = 0; i <= body.length; i++) check(run(body, [i], options, broken), [i])
  // Two cuts, with one of them inside the first few bytes of any marker.
  for (let i = 0; i <= body.length; i++) {
    for (let j = i; j <= Math.min(body.length, i + 20); j++) check(run(body, [i, j], options, broken), [i, j])
  }
  // One byte at a time.
  check(
    run(
      body,
      Array.from({ length: body.length }, (_, k) => k),
      options,
      broken,
    ),
    ['bytewise' as unknown as number],
  )
}

const tagged = (data: string, message: string) =>
  enc.encode(
    `${data}\r\n__exception__\r\n${TAG}\r\n${message}\n${message.length + 1} ${TAG}\r\n__exception__\r\n`,
  )

describe('StreamExceptionScanner with an exception tag (25.11+)', () => {
  const message =
    "Code: 395. DB::Exception: Value passed to 'throwIf' function is non-zero. (FUNCTION_THROW_IF_VALUE_IS_NON_ZERO) (version 26.7.1.1)"

  test('finds the block at every split position and yields only the data before it', () => {
    const body = tagged('1\n2\n3\r\n', message)
    everySplit(
      body,
      (outcome, cuts) => {
        assert.equal(outcome.data, '1\n2\n3\r\n', `cuts ${cuts}`)
        assert.equal(outcome.exception?.code, '395', `cuts ${cuts}`)
        assert.equal(
          outcome.exception?.message,
          "Code: 395. DB::Exception: Value passed to 'throwIf' function is non-zero. (FUNCTION_THROW_IF_VALUE_IS_NON_ZERO)",
        )
        assert.equal(outcome.exception?.truncated, false)
      },
      { tag: TAG },
    )
  })

  test('a block at the very start of the body, with a multi-line message', () => {
    const body = tagged('', 'Code: 62. DB::Exception: Syntax error:\nline two. (SYNTAX_ERROR)')
    everySplit(
      body,
      (outcome) => {
        assert.equal(outcome.data, '')
        assert.equal(outcome.exception?.code, '62')
        assert.equal(
          outcome.exception?.message,
          'Code: 62. DB::Exception: Syntax error:\nline two. (SYNTAX_ERROR)',
        )
      },
      { tag: TAG },
    )
  })

  test('a block cut off by the broken framing is still the server error', () => {
    const full = tagged('abc', 'Code: 241. DB::Exception: Memory limit exceeded. (MEMORY_LIMIT_EXCEEDED)')
    const body = full.subarray(0, full.length - 30)
    everySplit(
      body,
      (outcome) => {
        assert.equal(outcome.data, 'abc')
        assert.equal(outcome.brokenException?.code, '241')
        assert.equal(outcome.brokenException?.truncated, true)
      },
      { tag: TAG },
      true,
    )
  })

  test('data that looks like a marker with another tag is data', () => {
    const lookalike = `x\r\n__exception__\r\n0123456789abcdef\r\nhello\n6 0123456789abcdef\r\n__exception__\r\n`
    everySplit(
      enc.encode(lookalike),
      (outcome) => {
        assert.equal(outcome.data, lookalike)
        assert.equal(outcome.exception, undefined)
      },
      { tag: TAG },
    )
  })

  test('a partial marker at the end of a clean body is released as data', () => {
    const body = `row\r\n__exception__\r\n${TAG.slice(0, 5)}`
    everySplit(
      enc.encode(body),
      (outcome) => {
        assert.equal(outcome.data, body)
        assert.equal(outcome.exception, undefined)
      },
      { tag: TAG },
    )
  })

  test('legacy text is not claimed when the server announced a tag', () => {
    const body = 'a\nCode: 1. DB::Exception: boom\n'
    const outcome = run(enc.encode(body), [], { tag: TAG })
    assert.equal(outcome.data, body)
    assert.equal(outcome.exception, undefined)
  })
})

describe('StreamExceptionScanner without a tag (older servers)', () => {
  const old =
    "Code: 395, e.displayText() = DB::Exception: Value passed to 'throwIf' function is non zero, e.what() = DB::Exception\n"

  test('18.x text after TSV rows, every split', () => {
    const body = enc.encode(`458750\t0\n458751\t0\n${old}`)
    everySplit(
      body,
      (outcome, cuts) => {
        assert.equal(outcome.data, '458750\t0\n458751\t0\n', `cuts ${cuts}`)
        assert.equal(outcome.exception?.code, '395')
        assert.equal(
          outcome.exception?.message,
          "Code: 395, e.displayText() = DB::Exception: Value passed to 'throwIf' function is non zero",
        )
      },
      {},
    )
  })

  test('18.x text glued to binary data (RowBinary, JSONCompact) in anywhere mode, every split', () => {
    const data = Buffer.from([0xfe, 0xff, 0x06, 0, 0, 0, 0x43, 0x6f, 0, 0x43])
    const body = Buffer.concat([data, enc.encode(old)])
    everySplit(
      body,
      (outcome) => {
        assert.equal(outcome.data, data.toString('latin1'))
        assert.equal(outcome.exception?.code, '395')
      },
      { legacy: 'anywhere' },
    )
  })

  test('line mode does not claim text glued to data', () => {
    const body = `["458751", 0]${old}`
    const outcome = run(enc.encode(body), [], { legacy: 'line' })
    assert.equal(outcome.data, body)
    assert.equal(outcome.exception, undefined)
    const own = run(enc.encode(`a\n${old}`), [1, 3], { legacy: 'line' })
    assert.equal(own.data, 'a\n')
    assert.equal(own.exception?.code, '395')
  })

  test('19.x+ text form', () => {
    const body =
      'x\nCode: 60. DB::Exception: Table default.t does not exist. (UNKNOWN_TABLE) (version 23.8.1.1)\n'
    everySplit(
      enc.encode(body),
      (outcome) => {
        assert.equal(outcome.data, 'x\n')
        assert.equal(outcome.exception?.code, '60')
        assert.equal(
          outcome.exception?.message,
          'Code: 60. DB::Exception: Table default.t does not exist. (UNKNOWN_TABLE)',
        )
      },
      {},
    )
  })

  test('error-like text in a body that does not end with a line feed is data', () => {
    // A real message may span lines, so text after it cannot clear it; the server ends it with \n.
    const body = 'Code: 1. DB::Exception: not really\nmore rows'
    everySplit(
      enc.encode(body),
      (outcome) => {
        // Only a body that ENDS with such text is claimed (the residual ambiguity); this one does not.
        assert.equal(outcome.exception, undefined)
        assert.equal(outcome.data, body)
      },
      {},
    )
  })

  test('text that merely starts with Code: is released at once', () => {
    const scanner = new StreamExceptionScanner({})
    const step = scanner.push(enc.encode('Code: abc\nCode: 12 no\n'))
    assert.equal(Buffer.from(step.data).toString(), 'Code: abc\nCode: 12 no\n')
  })

  test('a body cut off inside old-style error text is reported as the error', () => {
    const outcome = run(enc.encode(`1\n${old.slice(0, 60)}`), [], {}, true)
    assert.equal(outcome.data, '1\n')
    assert.equal(outcome.brokenException?.code, '395')
    assert.equal(outcome.brokenException?.truncated, true)
  })

  test('held-back bytes are bounded: long error-like text is released', () => {
    const long = `Code: 1. DB::Exception: ${'x'.repeat(200)}`
    const scanner = new StreamExceptionScanner({ maxExceptionBytes: 100 })
    const step = scanner.push(enc.encode(long))
    assert.equal(step.data.length, long.length)
  })

  test('off mode passes everything through', () => {
    const body = `1\n${old}`
    assert.equal(run(enc.encode(body), [], { legacy: 'off' }).data, body)
  })
})

test('matchErrorHead', () => {
  const head = (s: string) => matchErrorHead(enc.encode(s), 0)
  assert.equal(head('Code: 1. DB::Exception: x'), 'yes')
  assert.equal(head('Code: 123, e.displayText() = DB::Exception: x'), 'yes')
  assert.equal(head('Code: 12'), 'more')
  assert.equal(head('Cod'), 'more')
  assert.equal(head('Code: x'), 'no')
  assert.equal(head('Code: 1. Something'), 'no')
  assert.equal(head('Code: 12345678901. DB::Exception:'), 'no')
})
