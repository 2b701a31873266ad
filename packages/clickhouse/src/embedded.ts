export { ChdbTransport, type ChdbTransportOptions, chdb } from './transport/chdb.ts'
