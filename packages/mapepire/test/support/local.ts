/** mapepire-local for a test file: started once, on a free port in a temp dir, stopped after. */
import { after, before } from 'node:test'
import { type MapepireLocal, type MapepireLocalOptions, startMapepireLocal } from '@tributary/mapepire-local'
import { createClient, type MapepireClient, type MapepireConfig } from '../../src/index.ts'
import { type StatementLedger, startStatementLedger } from './statement-ledger.ts'

export interface LocalBed {
  local: MapepireLocal
  /** The proxy that records which statements the server holds. */
  ledger: StatementLedger
  /** A client through the ledger (plain ws on loopback to the proxy, TLS from there). */
  client(config?: Partial<MapepireConfig>): MapepireClient
  /** Config for a client straight to the server over TLS, pinned to its certificate. */
  direct(config?: Partial<MapepireConfig>): MapepireConfig
}

export function useMapepireLocal(options: MapepireLocalOptions = {}): LocalBed {
  const clients: MapepireClient[] = []
  const bed = {} as LocalBed
  before(async () => {
    bed.local = await startMapepireLocal({ port: 0, sample: false, ...options })
    bed.ledger = await startStatementLedger(bed.local)
    bed.direct = (config = {}) => ({
      host: bed.local.host,
      port: bed.local.port,
      user: bed.local.user,
      password: bed.local.password,
      ca: bed.local.ca,
      ...config,
    })
    bed.client = (config = {}) => {
      const client = createClient({
        host: bed.ledger.host,
        port: bed.ledger.port,
        tls: false,
        user: bed.local.user,
        password: bed.local.password,
        ...config,
      })
      clients.push(client)
      return client
    }
  })
  after(async () => {
    await Promise.allSettled(clients.map((c) => c.close()))
    await bed.ledger?.close()
    await bed.local?.stop()
  })
  return bed
}
