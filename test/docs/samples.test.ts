/**
 * Every code sample of the documentation is type-checked and run, as written (plus the hidden setup its page
 * gives it), on the backend its page names. See samples.ts for how a page says what its samples need.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { promisify } from 'node:util'
import { SAMPLE_BACKENDS, type StartedBackend } from './backends.ts'
import { documentationPages, ROOT, type Sample, samplesOf } from './samples.ts'

const run = promisify(execFile)

interface PreparedSample {
  sample: Sample
  file: string
  dir: string
  env: Record<string, string>
  /** Maps a line of the generated file to `page:line`. */
  origin(line: number): string
}

const samples = documentationPages().flatMap((page) => samplesOf(page))

describe('documentation samples', { timeout: 1_800_000 }, () => {
  let work: string
  const started = new Map<string, StartedBackend>()
  const prepared: PreparedSample[] = []
  const typeErrors = new Map<PreparedSample, string[]>()

  /** A sample that could not be prepared (no backend named, an unknown one, a rewrite refused). */
  const problems = new Map<Sample, string>()

  before(async () => {
    const known = Object.keys(SAMPLE_BACKENDS).join(', ')
    for (const sample of samples) {
      if (sample.backend === undefined) {
        problems.set(
          sample,
          `the page does not say what its samples run on: add <!-- samples backend=NAME --> with NAME one of ${known}`,
        )
      } else if (!(sample.backend in SAMPLE_BACKENDS)) {
        problems.set(sample, `unknown backend "${sample.backend}" (known: ${known})`)
      }
    }
    for (const name of new Set(samples.filter((s) => !problems.has(s)).map((s) => s.backend!))) {
      started.set(name, await SAMPLE_BACKENDS[name]!.start())
    }

    // Inside the repository, so `@tributary/*` and the peers resolve as they do for a script of its own.
    mkdirSync(join(ROOT, '.tmp'), { recursive: true })
    work = mkdtempSync(join(ROOT, '.tmp', 'docs-samples-'))
    for (const sample of samples) {
      if (problems.has(sample)) continue
      const name = `${sample.page.replace(/[^\w]+/g, '-')}-${sample.line}`
      const dir = join(work, name)
      mkdirSync(dir)
      let setup: string[]
      let code: string
      let env: Record<string, string>
      try {
        const context = await started.get(sample.backend!)!.forSample()
        setup = sample.setup === '' ? [] : context.rewrite(sample.setup).split('\n')
        code = context.rewrite(sample.code)
        env = context.env
      } catch (error) {
        problems.set(sample, error instanceof Error ? error.message : String(error))
        continue
      }
      const file = join(dir, 'sample.ts')
      writeFileSync(file, [...setup, ...code.split('\n'), 'export {}', ''].join('\n'))
      prepared.push({
        sample,
        file,
        dir,
        env,
        origin: (line) =>
          line <= setup.length
            ? `${sample.page}:${sample.setupLine + line - 1} (hidden setup)`
            : `${sample.page}:${sample.line + line - setup.length - 1}`,
      })
    }

    writeFileSync(
      join(work, 'tsconfig.json'),
      JSON.stringify({
        extends: '../../tsconfig.base.json',
        compilerOptions: { noEmit: true, moduleDetection: 'force' },
        include: ['*/sample.ts'],
      }),
    )
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc')
    let output = ''
    try {
      await run(process.execPath, [tsc, '-p', join(work, 'tsconfig.json'), '--pretty', 'false'], {
        cwd: work,
        maxBuffer: 16 << 20,
      })
    } catch (error) {
      output = (error as { stdout?: string }).stdout ?? String(error)
    }
    let current: PreparedSample | undefined
    for (const line of output.split('\n')) {
      const m = /^(.*?sample\.ts)\((\d+),(\d+)\): (error .*)$/.exec(line)
      if (m !== null) {
        current = prepared.find((p) => p.file === join(work, m[1]!) || p.file === m[1])
        if (current === undefined) throw new Error(`type error outside the samples: ${line}`)
        const list = typeErrors.get(current) ?? []
        list.push(`${current.origin(Number(m[2]))}: ${m[4]}`)
        typeErrors.set(current, list)
      } else if (current !== undefined && line.startsWith(' ')) {
        typeErrors.get(current)!.push(line)
      } else if (line.trim() !== '') {
        throw new Error(`unexpected type checker output: ${line}`)
      }
    }
  })

  after(async () => {
    for (const backend of started.values()) await backend.stop()
    if (work !== undefined) rmSync(work, { recursive: true, force: true })
  })

  test('the pages have samples to run', () => {
    assert.ok(samples.length >= 5, `found ${samples.length} samples`)
    assert.ok(samples.some((s) => s.page === 'README.md'))
  })

  for (const sample of samples) {
    test(`${sample.page}:${sample.line} (${sample.backend ?? 'no backend'})`, async () => {
      const problem = problems.get(sample)
      if (problem !== undefined) assert.fail(`${sample.page}:${sample.line}: ${problem}`)
      const p = prepared.find((x) => x.sample === sample)!
      assert.deepEqual(typeErrors.get(p) ?? [], [], 'type errors')
      const env = { ...process.env, ...p.env }
      try {
        await run(process.execPath, ['--conditions=tributary-source', p.file], {
          cwd: p.dir,
          env,
          timeout: 120_000,
          maxBuffer: 16 << 20,
        })
      } catch (error) {
        const e = error as { code?: unknown; signal?: unknown; stdout?: string; stderr?: string }
        assert.fail(
          `${sample.page}:${sample.line} failed (exit ${String(e.code)}${e.signal ? `, ${String(e.signal)}` : ''})\n` +
            `${e.stdout ?? ''}\n${e.stderr ?? ''}`,
        )
      }
    })
  }
})
