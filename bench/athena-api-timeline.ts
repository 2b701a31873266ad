/**
 * Where one GetQueryResults page's time goes on the `api` read path, timed in both processes: athena-local
 * (here, with 50 ms per Athena API call) and the reading client (a child process running the package's own
 * api reader from source). Per page, in order: the client's request written to the socket → the request's
 * arrival in athena-local → its answer written → the answer's first and last bytes at the client → the next
 * page's token found → the next request written. Prints the median, mean and p90 of each step over the pages, and
 * the sockets, chunks and bytes seen.
 * Usage: node --conditions=tributary-source bench/athena-api-timeline.ts [--rows 200000]
 */
import { execFile } from 'node:child_process'
import diagnostics from 'node:diagnostics_channel'
import type { IncomingMessage, ServerResponse } from 'node:http'
import net from 'node:net'
import { loadavg } from 'node:os'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { parseArgs, promisify } from 'node:util'

const LATENCY_MS = 50
const now = () => performance.timeOrigin + performance.now()

interface Write {
  t: number
  done?: number
  bytes: number
  text: string
}
/** Records every socket write of this process: when it was asked for, when the kernel took it, its size. */
function recordWrites(writes: Write[], on: () => boolean): void {
  const proto = net.Socket.prototype as unknown as {
    _writev(chunks: { chunk: Buffer | string }[], cb: (e?: Error) => void): void
    _write(chunk: Buffer | string, encoding: string, cb: (e?: Error) => void): void
  }
  const writev = proto._writev
  const write = proto._write
  const record = (chunks: (Buffer | string)[], cb: (e?: Error) => void) => {
    if (!on()) return cb
    const w: Write = {
      t: now(),
      bytes: chunks.reduce((n, c) => n + Buffer.byteLength(c), 0),
      text: String(chunks[0]).slice(0, 200),
    }
    writes.push(w)
    return (e?: Error) => {
      w.done = now()
      cb(e)
    }
  }
  proto._writev = function (chunks, cb) {
    return writev.call(
      this,
      chunks,
      record(
        chunks.map((c) => c.chunk),
        cb,
      ),
    )
  }
  proto._write = function (chunk, encoding, cb) {
    return write.call(this, chunk, encoding, record([chunk], cb))
  }
}

async function client(): Promise<void> {
  const server = JSON.parse(process.env.TIMELINE_SERVER!) as {
    endpoint: string
    region: string
    credentials: { accessKeyId: string; secretAccessKey: string }
    outputLocation: string
  }
  const rows = Number(process.env.TIMELINE_ROWS)
  const { AwsTransport } = await import('../packages/athena/src/transport/aws.ts')
  const { readThroughApi } = await import('../packages/athena/src/results/api-pages.ts')
  let on = false
  const writes: Write[] = []
  const chunks: { t: number; bytes: number }[] = []
  const tokens: number[] = []
  const pages: number[] = []
  const sockets = new Set<net.Socket>()
  recordWrites(writes, () => on)
  diagnostics.subscribe('net.client.socket', (message) => {
    const s = (message as { socket: net.Socket }).socket
    sockets.add(s)
    s.on('data', (b: Buffer) => {
      if (on) chunks.push({ t: now(), bytes: b.length })
    })
  })
  const transport = new AwsTransport({
    client: { endpoint: server.endpoint, region: server.region, credentials: server.credentials },
  })
  const original = transport.getQueryResults.bind(transport)
  transport.getQueryResults = (queryId, token, max, signal, onNextToken) =>
    original(
      queryId,
      token,
      max,
      signal,
      onNextToken &&
        ((hint) => {
          if (on) tokens.push(now())
          onNextToken(hint)
        }),
    ).then((page) => {
      if (on) pages.push(now())
      return page
    })
  const sql =
    `select x as id, concat('name ', cast(x as varchar)) as name, x * 1.5e0 as amount, ` +
    `cast(x as decimal(12, 2)) / 4 as price, timestamp '2024-01-01 00:00:00.000' as ts ` +
    `from unnest(sequence(1, ${rows})) as t(x)`
  const id = await transport.startQueryExecution({
    QueryString: sql,
    ResultConfiguration: { OutputLocation: server.outputLocation },
  })
  let execution = await transport.getQueryExecution(id)
  while (execution.Status?.State !== 'SUCCEEDED') {
    if (execution.Status?.State === 'FAILED') throw new Error(execution.Status.StateChangeReason)
    await new Promise((r) => setTimeout(r, 20))
    execution = await transport.getQueryExecution(id)
  }
  on = true
  const started = now()
  const reader = await readThroughApi(transport, execution, {})
  let read = 0
  for await (const batch of reader.batches()) read += batch.length
  const ended = now()
  on = false
  transport.destroy()
  console.log(
    JSON.stringify({ rows: read, started, ended, writes, chunks, tokens, pages, sockets: sockets.size }),
  )
}

async function parent(): Promise<void> {
  const { values } = parseArgs({ options: { rows: { type: 'string', default: '200000' } } })
  const { startAthenaLocal } = await import('@tributary/athena-local')
  const local = await startAthenaLocal({ port: 0 })
  local.latency.apiMs = LATENCY_MS
  const serverWrites: Write[] = []
  const calls: { arrived: number; bodyRead?: number; ended?: number; finished?: number; target: string }[] =
    []
  let connections = 0
  recordWrites(serverWrites, () => true)
  diagnostics.subscribe('net.server.socket', () => connections++)
  diagnostics.subscribe('http.server.request.start', (message) => {
    const { request, response } = message as { request: IncomingMessage; response: ServerResponse }
    const call: (typeof calls)[number] = {
      arrived: now(),
      target: String(request.headers['x-amz-target'] ?? ''),
    }
    calls.push(call)
    request.on('end', () => {
      call.bodyRead = now()
    })
    const end = response.end.bind(response) as (...a: unknown[]) => ServerResponse
    response.end = ((...a: unknown[]) => {
      call.ended = now()
      return end(...a)
    }) as typeof response.end
    response.on('finish', () => {
      call.finished = now()
    })
  })
  const load = loadavg()[0]!
  let out: string
  try {
    ;({ stdout: out } = await promisify(execFile)(
      process.execPath,
      [...process.execArgv, fileURLToPath(import.meta.url), '--child'],
      {
        encoding: 'utf8',
        maxBuffer: 1 << 28,
        env: {
          ...process.env,
          TIMELINE_ROWS: values.rows,
          TIMELINE_SERVER: JSON.stringify({
            endpoint: local.endpoint,
            region: local.region,
            credentials: local.credentials,
            outputLocation: local.outputLocation,
          }),
        },
      },
    ))
  } finally {
    await local.stop()
  }
  const c = JSON.parse(out.trim().split('\n').pop()!) as {
    rows: number
    started: number
    ended: number
    writes: Write[]
    chunks: { t: number; bytes: number }[]
    tokens: number[]
    pages: number[]
    sockets: number
  }
  const pageCalls = calls.filter((x) => x.target.endsWith('GetQueryResults'))
  const requests = c.writes.filter((w) => w.text.startsWith('POST'))
  const steps: Record<string, number[]> = {}
  const add = (name: string, ms: number) => {
    steps[name] ??= []
    steps[name].push(ms)
  }
  let chunksPerAnswer = 0
  let answers = 0
  // Page k: request k written, served, answered; its answer's chunks arrive before request k+1 is written.
  for (let k = 0; k + 1 < requests.length && k < pageCalls.length; k++) {
    const w = requests[k]!
    const s = pageCalls[k]!
    const next = requests[k + 1]!
    const own = c.chunks.filter((x) => x.t > s.ended! && x.t < next.t)
    if (own.length === 0 || k === 0) continue
    answers++
    chunksPerAnswer += own.length
    const first = own[0]!.t
    const last = own.at(-1)!.t
    const token = c.tokens.find((t) => t >= last && t <= next.t) ?? Number.NaN
    add('1 request written → arrival (server)', s.arrived - w.t)
    add('2 arrival → body read (server)', s.bodyRead! - s.arrived)
    add('3 arrival → answer written (server, ≥ 50)', s.ended! - s.arrived)
    add('4 answer written → written out (server: kernel took it all)', s.finished! - s.ended!)
    add('5 answer written → first byte (client)', first - s.ended!)
    add('6 first byte → last byte (client)', last - first)
    add('7 last byte → token found (client)', token - last)
    add('8 token found → next request written (client)', next.t - token)
    add('= request written → next request written', next.t - w.t)
  }
  const q = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) * p)]!
  const lines = [
    `athena-local with ${LATENCY_MS} ms per API call, ${c.rows} rows, ${pageCalls.length} GetQueryResults calls, ` +
      `load ${load.toFixed(1)} → ${loadavg()[0]!.toFixed(1)}`,
    `read ${(c.ended - c.started).toFixed(0)} ms = ${((c.ended - c.started) / pageCalls.length).toFixed(2)} ms a page ` +
      `(${((c.ended - c.started) / (pageCalls.length * LATENCY_MS)).toFixed(3)} × pages × ${LATENCY_MS} ms)`,
    `client sockets ${c.sockets}, server connections ${connections}, ` +
      `${(chunksPerAnswer / answers).toFixed(1)} chunks an answer, ` +
      `${(pageCalls.length > 1 ? serverWrites.filter((w) => w.bytes > 10_000).reduce((n, w) => n + w.bytes, 0) / pageCalls.length / 1024 : 0).toFixed(0)} KiB an answer, ` +
      `server writes per answer ${(serverWrites.length / calls.length).toFixed(1)}`,
    '',
    '| step | median ms | mean ms | p90 ms |',
    '| --- | --- | --- | --- |',
    ...Object.entries(steps).map(
      ([name, xs]) =>
        `| ${name} | ${q(xs, 0.5).toFixed(2)} | ${(xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(2)} | ${q(xs, 0.9).toFixed(2)} |`,
    ),
  ]
  console.log(lines.join('\n'))
}

if (process.argv.includes('--child')) await client()
else await parent()
