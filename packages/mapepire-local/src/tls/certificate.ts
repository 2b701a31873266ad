/**
 * The server certificate: one self-signed leaf for CN=localhost with SAN DNS:localhost and
 * IP:127.0.0.1, as the real server generates by default. A client trusts it by passing the
 * certificate itself as `ca` (mapepire-js's getRootCertificate returns exactly this leaf).
 */

import selfsigned from 'selfsigned'

export interface ServerCertificate {
  cert: string
  key: string
}

export async function createServerCertificate(hosts: {
  dns: string[]
  ips: string[]
}): Promise<ServerCertificate> {
  const now = Date.now()
  const pems = await selfsigned.generate([{ name: 'commonName', value: 'localhost' }], {
    keySize: 2048,
    algorithm: 'sha256',
    notBeforeDate: new Date(now - 60_000),
    notAfterDate: new Date(now + 365 * 24 * 3600 * 1000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          ...hosts.dns.map((value) => ({ type: 2 as const, value })),
          ...hosts.ips.map((ip) => ({ type: 7 as const, ip })),
        ],
      },
    ],
  })
  return { cert: pems.cert, key: pems.private }
}
