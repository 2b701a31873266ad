/**
 * A TLS-terminating proxy on loopback, in front of a plain-HTTP backend, with
 * certificates made by `openssl` at test time: a private CA, a server
 * certificate for 127.0.0.1 and a client certificate from that CA, and a second
 * CA that signed nothing the proxy uses. The proxy requires a client
 * certificate from the CA, as a ClickHouse behind mutual TLS would.
 */

import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import tls from 'node:tls'

export interface TestCertificates {
  /** The CA that signed the server and client certificates (PEM). */
  ca: string
  /** A CA that signed neither (PEM). */
  otherCa: string
  serverCert: string
  serverKey: string
  clientCert: string
  clientKey: string
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] })
}

/** Generates the certificates in a temp dir (removed afterwards). Needs the `openssl` command. */
export function makeTestCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'tributary-tls-'))
  try {
    const key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
    for (const name of ['ca', 'other-ca']) {
      openssl(dir, [
        'req',
        '-x509',
        ...key,
        '-keyout',
        `${name}.key`,
        '-out',
        `${name}.crt`,
        '-days',
        '2',
        '-subj',
        `/CN=Tributary test ${name}`,
      ])
      openssl(dir, ['x509', '-in', `${name}.crt`, '-noout']) // fails loudly if the CA is unusable
    }
    const sign = (name: string, subject: string, extensions: string) => {
      writeFileSync(join(dir, `${name}.ext`), extensions)
      openssl(dir, ['req', ...key, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject])
      openssl(dir, [
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        'ca.crt',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-out',
        `${name}.crt`,
        '-days',
        '2',
        '-extfile',
        `${name}.ext`,
      ])
    }
    sign(
      'server',
      '/CN=127.0.0.1',
      'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n',
    )
    sign('client', '/CN=tributary-test-client', 'extendedKeyUsage=clientAuth\n')
    const read = (file: string) => readFileSync(join(dir, file), 'utf8')
    return {
      ca: read('ca.crt'),
      otherCa: read('other-ca.crt'),
      serverCert: read('server.crt'),
      serverKey: read('server.key'),
      clientCert: read('client.crt'),
      clientKey: read('client.key'),
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

export interface TlsProxy {
  /** `https://127.0.0.1:<port>` */
  url: string
  /** TLS connections accepted (handshake completed). */
  readonly connections: number
  /** Everything clients sent through the proxy, as text (request heads are searchable here). */
  readonly received: string
  close(): Promise<void>
}

/** Starts the proxy on a free loopback port, forwarding to `backendUrl` (http://host:port). */
export async function startTlsProxy(backendUrl: string, certificates: TestCertificates): Promise<TlsProxy> {
  const backend = new URL(backendUrl)
  const sockets = new Set<net.Socket>()
  let connections = 0
  let received = ''
  const server = tls.createServer(
    {
      key: certificates.serverKey,
      cert: certificates.serverCert,
      ca: certificates.ca,
      requestCert: true,
      rejectUnauthorized: true,
    },
    (client) => {
      connections++
      const upstream = net.connect(Number(backend.port), backend.hostname)
      sockets.add(client)
      sockets.add(upstream)
      client.on('data', (chunk: Buffer) => {
        if (received.length < 4_000_000) received += chunk.toString('latin1')
      })
      client.pipe(upstream).pipe(client)
      const end = () => {
        client.destroy()
        upstream.destroy()
      }
      client.on('error', end)
      upstream.on('error', end)
      client.on('close', () => {
        sockets.delete(client)
        end()
      })
      upstream.on('close', () => {
        sockets.delete(upstream)
        end()
      })
    },
  )
  // A refused handshake (wrong CA, no client certificate) is the client's failure to observe, not ours.
  server.on('tlsClientError', () => {})
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as net.AddressInfo).port
  return {
    url: `https://127.0.0.1:${port}`,
    get connections() {
      return connections
    },
    get received() {
      return received
    },
    async close() {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
