/**
 * The packages as a user gets them: `npm pack` for every workspace package, the tarballs installed into
 * empty projects outside the repository with only what they declare (plus what a user adds: kysely,
 * drizzle-orm, chdb), installed offline from the npm cache, then the documented entry points type-checked
 * and run on embedded chDB.
 */
import assert from 'node:assert/strict'
import { execFile, execFileSync } from 'node:child_process'
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { builtinModules } from 'node:module'
import { tmpdir } from 'node:os'
import { join, posix } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { promisify } from 'node:util'
import { installProject, type Project, tarballManifest } from './project.ts'
import { satisfies } from './semver.ts'
import { type Manifest, type PackedPackage, packWorkspaces, ROOT, readJson, userEnv } from './workspace.ts'

const run = promisify(execFile)
const CONSUMER = join(ROOT, 'test', 'packaging', 'consumer')

/** Runs a file of the project with this Node and no custom conditions, as the user's `node file.ts` would. */
async function runInProject(project: Project, file: string, ...args: string[]): Promise<any> {
  try {
    const { stdout } = await run(process.execPath, [file, ...args], {
      cwd: project.dir,
      env: userEnv(),
      timeout: 120_000,
      maxBuffer: 16 << 20,
    })
    return JSON.parse(stdout.trim().split('\n').pop()!)
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string }
    throw new Error(
      `${file} failed in the installed project: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`,
    )
  }
}

/**
 * Type-checks the project's own .ts files against the installed declarations, library checks included.
 * drizzle-orm's declarations have errors of their own without its other drivers installed (every Drizzle
 * user has `skipLibCheck`), so only errors in our packages' declarations and in the project's files count.
 */
async function typeCheck(project: Project, include = ['*.ts']): Promise<void> {
  writeFileSync(
    join(project.dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2023',
        lib: ['ES2023'],
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        noEmit: true,
        verbatimModuleSyntax: true,
        types: ['node'],
        skipLibCheck: false,
      },
      include,
    }),
  )
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc')
  let output = ''
  try {
    await run(process.execPath, [tsc, '-p', 'tsconfig.json', '--pretty', 'false'], {
      cwd: project.dir,
      timeout: 300_000,
      maxBuffer: 64 << 20,
    })
    return
  } catch (error) {
    const e = error as { stdout?: string; message: string }
    if (e.stdout === undefined) throw error
    output = e.stdout
  }
  const ours: string[] = []
  let keep = false
  for (const line of output.split('\n')) {
    const located = /^(\S[^(]*)\(\d+,\d+\): error /.exec(line)
    if (located !== null) {
      const file = located[1]!
      keep = !file.startsWith('node_modules/') || file.startsWith('node_modules/@tributary/')
    } else if (!line.startsWith(' ')) {
      keep = line.trim() !== ''
    }
    if (keep) ours.push(line)
  }
  assert.equal(ours.join('\n'), '', 'type errors in the installed project')
}

/**
 * A file that imports the types of every entry point of the packed packages (those `keep` selects), so that the
 * type check reads every published declaration file, not only those the programs use.
 */
function writeDeclarationsProbe(
  project: Project,
  packed: PackedPackage[],
  keep: (specifier: string) => boolean,
): void {
  const specifiers = packed.flatMap((p) =>
    Object.keys(p.manifest.exports ?? {})
      .filter((subpath) => subpath !== './package.json')
      .map((subpath) => (subpath === '.' ? p.manifest.name : `${p.manifest.name}/${subpath.slice(2)}`)),
  )
  const lines = specifiers
    .filter(keep)
    .map((specifier, i) => `import type * as entry${i} from '${specifier}'`)
  const names = lines.map((_, i) => `typeof entry${i}`)
  writeFileSync(
    join(project.dir, 'declarations.ts'),
    `${lines.join('\n')}\nexport type EveryEntryPoint = [${names.join(', ')}]\n`,
  )
}

function copyConsumers(project: Project, ...files: string[]): void {
  for (const file of files) cpSync(join(CONSUMER, file), join(project.dir, file))
}

/** The `default` target of every export, following nested conditions. */
function exportTargets(manifest: Manifest): Map<string, string[]> {
  const targets = new Map<string, string[]>()
  const collect = (value: unknown, into: string[]): void => {
    if (typeof value === 'string') into.push(value)
    else if (value !== null && typeof value === 'object')
      for (const v of Object.values(value)) collect(v, into)
  }
  for (const [subpath, value] of Object.entries(manifest.exports ?? {})) {
    const into: string[] = []
    collect(value, into)
    targets.set(subpath, into)
  }
  return targets
}

function defaultTarget(manifest: Manifest, subpath: string): string {
  let value: unknown = manifest.exports?.[subpath]
  while (value !== null && typeof value === 'object') value = (value as Record<string, unknown>).default
  if (typeof value !== 'string') throw new Error(`${manifest.name} export ${subpath} has no default target`)
  return value
}

function packageName(specifier: string): string {
  const parts = specifier.split('/')
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!
}

const BUILTINS = new Set(builtinModules)

/** Bare specifiers a built file imports, split into static imports and dynamic `import('…')`. */
function bareImports(code: string): { static: string[]; dynamic: string[]; relative: string[] } {
  const found = { static: [] as string[], dynamic: [] as string[], relative: [] as string[] }
  const statics =
    /(?:^|[;\n}])\s*(?:import|export)\s*(?:type\s+)?(?:[\w*{}\s,$]+?\s*from\s*)?['"]([^'"]+)['"]/g
  const dynamics = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g
  for (const [, spec] of code.matchAll(statics)) {
    if (spec!.startsWith('.')) found.relative.push(spec!)
    else found.static.push(spec!)
  }
  for (const [, spec] of code.matchAll(dynamics)) {
    if (spec!.startsWith('.')) found.relative.push(spec!)
    else found.dynamic.push(spec!)
  }
  return found
}

/** Bare imports reachable from one built entry file, following its relative static imports. */
function reachableImports(packageDir: string, entry: string): { static: Set<string>; dynamic: Set<string> } {
  const result = { static: new Set<string>(), dynamic: new Set<string>() }
  const seen = new Set<string>()
  const visit = (file: string): void => {
    if (seen.has(file)) return
    seen.add(file)
    const found = bareImports(readFileSync(join(packageDir, file), 'utf8'))
    for (const spec of found.static) result.static.add(spec)
    for (const spec of found.dynamic) result.dynamic.add(spec)
    for (const spec of found.relative) visit(posix.normalize(posix.join(posix.dirname(file), spec)))
  }
  visit(posix.normalize(entry))
  return result
}

function unpack(tarball: string, into: string): string {
  execFileSync('tar', ['-xzf', tarball, '-C', into])
  return join(into, 'package')
}

describe('packed tarballs installed into an empty project', { timeout: 1_200_000 }, () => {
  let work: string
  let packed: PackedPackage[]
  /** What client-alone.ts reported. */
  let alone: any
  const license = readFileSync(join(ROOT, 'LICENSE'), 'utf8')

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'tributary-packaging-'))
    packed = await packWorkspaces(work)
  })
  after(() => {
    if (work !== undefined) rmSync(work, { recursive: true, force: true })
  })

  test('every tarball ships LICENSE, a README, its export targets and nothing stale', () => {
    assert.ok(packed.length >= 2, 'at least core and clickhouse are packed')
    assert.match(license, /^MIT License/)
    for (const p of packed) {
      const name = p.manifest.name
      const manifest = tarballManifest(p.tarball)
      const files = new Set(p.files)
      assert.equal(manifest.license, 'MIT', `${name} license`)
      assert.equal(manifest.type, 'module', `${name} is ESM`)
      assert.equal(manifest.sideEffects, false, `${name} sideEffects`)
      assert.ok(files.has('LICENSE'), `${name} ships LICENSE`)
      assert.equal(
        execFileSync('tar', ['-xzOf', p.tarball, 'package/LICENSE'], { encoding: 'utf8' }),
        license,
      )
      assert.ok(files.has('README.md'), `${name} ships README.md`)
      assert.match(manifest.engines?.node ?? '', /^>=\d+\.\d+\.\d+$/, `${name} engines.node`)
      for (const [subpath, targets] of exportTargets(manifest)) {
        for (const target of targets) {
          assert.ok(
            files.has(posix.normalize(target)),
            `${name} export ${subpath} -> ${target} is in the tarball`,
          )
        }
        if (subpath !== './package.json') {
          const types = (manifest.exports?.[subpath] as Record<string, string> | undefined)?.types
          assert.ok(types?.endsWith('.d.ts'), `${name} export ${subpath} has types`)
        }
      }
      const bins = typeof manifest.bin === 'string' ? [manifest.bin] : Object.values(manifest.bin ?? {})
      for (const bin of bins as string[]) {
        assert.ok(files.has(posix.normalize(bin)), `${name} bin ${bin} is in the tarball`)
      }
      // dist/ is built from src/ just now: every built module has its source (no leftovers of removed files).
      for (const file of p.files.filter((f) => f.startsWith('dist/') && f.endsWith('.js'))) {
        const source = `src/${file.slice('dist/'.length, -'.js'.length)}.ts`
        assert.ok(files.has(source), `${name}: ${file} has no source ${source}`)
      }
    }
  })

  test('each entry point imports only what its package declares; the root entry only what it requires', () => {
    const unpacked = mkdtempSync(join(work, 'unpacked-'))
    for (const p of packed) {
      const manifest = tarballManifest(p.tarball)
      const dir = unpack(p.tarball, mkdtempSync(join(unpacked, 'p-')))
      const dependencies = new Set(Object.keys(manifest.dependencies ?? {}))
      const peers = Object.keys(manifest.peerDependencies ?? {})
      const requiredPeers = new Set(
        peers.filter((n) => manifest.peerDependenciesMeta?.[n]?.optional !== true),
      )
      for (const subpath of Object.keys(manifest.exports ?? {})) {
        if (subpath === './package.json') continue
        const imports = reachableImports(dir, defaultTarget(manifest, subpath))
        for (const spec of [...imports.static, ...imports.dynamic]) {
          const dep = packageName(spec)
          if (dep.startsWith('node:') || BUILTINS.has(dep)) continue
          assert.ok(
            dependencies.has(dep) || peers.includes(dep),
            `${manifest.name} ${subpath} imports ${spec}, which is neither a dependency nor a peer`,
          )
          if (subpath === '.' && imports.static.has(spec)) {
            assert.ok(
              dependencies.has(dep) || requiredPeers.has(dep),
              `${manifest.name} imports ${spec} when it loads, so ${dep} must be a dependency or a required peer`,
            )
          }
        }
      }
    }
  })

  test('with only @tributary/clickhouse installed, its root and embedded entry points load', async () => {
    const project = await installProject(join(work, 'alone'), packed, { install: ['@tributary/clickhouse'] })
    assert.ok(project.installed.has('kysely'), 'npm installs the required peer kysely')
    assert.ok(!project.installed.has('chdb') && !project.installed.has('drizzle-orm'))
    copyConsumers(project, 'entry-points.ts', 'client-alone.ts')
    const entries = await runInProject(project, 'entry-points.ts', '@tributary/clickhouse', '@tributary/core')
    assert.deepEqual(entries['@tributary/clickhouse'], { ok: true })
    assert.deepEqual(entries['@tributary/clickhouse/embedded'], { ok: true })
    assert.deepEqual(entries['@tributary/core'], { ok: true })
    // The Drizzle entry points need the optional peer the user adds for Drizzle, and say so.
    assert.equal(entries['@tributary/clickhouse/drizzle'].missing, 'drizzle-orm')
    assert.equal(entries['@tributary/core/drizzle'].missing, 'drizzle-orm')
    alone = await runInProject(project, 'client-alone.ts')
    assert.equal(alone.databaseError, true)
    assert.equal(alone.configurationError, true)
    assert.match(alone.message, /npm i chdb/)
  })

  test('closing that client afterwards does not throw the load error again', () => {
    assert.equal(alone?.closeError, null)
  })

  describe('with kysely, drizzle-orm and chdb added', () => {
    let project: Project

    before(async () => {
      const names = packed.map((p) => p.manifest.name)
      project = await installProject(join(work, 'full'), packed, {
        install: names,
        add: ['kysely', 'drizzle-orm', 'chdb', '@types/node'],
      })
      copyConsumers(project, 'entry-points.ts', 'client.ts', 'kysely.ts', 'drizzle.ts')
      cpSync(join(project.dir, 'node_modules', '@tributary', 'core'), join(project.dir, 'second-core'), {
        recursive: true,
      })
    })

    test('every dialect package depends on @tributary/core, and one copy of it serves them all', () => {
      for (const p of packed) {
        if (p.manifest.name === '@tributary/core' || !p.manifest.name.startsWith('@tributary/')) continue
        if (p.manifest.name.endsWith('-local')) continue // local test servers, not dialects
        assert.ok('@tributary/core' in (p.manifest.dependencies ?? {}), `${p.manifest.name} depends on core`)
        const nested = join(
          project.dir,
          'node_modules',
          p.manifest.name,
          'node_modules',
          '@tributary',
          'core',
        )
        assert.ok(!existsSync(nested), `${p.manifest.name} got a copy of core of its own`)
      }
    })

    test('engines.node is no looser than any installed dependency needs', () => {
      for (const p of packed) {
        const floor = p.manifest.engines!.node!.slice(2)
        const needs = [
          ...Object.keys(p.manifest.dependencies ?? {}),
          ...Object.keys(p.manifest.peerDependencies ?? {}),
        ]
        for (const dep of needs) {
          let manifest: Manifest
          try {
            manifest = readJson(join(project.dir, 'node_modules', dep, 'package.json'))
          } catch {
            continue // an optional peer this project did not add
          }
          const range = manifest.engines?.node
          if (range === undefined) continue
          assert.ok(satisfies(floor, range), `${p.manifest.name} allows Node ${floor}, ${dep} needs ${range}`)
        }
      }
    })

    test('every exported entry point loads', async () => {
      const entries = await runInProject(project, 'entry-points.ts', ...packed.map((p) => p.manifest.name))
      for (const [specifier, result] of Object.entries(entries)) {
        assert.deepEqual(result, { ok: true }, specifier)
      }
      assert.ok('@tributary/clickhouse/drizzle' in entries)
    })

    test('the programs and every published declaration type-check', async () => {
      writeDeclarationsProbe(project, packed, () => true)
      await typeCheck(project)
    })

    test('client: a query, a stream and typed errors, recognised by a second copy of core', async () => {
      const out = await runInProject(project, 'client.ts')
      assert.equal(out.n, '9007199254740993')
      assert.equal(out.nType, 'bigint')
      assert.equal(out.s, "it's")
      assert.equal(out.streamed, String((9999 * 10000) / 2))
      assert.equal(out.name, 'ServerError')
      assert.equal(out.code, '60')
      assert.equal(out.codeType, 'string')
      assert.equal(out.databaseError, true)
      assert.equal(out.serverError, true)
      assert.equal(out.coreDatabaseError, true)
      assert.equal(out.sameClass, true)
      assert.equal(out.secondCopyDistinct, true)
      assert.equal(out.secondCopyDatabaseError, true)
      assert.equal(out.secondCopyServerError, true)
      assert.equal(out.secondCopyNotConnectionError, true)
    })

    test('Kysely (the locked 0.29)', async () => {
      assert.match(project.installed.get('kysely')!, /^0\.29\./)
      const out = await runInProject(project, 'kysely.ts')
      assert.deepEqual(out, {
        people: [
          ['1', 'Ada', 36],
          ['2', 'Grace', null],
        ],
        idType: 'bigint',
        adults: '1',
        streamed: 2,
      })
    })

    test('Drizzle', async () => {
      const out = await runInProject(project, 'drizzle.ts')
      assert.deepEqual(out, { rows: [['2', 'bob', 40]], found: ['1', 'ann', null], iterated: 2 })
    })

    describe('Kysely 0.28, the oldest the peer range allows', () => {
      before(async () => {
        project = await installProject(project.dir, packed, {
          install: packed.map((p) => p.manifest.name),
          add: ['kysely', 'drizzle-orm', 'chdb', '@types/node'],
          from: { kysely: 'node_modules/kysely-0.28' },
        })
        rmSync(join(project.dir, 'data'), { recursive: true, force: true })
      })

      test('runs the Kysely program', async () => {
        assert.match(
          readJson(join(project.dir, 'node_modules', 'kysely', 'package.json')).version,
          /^0\.28\./,
        )
        const out = await runInProject(project, 'kysely.ts')
        assert.deepEqual(out, {
          people: [
            ['1', 'Ada', 36],
            ['2', 'Grace', null],
          ],
          idType: 'bigint',
          adults: '1',
          streamed: 2,
        })
      })

      test('it and the declarations of every entry point but Drizzle ones type-check', async () => {
        writeDeclarationsProbe(project, packed, (specifier) => !specifier.endsWith('/drizzle'))
        await typeCheck(project, ['kysely.ts', 'declarations.ts'])
      })
    })
  })
})
