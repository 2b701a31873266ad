/**
 * Parsing the replies of a statement with a result: the first (metadata and first page) and its pages.
 * A page's rows are read straight from the frame by the columns' cell kinds (terse-rows.ts) and only the
 * few fields around them go through `JSON.parse`; rows the reader does not follow are parsed whole, with
 * exact numbers quoted first (reply-json.ts).
 */
import { needsExactParse, parseLongNumbersAsText, parseNumbersAsText, parseReply } from './reply-json.ts'
import { readTerseRows } from './terse-rows.ts'
import { type RowDecoder, readColumns, rowDecoder, type ValueOptions } from './values.ts'

type Reply = Record<string, unknown>

/** Natively, with numbers a double may not hold read as their text. */
export function parseAnyReply(text: string): Reply {
  return needsExactParse(text) ? parseLongNumbersAsText(text) : parseReply(text, false)
}

/** The first reply of a statement, parsed whole once (for the metadata, and a CALL's OUT parameters), and the decoder of its result. */
export function parseFirstReply(
  text: string,
  values: ValueOptions,
): { reply: Reply; decoder: RowDecoder | undefined } {
  const reply = parseAnyReply(text)
  if (reply.has_results !== true) return { reply, decoder: undefined }
  const decoder = rowDecoder(readColumns(reply.metadata), values)
  if (decoder.exactCells && Array.isArray(reply.data) && reply.data.length > 0) {
    reply.data = readTerseRows(text, decoder.cells)?.rows ?? parseNumbersAsText(text).data
  }
  return { reply, decoder }
}

/** A page of a result (an `sqlmore` reply). */
export function parsePage(text: string, decoder: RowDecoder): Reply {
  const read = readTerseRows(text, decoder.cells)
  if (read) {
    const reply = parseReply(`${text.slice(0, read.start)}[]${text.slice(read.end)}`, false)
    reply.data = read.rows
    return reply
  }
  if (!decoder.exactCells) return parseAnyReply(text)
  const reply = parseNumbersAsText(text)
  return reply.success === true ? reply : parseAnyReply(text)
}
