/** Starting and stopping: nothing is left behind; the CLI; plain ws. */
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { startMapepireLocal } from '../src/index.ts'
import { RawClient } from './helpers.ts'

function postgresProcessesUnder(dir: string): string[] {
  const ps = spawnSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' })
  return ps.stdout.split('\n').filter((line) => line.includes(dir))
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port })
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

test('stop() leaves no process, socket or temp dir behind', async () => {
  const before = new Set(readdirSync(tmpdir()).filter((n) => n.startsWith('mapepire-local-pg-')))
  const local = await startMapepireLocal({ port: 0, sample: false })
  const created = readdirSync(tmpdir()).filter((n) => n.startsWith('mapepire-local-pg-') && !before.has(n))
  assert.equal(created.length, 1)
  const dir = join(tmpdir(), created[0]!)
  assert.ok(postgresProcessesUnder(dir).length > 0, 'postgres runs from the temp dir')
  const client = await RawClient.open(local)
  await client.connect()
  assert.equal((await client.sql('values 1')).value.success, true)
  await local.stop()
  assert.equal(existsSync(dir), false)
  assert.deepEqual(postgresProcessesUnder(dir), [])
  assert.equal(await portOpen(local.port), false)
  await local.stop() // idempotent
})

test('tls: false serves plain ws://', async () => {
  const local = await startMapepireLocal({ port: 0, sample: false, tls: false })
  try {
    assert.match(local.url, /^ws:\/\//)
    assert.equal(local.ca, undefined)
    const client = await RawClient.open(local)
    assert.equal((await client.connect()).value.success, true)
    await client.close()
  } finally {
    await local.stop()
  }
})

test('the CLI prints where it listens and stops on SIGTERM', async () => {
  const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url))
  const child = spawn(
    process.execPath,
    ['--conditions=tributary-source', cli, '--port', '0', '--no-sample', '--password', 'clipw'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      // A child that inherits the test runner's context reports to it instead of running plainly.
      env: Object.fromEntries(Object.entries(process.env).filter(([key]) => key !== 'NODE_TEST_CONTEXT')),
    },
  )
  let out = ''
  child.stdout.on('data', (chunk) => {
    out += chunk
  })
  const info = await new Promise<{ url: string; port: number; user: string; password: string; ca: string }>(
    (resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`CLI did not start: ${out}`)), 60_000)
      child.stdout.on('data', () => {
        try {
          const parsed = JSON.parse(out)
          clearTimeout(timer)
          resolve(parsed)
        } catch {
          // not complete yet
        }
      })
      child.once('exit', (code) => reject(new Error(`CLI exited ${code}`)))
    },
  )
  assert.equal(info.user, 'MAPEPIRE')
  assert.equal(info.password, 'clipw')
  assert.match(info.ca, /BEGIN CERTIFICATE/)
  const exited = new Promise<number | string | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal)),
  )
  child.kill('SIGTERM')
  assert.equal(await exited, 0)
  assert.equal(await portOpen(info.port), false)
})

test('a cluster does not outlive a process that is killed outright', async () => {
  const cluster = fileURLToPath(new URL('../src/postgres/cluster.ts', import.meta.url))
  const script = `import { startPostgresCluster } from ${JSON.stringify(cluster)}
const c = await startPostgresCluster()
process.stdout.write(c.socketDir + '\\n')
setInterval(() => {}, 1000)`
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const dir = await new Promise<string>((resolve, reject) => {
    let out = ''
    child.stdout.on('data', (chunk) => {
      out += chunk
      if (out.includes('\n')) resolve(out.trim())
    })
    child.once('exit', (code) => reject(new Error(`child exited ${code}`)))
  })
  assert.ok(existsSync(dir))
  assert.ok(postgresProcessesUnder(dir).length > 0)
  child.kill('SIGKILL')
  const deadline = Date.now() + 15_000
  while ((existsSync(dir) || postgresProcessesUnder(dir).length > 0) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200))
  }
  assert.equal(existsSync(dir), false)
  assert.deepEqual(postgresProcessesUnder(dir), [])
})
