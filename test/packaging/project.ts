/**
 * A user's project in a temporary directory, installed from packed tarballs with npm.
 *
 * npm resolves new version ranges only from full registry metadata, while `npm install` of the repository
 * leaves just the abbreviated metadata and the tarballs in the cache. So the project gets a lock file, and
 * `npm ci --offline` installs exactly it from the cache, with no registry in reach. The lock is computed here
 * the way npm would resolve it: the project's dependencies, then each package's `dependencies`, its
 * required peers and the platform packages the repository installed for its optional dependencies, at the
 * versions the repository's lock holds. Nothing else is there, so a package that imports something it does not
 * declare fails as it would for a user.
 */
import { execFileSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { type LockEntry, type Manifest, npm, type PackedPackage, ROOT, repositoryLock } from './workspace.ts'

export interface ProjectSpec {
  /** Workspace packages the user installs (by name); their workspace dependencies come from `tarballs` too. */
  install: string[]
  /** Third-party packages the user adds, each at the version the repository's lock holds. */
  add?: string[]
  /** Lock keys to take a package from instead of `node_modules/<name>` (an npm alias such as `kysely-0.28`). */
  from?: Record<string, string>
}

export interface Project {
  dir: string
  /** Name -> version of every package installed. */
  installed: Map<string, string>
}

export function tarballManifest(tarball: string): Manifest {
  return JSON.parse(execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }))
}

function lockFields(manifest: Manifest): LockEntry {
  const entry: LockEntry = { version: manifest.version }
  if (manifest.license !== undefined) entry.license = manifest.license
  for (const field of [
    'dependencies',
    'optionalDependencies',
    'peerDependencies',
    'peerDependenciesMeta',
    'engines',
  ] as const) {
    if (manifest[field] !== undefined) (entry as unknown as Record<string, unknown>)[field] = manifest[field]
  }
  const scripts = manifest.scripts ?? {}
  if (scripts.preinstall || scripts.install || scripts.postinstall) entry.hasInstallScript = true
  return entry
}

function requiredPeers(entry: LockEntry): string[] {
  return Object.keys(entry.peerDependencies ?? {}).filter(
    (n) => entry.peerDependenciesMeta?.[n]?.optional !== true,
  )
}

/** Writes package.json and package-lock.json for `spec` into `dir` and runs `npm ci --offline` there. */
export async function installProject(
  dir: string,
  packed: PackedPackage[],
  spec: ProjectSpec,
): Promise<Project> {
  mkdirSync(dir, { recursive: true })
  const repoLock = repositoryLock()
  const byName = new Map(packed.map((p) => [p.manifest.name, p]))
  const from = spec.from ?? {}
  const packages: Record<string, LockEntry> = {}
  const installed = new Map<string, string>()
  const rootDependencies: Record<string, string> = {}

  const tarballCopy = (p: PackedPackage): string => {
    const target = join(dir, 'tarballs', p.tarball.split('/').pop()!)
    mkdirSync(join(dir, 'tarballs'), { recursive: true })
    cpSync(p.tarball, target)
    return `file:${relative(dir, target)}`
  }

  /** Repository-lock location of each workspace package (`packages/clickhouse`). */
  const workspaceDirs = new Map<string, string>()
  for (const p of packed) {
    const link = repoLock[`node_modules/${p.manifest.name}`]
    workspaceDirs.set(p.manifest.name, link?.resolved ?? relative(ROOT, p.dir))
  }

  /** Where Node finds `name` from the package at `from` in the repository's tree (its own node_modules first). */
  const repoLocation = (from: string, name: string): string | undefined => {
    let base = from
    for (;;) {
      const candidate = `${base === '' ? '' : `${base}/`}node_modules/${name}`
      if (repoLock[candidate] !== undefined) return candidate
      if (base === '') return undefined
      const nested = base.lastIndexOf('/node_modules/')
      base = nested >= 0 ? base.slice(0, nested) : ''
    }
  }

  /** The same place in the project's tree: a workspace package's own node_modules move along with it. */
  const projectLocation = (repo: string): string => {
    for (const [name, dir] of workspaceDirs) {
      if (repo === dir) return `node_modules/${name}`
      if (repo.startsWith(`${dir}/`)) return `node_modules/${name}${repo.slice(dir.length)}`
    }
    return repo
  }

  const placed = new Set<string>()
  const place = (name: string, fromRepo: string, requiredBy: string, optional = false): void => {
    const ours = byName.get(name)
    let repo: string
    let entry: LockEntry
    if (ours !== undefined) {
      repo = workspaceDirs.get(name)!
      entry = {
        ...lockFields(tarballManifest(ours.tarball)),
        resolved: tarballCopy(ours),
        integrity: ours.integrity,
      }
    } else {
      const found = repoLocation(fromRepo, name)
      if (found === undefined) {
        if (!optional)
          throw new Error(`${name} (needed by ${requiredBy}) is not in the repository's package-lock.json`)
        return
      }
      repo = found
      const locked = repoLock[found === `node_modules/${name}` && from[name] ? from[name]! : found]!
      // `name` is set on aliases (kysely-0.28 -> kysely); the project installs the package under its own name.
      const { dev, devOptional, peer, optional: _optional, link, name: _alias, ...rest } = locked
      if (link) throw new Error(`${name} (needed by ${requiredBy}) is a link in the repository's lock`)
      entry = rest
    }
    const at = projectLocation(repo)
    if (placed.has(at)) {
      if (!optional) delete packages[at]!.optional
      return
    }
    placed.add(at)
    if (optional) entry.optional = true
    packages[at] = entry
    if (at === `node_modules/${name}`) installed.set(name, entry.version)
    for (const dep of Object.keys(entry.dependencies ?? {})) place(dep, repo, name)
    for (const peer of requiredPeers(entry)) place(peer, repo, name)
    for (const [dep, version] of Object.entries(entry.optionalDependencies ?? {})) {
      if (repoLocation(repo, dep) !== undefined) place(dep, repo, name, true)
      else {
        // Another platform's build, which the repository's install skipped and the cache does not hold: npm
        // wants it in the lock, fails to fetch it offline and, since it is optional, goes on without it.
        packages[`node_modules/${dep}`] ??= { version, optional: true }
      }
    }
  }

  for (const name of spec.install) {
    const ours = byName.get(name)
    if (ours === undefined) throw new Error(`${name} is not a workspace package`)
    rootDependencies[name] = tarballCopy(ours)
  }
  for (const name of spec.add ?? []) {
    const locked = repoLock[from[name] ?? `node_modules/${name}`]
    if (locked === undefined) throw new Error(`${name} is not in the repository's package-lock.json`)
    rootDependencies[name] = locked.version
  }
  for (const name of Object.keys(rootDependencies)) place(name, '', 'the project')

  const manifest = { name: 'tributary-user-project', version: '1.0.0', private: true, type: 'module' }
  writeFileSync(
    join(dir, 'package.json'),
    `${JSON.stringify({ ...manifest, dependencies: rootDependencies }, null, 2)}\n`,
  )
  writeFileSync(
    join(dir, 'package-lock.json'),
    `${JSON.stringify(
      {
        name: manifest.name,
        version: manifest.version,
        lockfileVersion: 3,
        requires: true,
        packages: {
          '': { name: manifest.name, version: manifest.version, dependencies: rootDependencies },
          ...packages,
        },
      },
      null,
      2,
    )}\n`,
  )
  // A project installed before is brought to the new lock in place (chDB's engine is not unpacked again).
  await npm([existsSync(join(dir, 'node_modules')) ? 'install' : 'ci', '--offline'], dir)
  return { dir, installed }
}
