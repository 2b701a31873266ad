import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { after, before, describe, test } from 'node:test'
import { type ClickHouseServer, startClickHouseServer } from './clickhouse-server.ts'

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

async function serverPid(server: ClickHouseServer): Promise<number> {
  // 18.16 has no pid in system tables; the data dir's status file records it.
  const { readFileSync } = await import('node:fs')
  const status = readFileSync(`${server.dir}/data/status`, 'utf8')
  const match = /PID:\s*(\d+)/.exec(status)
  assert.ok(match, `status file has a PID: ${status}`)
  return Number(match[1])
}

describe('Debian clickhouse-server test server', () => {
  let server: ClickHouseServer

  before(async () => {
    server = await startClickHouseServer()
  })

  after(async () => {
    await server?.stop()
  })

  test('answers /ping with Ok.', async () => {
    const response = await fetch(`${server.url}/ping`)
    assert.equal(response.status, 200)
    assert.equal(await response.text(), 'Ok.\n')
  })

  test('reports version 18.16.x', async () => {
    assert.match(server.version, /^18\.16\.\d+/)
    const response = await fetch(`${server.url}/?query=${encodeURIComponent('SELECT version()')}`)
    assert.equal((await response.text()).trim(), server.version)
  })

  // 18.16 has no currentUser(): the user shows in system.processes for the running query itself.
  const whoAmI = "SELECT user FROM system.processes WHERE query LIKE '%who-am-i-probe%'"

  test('default user needs no password', async () => {
    const response = await fetch(`${server.url}/?query=${encodeURIComponent(whoAmI)}`)
    assert.equal(response.status, 200)
    assert.equal((await response.text()).trim(), 'default')
  })

  test('tributary user authenticates with Basic and with X-ClickHouse headers', async () => {
    const basic = Buffer.from(`${server.username}:${server.password}`).toString('base64')
    const viaBasic = await fetch(`${server.url}/?query=${encodeURIComponent(whoAmI)}`, {
      headers: { Authorization: `Basic ${basic}` },
    })
    assert.equal(viaBasic.status, 200)
    assert.equal((await viaBasic.text()).trim(), server.username)

    const viaHeaders = await fetch(`${server.url}/?query=${encodeURIComponent(whoAmI)}`, {
      headers: { 'X-ClickHouse-User': server.username, 'X-ClickHouse-Key': server.password },
    })
    assert.equal(viaHeaders.status, 200)
    assert.equal((await viaHeaders.text()).trim(), server.username)
  })

  test('a wrong password is rejected with an exception code', async () => {
    const response = await fetch(`${server.url}/?query=${encodeURIComponent('SELECT 1')}`, {
      headers: { 'X-ClickHouse-User': server.username, 'X-ClickHouse-Key': 'wrong' },
    })
    // 18.16 answers 401 with the old error layout and no X-ClickHouse-Exception-Code header.
    assert.equal(response.status, 401)
    const body = await response.text()
    assert.match(body, /^Code: 193, e\.displayText\(\) = DB::Exception: Wrong password for user tributary/)
    assert.ok(!body.includes(server.password))
  })

  test('restart keeps data and serves again; stop leaves no process and no dir', async () => {
    await fetch(`${server.url}/`, { method: 'POST', body: 'CREATE TABLE keep (x UInt8) ENGINE = TinyLog' })
    await fetch(`${server.url}/`, { method: 'POST', body: 'INSERT INTO keep VALUES (7)' })
    server.kill()
    await server.restart()
    const response = await fetch(`${server.url}/?query=${encodeURIComponent('SELECT x FROM keep')}`)
    assert.equal((await response.text()).trim(), '7')

    const pid = await serverPid(server)
    assert.ok(processAlive(pid))
    await server.stop()
    assert.equal(processAlive(pid), false)
    assert.equal(existsSync(server.dir), false)
    await assert.rejects(fetch(`${server.url}/ping`))
  })
})
