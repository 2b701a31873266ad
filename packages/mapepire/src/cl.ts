/**
 * CL commands through Mapepire's `cl` request (QCMDEXC on the server). The
 * reply carries the job-log messages the command wrote (SUMMARY, SEVERITY,
 * MESSAGE_ID, …); a failing command fails with `[CPF…]` text, whose id becomes
 * the error's `code`. The server answers `cl` in order with the socket's other
 * requests (it holds up the ones sent after it).
 */
import { ConfigurationError } from '@tributary/core'
import { readColumns, rowDecoder } from './codecs/values.ts'
import { SYSTEM } from './errors.ts'
import type { MapepireJob } from './job.ts'
import type { MapepireResult, StatementContext } from './statement.ts'
import { cancelled } from './statement.ts'

export async function executeCl(
  context: StatementContext,
  job: MapepireJob,
  command: string,
  signal: AbortSignal | undefined,
): Promise<MapepireResult> {
  if (typeof command !== 'string' || command.trim() === '') {
    throw new ConfigurationError('a CL command must be a non-empty string', { system: SYSTEM })
  }
  if (signal?.aborted) throw cancelled(signal, undefined, undefined)
  const id = job.socket.nextId()
  const queryId = job.queryId(id)
  const sent = job.sendStatement({ id, type: 'cl', cmd: command, terse: true })
  let reply: Record<string, unknown>
  if (signal) {
    let onAbort: (() => void) | undefined
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => {
        void context.stopper
          .stop(job, sent, () => context.released(job))
          .then((outcome) => reject(cancelled(signal, queryId, outcome)))
      }
      signal.addEventListener('abort', onAbort, { once: true })
    })
    try {
      reply = await Promise.race([sent, aborted])
    } finally {
      signal.removeEventListener('abort', onAbort!)
    }
  } else {
    reply = await sent
  }
  job.expect(reply, 'cl', queryId)
  const decoder = rowDecoder(readColumns(reply.metadata), context.config.values)
  const rows = Array.isArray(reply.data) ? reply.data.map((row) => decoder.object(row as unknown[])) : []
  return {
    rows,
    columns: decoder.columns.map((c, i) => ({ name: decoder.keys[i]!, type: c.type })),
    queryId,
  }
}
