#!/usr/bin/env node
/**
 * mapepire-local [--port N] [--host H] [--user U] [--password P] [--no-tls] [--no-sample] [--ca-file PATH]
 * Starts the server and prints where it listens; Ctrl-C stops it and removes its PostgreSQL cluster.
 */

import { writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { startMapepireLocal } from './start.ts'

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8076' },
    host: { type: 'string', default: '127.0.0.1' },
    user: { type: 'string' },
    password: { type: 'string' },
    'no-tls': { type: 'boolean', default: false },
    'no-sample': { type: 'boolean', default: false },
    'ca-file': { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
})

if (values.help) {
  process.stdout.write(
    'usage: mapepire-local [--port 8076] [--host 127.0.0.1] [--user MAPEPIRE] [--password P] [--no-tls] [--no-sample] [--ca-file PATH]\n',
  )
  process.exit(0)
}

// Signals are handled from the start, so a stop requested while starting (or the moment the address is
// printed) still removes the cluster.
let stopRequested = false
let running: Awaited<ReturnType<typeof startMapepireLocal>> | undefined
const stop = async () => {
  if (stopRequested) return
  stopRequested = true
  if (running) {
    await running.stop()
    process.exit(0)
  }
}
process.on('SIGINT', stop)
process.on('SIGTERM', stop)

const local = await startMapepireLocal({
  port: Number(values.port),
  host: values.host,
  ...(values.user ? { user: values.user } : {}),
  ...(values.password ? { password: values.password } : {}),
  tls: !values['no-tls'],
  sample: values['no-sample'] ? false : 'SAMPLE',
})
running = local
if (stopRequested) {
  await local.stop()
  process.exit(0)
}
if (values['ca-file'] && local.ca) writeFileSync(values['ca-file'], local.ca)
process.stdout.write(
  `${JSON.stringify({ url: local.url, host: local.host, port: local.port, user: local.user, password: local.password, ca: local.ca ?? null }, null, 2)}\n`,
)
