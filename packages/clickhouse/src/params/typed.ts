/**
 * A parameter value with an explicit ClickHouse type, for when inference would
 * pick the wrong one: `typed(5n, 'UInt64')`, `typed({ a: 1 }, 'Map(String, UInt8)')`,
 * `typed('2024-01-01', 'Date')`.
 */
export class TypedValue {
  readonly value: unknown
  readonly type: string

  constructor(value: unknown, type: string) {
    this.value = value
    this.type = type
  }
}

export function typed(value: unknown, type: string): TypedValue {
  return new TypedValue(value, type)
}
