/**
 * Results stream from PostgreSQL through a portal of the job's connection, in turn with the job's
 * other statements; the job's connection is used one query at a time; fault timers end with the server.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { type MapepireLocal, startMapepireLocal } from '../src/index.ts'
import { RawClient } from './helpers.ts'

let local: MapepireLocal
const warnings: string[] = []
const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`)

before(async () => {
  process.on('warning', onWarning)
  local = await startMapepireLocal({ port: 0, sample: false })
})

after(async () => {
  await local?.stop()
  process.off('warning', onWarning)
})

async function connected(): Promise<RawClient> {
  const client = await RawClient.open(local)
  const reply = await client.connect()
  assert.equal(reply.value.success, true, reply.text)
  return client
}

/** 1..n, with a division by zero at row `failAt` when given. */
function series(n: number, failAt?: number): string {
  const value = failAt === undefined ? 'N' : `N / (N - ${failAt})`
  return `WITH T(N) AS (VALUES 1 UNION ALL SELECT N + 1 FROM T WHERE N < ${n}) SELECT ${value} AS V FROM T`
}

const values = (reply: { value: Record<string, unknown> }) =>
  (reply.value.data as number[][]).map((r) => r[0])

describe('results stream from PostgreSQL', () => {
  test('a row that fails late fails the block that reaches it, not the first one', async () => {
    const client = await connected()
    const first = await client.sql(series(5000, 3000), { rows: 1000, terse: true })
    assert.equal(first.value.success, true, first.text)
    assert.equal((first.value.data as unknown[]).length, 1000)
    assert.equal(first.value.is_done, false)
    const second = await client.request({ type: 'sqlmore', cont_id: first.value.id, rows: 1000, terse: true })
    assert.equal(second.value.success, true, second.text)
    const third = await client.request({ type: 'sqlmore', cont_id: first.value.id, rows: 1000, terse: true })
    assert.equal(third.value.success, false)
    assert.match(String(third.value.error), /SQL0802/)
    // The job goes on.
    const after = await client.sql('VALUES 7', { terse: true })
    assert.deepEqual(after.value.data, [[7]])
    await client.close()
  })

  test("the job's other statements run while a result is open; its rows then go on in order", async () => {
    const client = await connected()
    const first = await client.sql(series(30_000), { rows: 100, terse: true })
    assert.deepEqual(values(first).slice(0, 3), [1, 2, 3])
    // Statements between the blocks, some at once.
    const others = await Promise.all([
      client.sql('VALUES 1', { terse: true }),
      client.request({
        type: 'prepare_sql_execute',
        sql: 'VALUES CAST(? AS INTEGER)',
        parameters: [2],
        terse: true,
      }),
      client.sql(series(10), { rows: 100, terse: true }),
    ])
    for (const reply of others) assert.equal(reply.value.success, true, reply.text)
    assert.deepEqual(values(others[2]!), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    let next = 101
    let done = false
    while (!done) {
      const more = await client.request({ type: 'sqlmore', cont_id: first.value.id, rows: 7000, terse: true })
      assert.equal(more.value.success, true, more.text)
      for (const v of values(more)) assert.equal(v, next++)
      done = more.value.is_done === true
    }
    assert.equal(next, 30_001)
    await client.close()
  })

  test("sqlclose of an open result frees the job's connection", async () => {
    const client = await connected()
    const open = await client.sql(series(1_000_000), { rows: 10, terse: true })
    assert.equal(open.value.is_done, false)
    const close = await client.request({ type: 'sqlclose', cont_id: open.value.id })
    assert.equal(close.value.success, true, close.text)
    const after = await client.sql('VALUES 8', { terse: true })
    assert.deepEqual(after.value.data, [[8]])
    await client.close()
  })

  test('rows <= 0 still answers no rows with is_done false, and the rows follow', async () => {
    const client = await connected()
    const none = await client.sql(series(3), { rows: 0, terse: true })
    assert.deepEqual(none.value.data, [])
    assert.equal(none.value.is_done, false)
    const rest = await client.request({ type: 'sqlmore', cont_id: none.value.id, rows: 10, terse: true })
    assert.deepEqual(values(rest), [1, 2, 3])
    assert.equal(rest.value.is_done, true)
    await client.close()
  })

  test('many sockets and statements at once: each connection runs one query at a time', async () => {
    const clients = await Promise.all(Array.from({ length: 6 }, () => connected()))
    await Promise.all(
      clients.flatMap((client, c) =>
        Array.from({ length: 12 }, async (_, i) => {
          const reply = await client.request({
            type: 'prepare_sql_execute',
            sql: 'VALUES CAST(? AS INTEGER) + 1',
            parameters: [c * 100 + i],
            terse: true,
          })
          assert.deepEqual(reply.value.data, [[c * 100 + i + 1]])
        }),
      ),
    )
    await Promise.all(clients.map((c) => c.close()))
    // pg warns when a client is given a query while it runs one: no connection was.
    assert.deepEqual(
      warnings.filter((w) => /already executing a query/.test(w)),
      [],
    )
  })
})

describe('stop()', () => {
  test('a reply held by a delay fault leaves no timer behind', async () => {
    const server = await startMapepireLocal({ port: 0, sample: false })
    const realSetTimeout = globalThis.setTimeout
    const realClearTimeout = globalThis.clearTimeout
    const long = new Set<NodeJS.Timeout>()
    const cleared = new Set<unknown>()
    globalThis.setTimeout = ((fn: () => void, ms?: number) => {
      const timer = realSetTimeout(fn, ms)
      if (ms === 600_000) long.add(timer)
      return timer
    }) as typeof setTimeout
    globalThis.clearTimeout = ((timer: NodeJS.Timeout | undefined) => {
      cleared.add(timer)
      realClearTimeout(timer)
    }) as typeof clearTimeout
    try {
      const client = await RawClient.open(server)
      assert.equal((await client.connect()).value.success, true)
      server.faults.add({ match: { sql: 'VALUES 42' }, action: 'delay', ms: 600_000 })
      const closed = new Promise<void>((resolve) => client.socket.once('close', () => resolve()))
      client.sendRaw(JSON.stringify({ id: 'held', type: 'sql', sql: 'VALUES 42' }))
      // The reply waits on its timer once the statement has run.
      for (let i = 0; i < 3000 && long.size === 0; i++)
        await new Promise((resolve) => realSetTimeout(resolve, 10))
      assert.equal(long.size, 1, 'the reply is held by its delay timer')
      await server.stop()
      await closed
      for (const timer of long) assert.ok(cleared.has(timer), 'the delay timer was cleared by stop()')
      assert.equal(
        client.replies.some((r) => r.value.id === 'held'),
        false,
      )
    } finally {
      globalThis.setTimeout = realSetTimeout
      globalThis.clearTimeout = realClearTimeout
      await server.stop()
    }
  })
})
