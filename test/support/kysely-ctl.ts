import { execFile } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const run = promisify(execFile)
const ROOT = fileURLToPath(new URL('../..', import.meta.url))

export interface KyselyCtlProject {
  /** Runs kysely-ctl in the project, as its users run it; resolves with what it printed (stdout, then stderr). */
  ctl(...args: string[]): Promise<string>
  /** Removes the project's folder. */
  remove(): void
}

/**
 * A kysely-ctl project in a temporary folder inside the repository (so that its
 * `kysely.config.ts` imports the workspace packages): the config, and one file per
 * migration in `migrations/`. `env` is added to the environment kysely-ctl runs in.
 */
export function kyselyCtlProject(options: {
  prefix: string
  config: string
  migrations: Readonly<Record<string, string>>
  env: Readonly<Record<string, string>>
}): KyselyCtlProject {
  mkdirSync(join(ROOT, '.tmp'), { recursive: true })
  const dir = mkdtempSync(join(ROOT, '.tmp', options.prefix))
  writeFileSync(join(dir, 'kysely.config.ts'), options.config)
  mkdirSync(join(dir, 'migrations'))
  for (const [name, text] of Object.entries(options.migrations))
    writeFileSync(join(dir, 'migrations', name), text)
  const env = { ...process.env, ...options.env, NO_COLOR: '1' }
  const bin = join(ROOT, 'node_modules', 'kysely-ctl', 'dist', 'bin.mjs')
  return {
    async ctl(...args) {
      const { stdout, stderr } = await run(
        process.execPath,
        ['--conditions=tributary-source', bin, ...args, '--no-outdated-check'],
        { cwd: dir, env, timeout: 120_000 },
      )
      return `${stdout}${stderr}`
    },
    remove() {
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
