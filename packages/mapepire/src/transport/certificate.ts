/**
 * Reading a Mapepire server's certificate, for pinning it with `ca`.
 *
 * A Mapepire server usually presents a self-signed certificate. Fetch it once
 * over a channel you trust (or compare its fingerprint with the one the
 * server's administrator gives you), store the PEM, and pass it as `ca`: the
 * client then accepts that server and no other, with verification on.
 */
import { connect, type PeerCertificate } from 'node:tls'
import { ConnectionError, TimeoutError } from '@tributary/core'
import { SYSTEM } from '../errors.ts'

export interface ServerCertificate {
  /** The certificate, PEM encoded: what `ca` takes. */
  pem: string
  /** SHA-256 fingerprint, `AA:BB:…`, to compare with the one the server's administrator reports. */
  fingerprint256: string
  subject: string
  issuer: string
  subjectAltName: string | undefined
  validFrom: string
  validTo: string
}

export interface FetchCertificateOptions {
  host: string
  /** Default 8076. */
  port?: number | undefined
  /** Default 10 s. */
  timeoutMs?: number | undefined
}

/** Connects with TLS without verifying, and returns the certificate the server presented. */
export function fetchServerCertificate(options: FetchCertificateOptions): Promise<ServerCertificate> {
  const port = options.port ?? 8076
  const timeoutMs = options.timeoutMs ?? 10_000
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: options.host,
      port,
      rejectUnauthorized: false,
      servername: isIp(options.host) ? undefined : options.host,
    })
    const timer = setTimeout(() => {
      socket.destroy()
      reject(
        new TimeoutError(`no TLS handshake with ${options.host}:${port} within ${timeoutMs} ms`, {
          system: SYSTEM,
          code: 'CONNECT_TIMEOUT',
        }),
      )
    }, timeoutMs)
    socket.once('secureConnect', () => {
      clearTimeout(timer)
      const certificate = socket.getPeerCertificate(false) as PeerCertificate
      socket.end()
      if (!certificate?.raw) {
        reject(new ConnectionError(`${options.host}:${port} presented no certificate`, { system: SYSTEM }))
        return
      }
      resolve({
        pem: toPem(certificate.raw),
        fingerprint256: certificate.fingerprint256,
        subject: distinguishedName(certificate.subject),
        issuer: distinguishedName(certificate.issuer),
        subjectAltName: certificate.subjectaltname,
        validFrom: certificate.valid_from,
        validTo: certificate.valid_to,
      })
    })
    socket.once('error', (error: Error & { code?: string }) => {
      clearTimeout(timer)
      reject(
        new ConnectionError(`could not read the certificate of ${options.host}:${port}: ${error.message}`, {
          system: SYSTEM,
          code: error.code,
          cause: error,
        }),
      )
    })
  })
}

function toPem(der: Buffer): string {
  const base64 = der.toString('base64').replace(/(.{64})/g, '$1\n')
  return `-----BEGIN CERTIFICATE-----\n${base64.replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`
}

function distinguishedName(name: object | undefined): string {
  if (!name) return ''
  return Object.entries(name as Record<string, string | string[]>)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : v}`)
    .join(', ')
}

function isIp(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':')
}
