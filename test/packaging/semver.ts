/**
 * Just enough of npm's version ranges to compare `engines` fields: comparators (`>=`, `>`, `<`, `<=`, `=`),
 * caret and tilde ranges, x-ranges, hyphen ranges, space (and) and `||` (or). Anything else throws, so a check
 * never passes on a range it did not understand.
 */

type Version = [number, number, number]

function parse(text: string): Version {
  const m = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(text)
  if (m === null) throw new Error(`not a version: ${text}`)
  return [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)]
}

function compare(a: Version, b: Version): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! - b[i]!
  return 0
}

/** `[low, high)` bounds of a partial version such as `22`, `22.1`, `22.x`. */
function partialBounds(text: string): [Version, Version | null] {
  const parts = text.replace(/^v/, '').split('.')
  const fixed = parts.filter((p) => p !== 'x' && p !== 'X' && p !== '*')
  if (fixed.length === 0) return [[0, 0, 0], null]
  const low = parse(fixed.join('.'))
  if (fixed.length === 3) return [low, null]
  const high: Version = fixed.length === 1 ? [low[0] + 1, 0, 0] : [low[0], low[1] + 1, 0]
  return [low, high]
}

function comparator(version: Version, token: string): boolean {
  const m = /^(>=|<=|>|<|=|\^|~)?\s*(.*)$/.exec(token)!
  const op = m[1] ?? ''
  const operand = m[2]!
  if (!/^v?[\dxX*]+(\.[\dxX*]+){0,2}$/.test(operand)) throw new Error(`unsupported range part: ${token}`)
  const [low, high] = partialBounds(operand)
  const complete = operand.split('.').length === 3 && !/[xX*]/.test(operand)
  switch (op) {
    case '>=':
      return compare(version, low) >= 0
    case '>':
      return high === null || complete ? compare(version, low) > 0 : compare(version, high) >= 0
    case '<':
      return compare(version, low) < 0
    case '<=':
      return high === null || complete ? compare(version, low) <= 0 : compare(version, high) < 0
    case '^': {
      const upper: Version =
        low[0] > 0 ? [low[0] + 1, 0, 0] : low[1] > 0 ? [0, low[1] + 1, 0] : [0, 0, low[2] + 1]
      return compare(version, low) >= 0 && compare(version, upper) < 0
    }
    case '~': {
      const upper: Version = operand.split('.').length === 1 ? [low[0] + 1, 0, 0] : [low[0], low[1] + 1, 0]
      return compare(version, low) >= 0 && compare(version, upper) < 0
    }
    default:
      if (complete) return compare(version, low) === 0
      return compare(version, low) >= 0 && (high === null || compare(version, high) < 0)
  }
}

export function satisfies(versionText: string, range: string): boolean {
  const version = parse(versionText)
  return range.split('||').some((alternative) => {
    const text = alternative.trim()
    if (text === '' || text === '*') return true
    const hyphen = /^(\S+)\s+-\s+(\S+)$/.exec(text)
    if (hyphen !== null) return comparator(version, `>=${hyphen[1]}`) && comparator(version, `<=${hyphen[2]}`)
    const tokens = text.replace(/(>=|<=|>|<|=|\^|~)\s+/g, '$1').split(/\s+/)
    return tokens.every((token) => comparator(version, token))
  })
}
