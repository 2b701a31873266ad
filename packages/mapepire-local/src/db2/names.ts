/**
 * Db2 folds unquoted names to upper case, PostgreSQL to lower case. Swapping the case of
 * single-case names in both directions keeps the two consistent: unquoted names pass through
 * untouched (PostgreSQL lowers them), `"ABC"` (which Db2 treats as the unquoted ABC) becomes
 * `"abc"`, `"abc"` (a distinct lower-case name in Db2) becomes `"ABC"`, mixed case stays.
 */

export function swapCase(name: string): string {
  if (name === name.toUpperCase() && name !== name.toLowerCase()) return name.toLowerCase()
  if (name === name.toLowerCase() && name !== name.toUpperCase()) return name.toUpperCase()
  return name
}

/** The PostgreSQL name for a Db2 name (as Db2 stores it: folded when it was unquoted). */
export const pgName = swapCase
/** The Db2 name for a PostgreSQL name. */
export const db2Name = swapCase

/** A PostgreSQL identifier, quoted. */
export function quotePg(name: string): string {
  return `"${name.replace(/"/g, '""')}"`
}

/** A Db2 name as PostgreSQL SQL: the identifier for the stored (folded) Db2 name. */
export function pgIdent(db2: string): string {
  return quotePg(pgName(db2))
}

/** An SQL string literal. */
export function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`
}

/** Db2's folding of an identifier as written: unquoted → upper case, "quoted" → as is. */
export function foldIdentifier(text: string): string {
  if (text.startsWith('"')) return text.slice(1, -1).replace(/""/g, '"')
  return text.toUpperCase()
}
