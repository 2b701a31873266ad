import { ConfigurationError } from '@tributary/core'

/**
 * Converts wall-clock times in an IANA zone to instants. ClickHouse's text
 * formats print DateTime as local wall time, so reading them back needs the
 * zone's offset at that moment; `Intl` knows the offsets.
 *
 * A wall time that occurs twice (the hour repeated when clocks go back) maps to
 * the earlier instant; one skipped by a forward jump maps as if the earlier
 * offset still applied. Only RowBinary is exact for such values.
 */
export class WallTimeZone {
  readonly name: string
  readonly #utc: boolean
  #format: Intl.DateTimeFormat | undefined
  /** Offset (seconds) per hour of wall time, when constant across that hour. */
  #hourCache = new Map<number, number>()

  constructor(name: string) {
    this.name = name
    this.#utc = /^(?:Etc\/)?(?:UTC|UCT|GMT|Zulu|Universal|Greenwich)(?:[+-]0)?$/i.test(name)
    if (!this.#utc) {
      try {
        this.#format = new Intl.DateTimeFormat('en-US', {
          timeZone: name,
          hourCycle: 'h23',
          year: 'numeric',
          month: 'numeric',
          day: 'numeric',
          hour: 'numeric',
          minute: 'numeric',
          second: 'numeric',
        })
      } catch (cause) {
        throw new ConfigurationError(`Unknown time zone '${name}'`, { system: 'clickhouse', cause })
      }
    }
  }

  /** Seconds since the epoch for a wall time given as seconds since 1970-01-01 00:00 on the wall clock. */
  toEpochSeconds(wallSeconds: number): number {
    if (this.#utc) return wallSeconds
    const hour = Math.floor(wallSeconds / 3600)
    const cached = this.#hourCache.get(hour)
    if (cached !== undefined) return wallSeconds - cached
    const offset = this.#offsetForWall(wallSeconds)
    // Cache the hour only if the offset holds over all of it (no transition inside).
    const first = hour * 3600
    if (this.#offsetForWall(first) === offset && this.#offsetForWall(first + 3599) === offset) {
      if (this.#hourCache.size > 100_000) this.#hourCache.clear()
      this.#hourCache.set(hour, offset)
    }
    return wallSeconds - offset
  }

  #offsetForWall(wall: number): number {
    // Two rounds of "guess the instant, ask the offset there" settle every case but gaps.
    const first = this.offsetAt(wall)
    const second = this.offsetAt(wall - first)
    if (first === second) return first
    const third = this.offsetAt(wall - second)
    return third === second ? second : Math.max(first, second)
  }

  /** The zone's offset from UTC in seconds at an instant. */
  offsetAt(epochSeconds: number): number {
    const format = this.#format
    if (format === undefined) return 0
    let year = 0
    let month = 0
    let day = 0
    let hour = 0
    let minute = 0
    let second = 0
    for (const part of format.formatToParts(new Date(epochSeconds * 1000))) {
      switch (part.type) {
        case 'year':
          year = Number(part.value)
          break
        case 'month':
          month = Number(part.value)
          break
        case 'day':
          day = Number(part.value)
          break
        case 'hour':
          hour = Number(part.value)
          break
        case 'minute':
          minute = Number(part.value)
          break
        case 'second':
          second = Number(part.value)
          break
      }
    }
    // ClickHouse's date range (1900..2299) is clear of Date.UTC's two-digit-year mapping.
    const wall = Date.UTC(year, month - 1, day, hour, minute, second) / 1000
    return wall - Math.floor(epochSeconds)
  }
}

const zones = new Map<string, WallTimeZone>()

export function wallTimeZone(name: string): WallTimeZone {
  let zone = zones.get(name)
  if (zone === undefined) {
    zone = new WallTimeZone(name)
    zones.set(name, zone)
  }
  return zone
}

/** Days from 1970-01-01 to a proleptic Gregorian date. */
export function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y
  const era = Math.floor(yy / 400)
  const yoe = yy - era * 400
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy
  return era * 146097 + doe - 719468
}
