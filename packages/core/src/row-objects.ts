/**
 * Row objects from positional values, with a fixed key order. Duplicate
 * column names keep the last value, as a plain object would. A column named
 * `__proto__` becomes an own property (plain assignment would replace the
 * row's prototype instead).
 */
export function objectBuilder<R>(names: readonly string[]): (row: readonly unknown[]) => R {
  const count = names.length
  if (names.includes('__proto__')) {
    return (row) => {
      const obj: Record<string, unknown> = {}
      for (let i = 0; i < count; i++) {
        const name = names[i]!
        if (name === '__proto__')
          Object.defineProperty(obj, name, {
            value: row[i],
            enumerable: true,
            writable: true,
            configurable: true,
          })
        else obj[name] = row[i]
      }
      return obj as R
    }
  }
  return (
    literalBuilder<R>(names) ??
    ((row) => {
      const obj: Record<string, unknown> = {}
      for (let i = 0; i < count; i++) obj[names[i]!] = row[i]
      return obj as R
    })
  )
}

/**
 * A function that returns one object literal with the columns as keys. Several times faster than
 * adding the keys one by one (the object gets its final shape at once), which is a good part of
 * the cost of a row. Keys are JSON string literals, so no name can be anything but a key.
 * Undefined where the runtime refuses code generation from strings; the caller then loops.
 */
function literalBuilder<R>(names: readonly string[]): ((row: readonly unknown[]) => R) | undefined {
  const properties = names.map((name, i) => `${JSON.stringify(name)}: row[${i}]`).join(', ')
  try {
    return new Function('row', `return { ${properties} }`) as (row: readonly unknown[]) => R
  } catch {
    return undefined
  }
}
