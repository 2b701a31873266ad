/**
 * A script written inside the repository imports `@tributary/*` right after `npm install`, run with plain
 * `node` (the pinned one): no custom condition, no build step of its own. The workspace packages resolve to
 * their `dist/`, which the root `prepare` script builds during `npm install`.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { promisify } from 'node:util'
import { ROOT, readJson, userEnv, workspacePackages } from './workspace.ts'

const run = promisify(execFile)

const SCRIPT = `import { createClient, DatabaseError } from '@tributary/clickhouse'
import { drizzle } from '@tributary/clickhouse/drizzle'
import { chdb } from '@tributary/clickhouse/embedded'
import { SqlDriver } from '@tributary/core/kysely'
import { iterate } from '@tributary/core/drizzle'
import { sql } from 'drizzle-orm'

const client = createClient({ transport: chdb({ path: './data' }) })
const { rows } = await client.query('SELECT toUInt64(41) + 1 AS n')
const orm = drizzle(client)
let seen = 0
for await (const _row of iterate(orm, sql\`SELECT number FROM system.numbers LIMIT 3\`)) seen += 1
await client.close()
console.log(JSON.stringify({ n: String(rows[0].n), seen, driver: typeof SqlDriver, error: typeof DatabaseError }))
`

let dir: string

before(() => {
  mkdirSync(join(ROOT, '.tmp'), { recursive: true })
  dir = mkdtempSync(join(ROOT, '.tmp', 'script-'))
})
after(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
})

test('npm install builds every workspace package (root prepare script)', () => {
  const root = readJson(join(ROOT, 'package.json'))
  assert.match(root.scripts?.prepare ?? '', /\bnpm run build\b/)
  for (const p of workspacePackages()) {
    assert.ok(root.scripts!.build!.includes(p.manifest.name), `npm run build builds ${p.manifest.name}`)
    const targets = Object.entries(p.manifest.exports ?? {}).filter(
      ([subpath]) => subpath !== './package.json',
    )
    for (const [subpath, value] of targets) {
      const target = (value as Record<string, string>).default!
      assert.ok(existsSync(join(p.dir, target)), `${p.manifest.name} ${subpath}: ${target} was built`)
    }
  }
})

for (const extension of ['mjs', 'ts']) {
  test(`a .${extension} script in the repository imports the packages with plain node`, async () => {
    const file = join(dir, `script.${extension}`)
    writeFileSync(file, SCRIPT)
    const cwd = mkdtempSync(join(dir, 'run-'))
    const { stdout } = await run(process.execPath, [file], { cwd, env: userEnv(), timeout: 120_000 })
    assert.deepEqual(JSON.parse(stdout), { n: '42', seen: 3, driver: 'function', error: 'function' })
  })
}
