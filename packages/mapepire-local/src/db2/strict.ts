/**
 * SQL that PostgreSQL would run but Db2 for i rejects. Each construct fails SQL0104 (token not
 * valid) the way a real server reports it, so code tested here does not pass by accident.
 */

import { tokenNotValid } from './errors.ts'
import { isOp, isWord, type Token } from './lexer.ts'

const JSON_OPERATORS = new Set(['->', '->>', '#>', '#>>', '@>', '<@'])
const SERIAL_TYPES = new Set(['SERIAL', 'BIGSERIAL', 'SMALLSERIAL', 'SERIAL2', 'SERIAL4', 'SERIAL8'])

export function checkStrict(sig: Token[]): void {
  const isTableDefinition =
    (isWord(sig[0], 'CREATE') && sig.slice(1, 5).some((t) => isWord(t, 'TABLE'))) ||
    (isWord(sig[0], 'ALTER') && isWord(sig[1], 'TABLE'))
  for (let i = 0; i < sig.length; i++) {
    const t = sig[i]!
    const next = sig[i + 1]
    if (t.kind === 'op') {
      if (t.value === '::') throw tokenNotValid('::', '<END-OF-STATEMENT>')
      if (JSON_OPERATORS.has(t.value)) throw tokenNotValid(t.value, '<END-OF-STATEMENT>')
      continue
    }
    if (
      t.kind === 'param' &&
      next?.kind === 'op' &&
      (next.value === '|' || next.value === '&') &&
      next.start === t.start + 1
    ) {
      throw tokenNotValid(`?${next.value}`)
    }
    if (t.kind !== 'word') continue
    const w = t.value
    if (w.startsWith('$')) throw tokenNotValid(t.text)
    if (w === 'RETURNING' || w === 'ILIKE') throw tokenNotValid(w)
    if (w === 'ON' && isWord(next, 'CONFLICT')) throw tokenNotValid('CONFLICT')
    if (w === 'LIMIT' && isWord(next, 'ALL')) throw tokenNotValid('ALL')
    if (isTableDefinition && SERIAL_TYPES.has(w) && !isOp(sig[i - 1], '.')) throw tokenNotValid(w)
  }
}
