/**
 * The repository's workspace packages as npm sees them, and npm run the way a user runs it:
 * outside any npm script (no inherited `npm_*` settings), from the machine's npm cache only.
 */
import { execFile } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const run = promisify(execFile)

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))

export interface Manifest {
  name: string
  version: string
  private?: boolean
  license?: string
  type?: string
  sideEffects?: boolean
  engines?: Record<string, string>
  exports?: Record<string, string | Record<string, string>>
  files?: string[]
  scripts?: Record<string, string>
  dependencies?: Record<string, string>
  optionalDependencies?: Record<string, string>
  peerDependencies?: Record<string, string>
  peerDependenciesMeta?: Record<string, { optional?: boolean }>
  bin?: unknown
  [field: string]: unknown
}

export interface WorkspacePackage {
  dir: string
  manifest: Manifest
}

export function readJson<T = Manifest>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T
}

/** Every publishable workspace package, each after the workspace packages it depends on. */
export function workspacePackages(): WorkspacePackage[] {
  const all: WorkspacePackage[] = []
  for (const entry of readdirSync(join(ROOT, 'packages'), { withFileTypes: true })) {
    if (!entry.isDirectory()) continue
    const dir = join(ROOT, 'packages', entry.name)
    let manifest: Manifest
    try {
      manifest = readJson(join(dir, 'package.json'))
    } catch {
      continue
    }
    if (manifest.private !== true) all.push({ dir, manifest })
  }
  const names = new Set(all.map((p) => p.manifest.name))
  const ordered: WorkspacePackage[] = []
  const placed = new Set<string>()
  const visit = (p: WorkspacePackage, path: string[]): void => {
    if (placed.has(p.manifest.name)) return
    if (path.includes(p.manifest.name)) throw new Error(`workspace dependency cycle: ${path.join(' -> ')}`)
    for (const dep of Object.keys(p.manifest.dependencies ?? {})) {
      const target = all.find((q) => q.manifest.name === dep)
      if (target !== undefined && names.has(dep)) visit(target, [...path, p.manifest.name])
    }
    placed.add(p.manifest.name)
    ordered.push(p)
  }
  for (const p of all.sort((a, b) => a.manifest.name.localeCompare(b.manifest.name))) visit(p, [])
  return ordered
}

/** Where npm keeps its cache and settings: the same for the tests' npm and the user's. */
const NPM_LOCATIONS = new Set(['npm_config_cache', 'npm_config_userconfig', 'npm_config_globalconfig'])

/**
 * The environment of a user's shell: none of the settings and package fields that the npm script running the
 * tests exports (`npm_package_*`, `npm_config_local_prefix`, …), but the same npm cache.
 */
export function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    const lower = key.toLowerCase()
    if (
      (lower.startsWith('npm_') && !NPM_LOCATIONS.has(lower)) ||
      key === 'INIT_CWD' ||
      key === 'NODE_OPTIONS'
    ) {
      continue
    }
    env[key] = value
  }
  return env
}

/** npm itself: the CLI the test run was started with, else the one on PATH; run by this Node. */
function npmCommand(): { file: string; args: string[] } {
  const cli = process.env.npm_execpath
  if (cli !== undefined && /npm-cli\.(c?js)$/.test(cli)) return { file: process.execPath, args: [cli] }
  return { file: 'npm', args: [] }
}

export async function npm(args: string[], cwd: string): Promise<string> {
  const { file, args: prefix } = npmCommand()
  try {
    const { stdout } = await run(file, [...prefix, ...args, '--no-audit', '--no-fund'], {
      cwd,
      env: userEnv(),
      maxBuffer: 64 << 20,
      timeout: 300_000,
    })
    return stdout
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string }
    throw new Error(
      `npm ${args.join(' ')} failed in ${cwd}: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`,
    )
  }
}

export interface PackedPackage extends WorkspacePackage {
  /** Absolute path of the .tgz. */
  tarball: string
  integrity: string
  /** Paths inside the tarball, relative to its package root. */
  files: string[]
}

/**
 * `npm pack` for every workspace package, in dependency order (each package's `prepack` builds it, so a
 * package is built after the packages whose declarations it compiles against).
 */
export async function packWorkspaces(destination: string): Promise<PackedPackage[]> {
  const packed: PackedPackage[] = []
  for (const p of workspacePackages()) {
    const out = await npm(
      ['pack', '--json', '--workspace', p.manifest.name, '--pack-destination', destination],
      ROOT,
    )
    const start = out.indexOf('[')
    const [info] = JSON.parse(out.slice(start)) as Array<{
      filename: string
      integrity: string
      files: Array<{ path: string }>
    }>
    packed.push({
      ...p,
      tarball: join(destination, info.filename),
      integrity: info.integrity,
      files: info.files.map((f) => f.path),
    })
  }
  return packed
}

export interface LockEntry {
  name?: string
  version: string
  resolved?: string
  integrity?: string
  license?: string
  dependencies?: Record<string, string>
  optionalDependencies?: Record<string, string>
  peerDependencies?: Record<string, string>
  peerDependenciesMeta?: Record<string, { optional?: boolean }>
  engines?: Record<string, string>
  os?: string[]
  cpu?: string[]
  libc?: string[]
  bin?: unknown
  hasInstallScript?: boolean
  optional?: boolean
  dev?: boolean
  devOptional?: boolean
  peer?: boolean
  link?: boolean
}

/** The repository's package-lock.json `packages` map: the versions the npm cache holds after `npm install`. */
export function repositoryLock(): Record<string, LockEntry> {
  return readJson<{ packages: Record<string, LockEntry> }>(join(ROOT, 'package-lock.json')).packages
}
