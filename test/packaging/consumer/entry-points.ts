/**
 * Imports every entry point that the installed packages named on the command line export, and reports
 * for each whether it loaded or which package it could not find.
 */
import { readFileSync } from 'node:fs'

const report: Record<
  string,
  { ok: true } | { ok: false; code: string; missing: string | null; message: string }
> = {}
for (const name of process.argv.slice(2)) {
  const manifest = JSON.parse(readFileSync(`node_modules/${name}/package.json`, 'utf8')) as {
    exports: Record<string, unknown>
  }
  for (const subpath of Object.keys(manifest.exports)) {
    if (subpath === './package.json') continue
    const specifier = subpath === '.' ? name : `${name}/${subpath.slice(2)}`
    try {
      await import(specifier)
      report[specifier] = { ok: true }
    } catch (error) {
      const e = error as { code?: string; message?: string }
      const missing = /Cannot find package '([^']+)'/.exec(e.message ?? '')?.[1] ?? null
      report[specifier] = { ok: false, code: e.code ?? '', missing, message: e.message ?? String(error) }
    }
  }
}
console.log(JSON.stringify(report))
