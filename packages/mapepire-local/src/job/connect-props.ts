/**
 * JTOpen connection properties (`k=v;k=v`, as the `connect` request's `props` carries them).
 * Only the properties that change what the job does are read; others are accepted and ignored,
 * as the driver ignores properties it does not know.
 */

import type { Naming } from '../db2/translate.ts'

export type Isolation = 'none' | 'read uncommitted' | 'read committed' | 'repeatable read' | 'serializable'

export interface ConnectProps {
  naming: Naming
  libraries: string[]
  autoCommit: boolean
  isolation: Isolation
  dateFormat: string
  dateSeparator: string
  timeFormat: string
  timeSeparator: string
}

export interface PropDefaults {
  dateFormat: string
  timeFormat: string
}

export function parseConnectProps(text: string | undefined, defaults: PropDefaults): ConnectProps {
  const props: ConnectProps = {
    naming: 'sql',
    libraries: [],
    autoCommit: true,
    isolation: 'read uncommitted',
    dateFormat: defaults.dateFormat,
    dateSeparator: '/',
    timeFormat: defaults.timeFormat,
    timeSeparator: ':',
  }
  if (!text) return props
  for (const pair of text.split(';')) {
    const eq = pair.indexOf('=')
    if (eq < 0) continue
    const key = pair.slice(0, eq).trim().toLowerCase()
    const value = pair.slice(eq + 1).trim()
    const lower = value.toLowerCase()
    switch (key) {
      case 'naming':
        props.naming = lower === 'system' ? 'system' : 'sql'
        break
      case 'libraries':
        props.libraries = value
          .split(/[,\s]+/)
          .map((l) => l.trim())
          .filter((l) => l.length > 0)
        break
      case 'auto commit':
        props.autoCommit = lower !== 'false'
        break
      case 'transaction isolation':
        if (
          ['none', 'read uncommitted', 'read committed', 'repeatable read', 'serializable'].includes(lower)
        ) {
          props.isolation = lower as Isolation
        }
        break
      case 'date format':
        if (['mdy', 'dmy', 'ymd', 'usa', 'iso', 'eur', 'jis', 'julian'].includes(lower))
          props.dateFormat = lower
        break
      case 'date separator':
        if (['/', '-', '.', ',', 'b'].includes(lower)) props.dateSeparator = lower
        break
      case 'time format':
        if (['hms', 'usa', 'iso', 'eur', 'jis'].includes(lower)) props.timeFormat = lower
        break
      case 'time separator':
        if ([':', '.', ',', 'b'].includes(lower)) props.timeSeparator = lower
        break
    }
  }
  return props
}

/** PostgreSQL's level for a JDBC isolation (Db2 for i: *CHG, *CS, *ALL, *RR). */
export function pgIsolation(isolation: Isolation): string {
  switch (isolation) {
    case 'read uncommitted':
      return 'READ UNCOMMITTED'
    case 'read committed':
      return 'READ COMMITTED'
    case 'repeatable read':
      return 'REPEATABLE READ'
    case 'serializable':
      return 'SERIALIZABLE'
    default:
      return 'READ COMMITTED'
  }
}
