import { ParameterError } from '@tributary/core'
import { encodeText } from '../params/text.ts'
import type { ClickHouseType } from './types.ts'

/**
 * Settings an INSERT of these rows needs on servers that know them (19.x and
 * later, sent from 20.1). DateTime values are written as zero-padded Unix seconds; with
 * `best_effort` parsing (the default in chDB / ClickHouse 26.x) a negative
 * value such as '-0000000005.500' is misread as a zone offset and refused.
 */
export const TSV_INSERT_SETTINGS: Readonly<Record<string, string>> = {
  date_time_input_format: 'basic',
  // `\N` in a column that is not Nullable stands for the column's default, DEFAULT expression included:
  // the insert writes it where an object row leaves a column out, and nowhere else (NULL is refused there).
  input_format_null_as_default: '1',
  input_format_defaults_for_omitted_fields: '1',
}

/**
 * One line of TabSeparated input (with its trailing newline) for
 * `INSERT … FORMAT TabSeparated`. Fields use the same escaped text form as
 * query parameters: strings bare with backslash escapes, `\N` for NULL, so a
 * raw tab or newline can only be a separator.
 */
export function formatTsvRow(values: readonly unknown[], types: readonly ClickHouseType[]): string {
  if (values.length !== types.length)
    throw new ParameterError(`Row has ${values.length} values for ${types.length} columns`, {
      system: 'clickhouse',
    })
  let line = ''
  for (let i = 0; i < values.length; i++) {
    if (i > 0) line += '\t'
    line += encodeText(values[i], types[i] as ClickHouseType, false, { name: String(i + 1), role: 'column' })
  }
  return `${line}\n`
}
