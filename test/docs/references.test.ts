/**
 * The documentation names only files that exist: relative links resolve, and every file or folder path it
 * quotes in backticks (`packages/clickhouse/src/client.ts`, `transport/http.ts`, `bench/`) is in the
 * repository, read from the root, from `packages/`, or from a package or its `src/`.
 */
import assert from 'node:assert/strict'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { test } from 'node:test'
import { documentationPages, ROOT } from './samples.ts'

const PACKAGES = readdirSync(join(ROOT, 'packages'), { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => join('packages', e.name))
const BASES = ['', 'packages', ...PACKAGES, ...PACKAGES.map((p) => join(p, 'src'))]
const FILE_EXTENSIONS = /\.(ts|js|mjs|cjs|json|md|sh|xml|yml|yaml|toml)$/
/** Built or installed folders, absent from a fresh clone. */
const GENERATED = /^(dist|node_modules|\.tmp)\//

/** Every file name in the repository, for names quoted without a folder (`contract.ts`). */
function repositoryFileNames(): Set<string> {
  const names = new Set<string>()
  const walk = (dir: string): void => {
    for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
      if (
        entry.name === 'node_modules' ||
        entry.name === '.git' ||
        entry.name === 'dist' ||
        entry.name === '.tmp'
      )
        continue
      if (entry.isDirectory()) walk(join(dir, entry.name))
      else names.add(entry.name)
    }
  }
  walk('')
  return names
}

/** The page's text without fenced code blocks (code is checked by running it). */
function prose(text: string): Array<{ line: number; text: string }> {
  const out: Array<{ line: number; text: string }> = []
  let fence: string | undefined
  text.split('\n').forEach((line, i) => {
    const m = /^\s*(`{3,})/.exec(line)
    if (m !== null) {
      if (fence === undefined) fence = m[1]
      else if (m[1]!.startsWith(fence)) fence = undefined
      return
    }
    if (fence === undefined) out.push({ line: i + 1, text: line })
  })
  return out
}

/** A backticked token that names a path in the repository, or undefined for code and module names. */
function quotedPath(token: string): string | undefined {
  if (/[\s*<>{}()'"$=,]/.test(token) || token.includes('://') || token.startsWith('@')) return undefined
  if (!/^[\w.-]+(\/[\w.-]+)*\/?$/.test(token)) return undefined
  if (token.endsWith('/')) return token.includes('/') ? token : undefined
  if (FILE_EXTENSIONS.test(token) && /^[\w-]/.test(token)) return token
  return undefined
}

test('documentation names only files that exist in the repository', () => {
  const names = repositoryFileNames()
  const missing: string[] = []
  for (const page of documentationPages()) {
    for (const { line, text } of prose(readFileSync(join(ROOT, page), 'utf8'))) {
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^(https?:|mailto:|#)/.test(target!)) continue
        const path = target!.split('#')[0]!
        if (!existsSync(join(ROOT, dirname(page), path))) missing.push(`${page}:${line}: link to ${target}`)
      }
      for (const [, token] of text.matchAll(/`([^`]+)`/g)) {
        const path = quotedPath(token!)
        if (path === undefined || GENERATED.test(path)) continue
        const found = path.includes('/')
          ? BASES.some((base) => existsSync(join(ROOT, base, path)))
          : names.has(path)
        if (!found) missing.push(`${page}:${line}: \`${path}\``)
      }
    }
  }
  assert.deepEqual(missing, [], 'paths the documentation names that are not in the repository')
})
