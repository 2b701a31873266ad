#!/usr/bin/env node
// athena-local --port 4566 --data ./athena-data: serves the Athena API and S3 on one port until interrupted.
import { parseArgs } from 'node:util'
import { startAthenaLocal } from './index.ts'

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '4566' },
    host: { type: 'string', default: '127.0.0.1' },
    data: { type: 'string' },
    region: { type: 'string', default: 'us-east-1' },
    'access-key-id': { type: 'string' },
    'secret-access-key': { type: 'string' },
    'output-location': { type: 'string' },
    bucket: { type: 'string', multiple: true },
    workgroup: { type: 'string', multiple: true },
    'api-latency-ms': { type: 'string' },
    'queued-ms': { type: 'string' },
    'no-verify': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
})

if (values.help) {
  process.stdout.write(`athena-local [--port 4566] [--host 127.0.0.1] [--data DIR] [--region us-east-1]
  [--access-key-id ID --secret-access-key KEY] [--output-location s3://bucket/prefix/]
  [--bucket NAME ...] [--workgroup NAME[=s3://bucket/prefix/] ...] [--api-latency-ms N] [--queued-ms N]
  [--no-verify]
`)
  process.exit(0)
}

const credentials =
  values['access-key-id'] && values['secret-access-key']
    ? { accessKeyId: values['access-key-id'], secretAccessKey: values['secret-access-key'] }
    : undefined

const local = await startAthenaLocal({
  port: Number(values.port),
  host: values.host,
  dataDir: values.data,
  region: values.region,
  credentials,
  outputLocation: values['output-location'],
  buckets: values.bucket,
  workGroups: (values.workgroup ?? []).map((w) => {
    const eq = w.indexOf('=')
    return eq < 0 ? { name: w } : { name: w.slice(0, eq), outputLocation: w.slice(eq + 1) }
  }),
  verifySignatures: !values['no-verify'],
  latency: {
    ...(values['api-latency-ms'] ? { apiMs: Number(values['api-latency-ms']) } : {}),
    ...(values['queued-ms'] ? { queuedMs: Number(values['queued-ms']) } : {}),
  },
})

process.stdout.write(
  `${JSON.stringify({ endpoint: local.endpoint, s3Endpoint: local.s3Endpoint, region: local.region, credentials: local.credentials, outputLocation: local.outputLocation, dataDir: local.dataDir })}\n`,
)

const shutdown = () => {
  local.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  )
}
process.on('SIGINT', shutdown)
process.on('SIGTERM', shutdown)
