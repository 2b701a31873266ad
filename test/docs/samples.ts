/**
 * The code samples of the documentation: every fenced `ts` block of README.md, docs/*.md and the packages'
 * READMEs, with what the page says each one needs.
 *
 * A page names the backend its samples run on with a comment that renders as nothing:
 *
 *     <!-- samples backend=clickhouse-server -->
 *
 * and a sample can override it, and add hidden setup code that runs before it in the same module (context
 * the prose gives, such as a table that exists or a client made earlier on the page), right above its fence:
 *
 *     <!-- sample backend=chdb
 *     await client.command('CREATE TABLE events (day Date) ENGINE = Memory')
 *     -->
 *
 * Backends are listed in `backends.ts`.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))

export interface Sample {
  /** Repository-relative path of the page. */
  page: string
  /** 1-based line of the sample's first code line in the page. */
  line: number
  code: string
  /** Hidden setup from the `<!-- sample … -->` comment above the fence, '' when none. */
  setup: string
  /** 1-based line of the setup's first line, for error messages. */
  setupLine: number
  /** The backend named by the sample's or the page's comment; undefined when neither names one. */
  backend: string | undefined
}

const SAMPLE_LANGUAGES = new Set(['ts', 'typescript', 'mts'])

/** README.md, docs/**.md and packages/*\/README.md, in a stable order. */
export function documentationPages(): string[] {
  const pages = ['README.md']
  const walk = (dir: string): void => {
    for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) walk(path)
      else if (entry.name.endsWith('.md')) pages.push(path)
    }
  }
  walk('docs')
  for (const entry of readdirSync(join(ROOT, 'packages'), { withFileTypes: true })) {
    if (!entry.isDirectory()) continue
    try {
      readFileSync(join(ROOT, 'packages', entry.name, 'README.md'))
      pages.push(join('packages', entry.name, 'README.md'))
    } catch {
      // a package without a README; the packaging test reports that
    }
  }
  return pages.map((p) => relative(ROOT, join(ROOT, p))).sort()
}

function attributes(text: string, where: string): Record<string, string> {
  const found: Record<string, string> = {}
  for (const part of text.trim().split(/\s+/).filter(Boolean)) {
    const m = /^([a-z-]+)=(\S+)$/.exec(part)
    if (m === null) throw new Error(`${where}: cannot read "${part}" (write key=value)`)
    found[m[1]!] = m[2]!
  }
  for (const key of Object.keys(found)) {
    if (key !== 'backend') throw new Error(`${where}: unknown sample attribute "${key}" (known: backend)`)
  }
  return found
}

/** Parses one page. Throws on a directive it cannot read, so a typo never silently changes what runs. */
export function samplesOf(page: string, text: string = readFileSync(join(ROOT, page), 'utf8')): Sample[] {
  const lines = text.split('\n')
  const samples: Sample[] = []
  let pageBackend: string | undefined
  let pending: { attrs: Record<string, string>; setup: string; setupLine: number } | undefined
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!
    const pageDirective = /^<!--\s*samples\b(.*?)-->\s*$/.exec(line)
    if (pageDirective !== null) {
      const attrs = attributes(pageDirective[1]!, `${page}:${i + 1}`)
      if (pageBackend !== undefined) throw new Error(`${page}:${i + 1}: a second <!-- samples --> comment`)
      pageBackend = attrs.backend
      continue
    }
    const sampleDirective = /^<!--\s*sample\b(.*)$/.exec(line)
    if (sampleDirective !== null) {
      const where = `${page}:${i + 1}`
      let head = sampleDirective[1]!
      const body: string[] = []
      let closed = false
      if (head.includes('-->')) {
        if (head.trimEnd().endsWith('-->') === false) throw new Error(`${where}: text after -->`)
        head = head.slice(0, head.lastIndexOf('-->'))
        closed = true
      }
      const start = i + 2
      while (!closed) {
        i++
        if (i >= lines.length) throw new Error(`${where}: <!-- sample … has no closing -->`)
        if (lines[i]!.trim() === '-->') closed = true
        else body.push(lines[i]!)
      }
      pending = { attrs: attributes(head, where), setup: body.join('\n'), setupLine: start }
      // Only blank lines may stand between the comment and its fence.
      while (i + 1 < lines.length && lines[i + 1]!.trim() === '') i++
      if (!/^\s*```/.test(lines[i + 1] ?? ''))
        throw new Error(`${where}: <!-- sample --> must stand right above a fence`)
      continue
    }
    const fence = /^(\s*)(`{3,})\s*([\w-]*)/.exec(line)
    if (fence !== null) {
      const indent = fence[1]!.length
      const marker = fence[2]!
      const language = fence[3]!.toLowerCase()
      const start = i + 1
      const body: string[] = []
      i++
      while (i < lines.length && !lines[i]!.trimStart().startsWith(marker)) {
        body.push(lines[i]!.slice(Math.min(indent, lines[i]!.length - lines[i]!.trimStart().length)))
        i++
      }
      if (i >= lines.length) throw new Error(`${page}:${start}: unclosed code fence`)
      if (SAMPLE_LANGUAGES.has(language)) {
        samples.push({
          page,
          line: start + 1,
          code: body.join('\n'),
          setup: pending?.setup ?? '',
          setupLine: pending?.setupLine ?? 0,
          backend: pending?.attrs.backend,
        })
      } else if (pending !== undefined) {
        throw new Error(`${page}:${start}: a <!-- sample --> comment above a ${language || 'plain'} fence`)
      }
      pending = undefined
    }
  }
  return samples.map((s) => ({ ...s, backend: s.backend ?? pageBackend }))
}
