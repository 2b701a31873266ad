/**
 * CL command syntax: `[LIB/]COMMAND value KEYWORD(value value) KEYWORD((a b) (c d))`, with
 * 'quoted strings' ('' is a quote), qualified names LIB/OBJ and special values *LIBL.
 */

export type ClValue = { kind: 'list'; items: ClValue[] } | { kind: 'value'; text: string; quoted: boolean }

export interface ClCommand {
  library: string | undefined
  name: string
  keywords: Map<string, ClValue[]>
  positional: ClValue[]
}

export class ClSyntaxError extends Error {}

export function parseCommand(text: string): ClCommand {
  let i = 0
  const s = text
  const skipSpace = () => {
    while (i < s.length && /\s/.test(s[i]!)) i++
  }
  const readWord = (): string => {
    const start = i
    while (i < s.length && !/[\s()']/.test(s[i]!)) i++
    return s.slice(start, i)
  }
  const readQuoted = (): string => {
    i++ // opening quote
    let out = ''
    while (i < s.length) {
      if (s[i] === "'") {
        if (s[i + 1] === "'") {
          out += "'"
          i += 2
          continue
        }
        i++
        return out
      }
      out += s[i]
      i++
    }
    throw new ClSyntaxError('String not ended')
  }
  const readList = (): ClValue[] => {
    // at '('
    i++
    const items: ClValue[] = []
    for (;;) {
      skipSpace()
      if (i >= s.length) throw new ClSyntaxError('Parenthesis not closed')
      if (s[i] === ')') {
        i++
        return items
      }
      items.push(readValue())
    }
  }
  const readValue = (): ClValue => {
    if (s[i] === '(') return { kind: 'list', items: readList() }
    if (s[i] === "'") return { kind: 'value', text: readQuoted(), quoted: true }
    const word = readWord()
    if (word === '') throw new ClSyntaxError(`Character ${s[i]} not valid`)
    return { kind: 'value', text: word.toUpperCase(), quoted: false }
  }

  skipSpace()
  const commandWord = readWord().toUpperCase()
  if (commandWord === '') throw new ClSyntaxError('Command name missing')
  const slash = commandWord.indexOf('/')
  const library = slash < 0 ? undefined : commandWord.slice(0, slash)
  const name = slash < 0 ? commandWord : commandWord.slice(slash + 1)
  const keywords = new Map<string, ClValue[]>()
  const positional: ClValue[] = []
  for (;;) {
    skipSpace()
    if (i >= s.length) break
    if (s[i] === "'" || s[i] === '(') {
      positional.push(readValue())
      continue
    }
    const word = readWord()
    if (s[i] === '(') {
      const items = readList()
      keywords.set(word.toUpperCase(), items)
      continue
    }
    if (word === '') throw new ClSyntaxError(`Character ${s[i]} not valid`)
    positional.push({ kind: 'value', text: word.toUpperCase(), quoted: false })
  }
  return { library, name, keywords, positional }
}

/** The single value of a parameter (`LIB(X)` or positional `X`). */
export function singleValue(values: ClValue[] | undefined): string | undefined {
  const first = values?.[0]
  if (first === undefined) return undefined
  if (first.kind === 'value') return first.text
  return singleValue(first.items)
}

/** All simple values of a parameter, flattened. */
export function flatValues(values: ClValue[] | undefined): string[] {
  const out: string[] = []
  for (const v of values ?? []) {
    if (v.kind === 'value') out.push(v.text)
    else out.push(...flatValues(v.items))
  }
  return out
}
