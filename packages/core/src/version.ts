/** Dotted version numbers (`18.16.1`, `26.7.2.1`, `2.1.3-beta`): compared part by part as integers. */

export function parseVersion(version: string): number[] {
  const parts: number[] = []
  for (const part of version.split('.')) {
    const match = /^\d+/.exec(part)
    if (!match) break
    parts.push(Number(match[0]))
  }
  return parts
}

/** Negative when `a` is older than `b`, 0 when equal (missing parts count as 0), positive when newer. */
export function compareVersions(a: string | readonly number[], b: string | readonly number[]): number {
  const x = typeof a === 'string' ? parseVersion(a) : a
  const y = typeof b === 'string' ? parseVersion(b) : b
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0)
    if (d !== 0) return d
  }
  return 0
}

/** `versionAtLeast('19.3.3', 19, 3)` */
export function versionAtLeast(version: string, ...minimum: number[]): boolean {
  return compareVersions(version, minimum) >= 0
}
