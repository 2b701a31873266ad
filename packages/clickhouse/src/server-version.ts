/** Compares a ClickHouse version string (`18.16.1`, `26.7.2.1`) with a major.minor floor. */
export function versionAtLeast(version: string, major: number, minor: number): boolean {
  const [a = 0, b = 0] = version.split('.').map((part) => Number.parseInt(part, 10))
  return a > major || (a === major && b >= minor)
}
