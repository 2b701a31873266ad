/**
 * The CL commands this server runs (QCMDEXC / the `cl` request), with real effects on the job:
 * library list, current library, object locks, delays, libraries. Each command logs the job
 * messages a real one logs; failures end with the escape message QCMDEXC reports (SQL0443,
 * SQLSTATE 38501, the message text in the error).
 */

import { SqlError } from '../db2/errors.ts'
import { pgName, quotePg } from '../db2/names.ts'
import type { Job, JobLogEntry } from '../job/job.ts'
import { LOCK_STATES, type LockState } from '../job/object-locks.ts'
import {
  type ClCommand,
  ClSyntaxError,
  type ClValue,
  flatValues,
  parseCommand,
  singleValue,
} from './parser.ts'

export interface ClOutcome {
  error?: SqlError
  /** Job log entries written while the command ran. */
  entries: JobLogEntry[]
}

interface CommandDefinition {
  /** Parameter keywords in positional order. */
  parameters: string[]
  run(job: Job, args: Map<string, ClValue[]>): Promise<void>
}

/** An escape message: the command failed. */
class Escape extends Error {
  readonly id: string
  constructor(id: string, text: string) {
    super(text)
    this.id = id
  }
}

function diagnostic(job: Job, id: string, text: string): void {
  job.log(id, 'DIAGNOSTIC', 40, text)
}

function completion(job: Job, id: string, text: string): void {
  job.log(id, 'COMPLETION', 0, text)
}

function requireValue(args: Map<string, ClValue[]>, keyword: string, command: string): string {
  const value = singleValue(args.get(keyword))
  if (value === undefined)
    throw new Escape('CPD0071', `Parameter ${keyword} required for command ${command}.`)
  return value
}

function splitQualified(name: string): { library: string; object: string } {
  const slash = name.indexOf('/')
  if (slash < 0) return { library: '*LIBL', object: name }
  return { library: name.slice(0, slash), object: name.slice(slash + 1) }
}

async function libraryExists(job: Job, library: string): Promise<boolean> {
  return job.schemaExists(library)
}

async function resolveLibrary(job: Job, library: string, object: string): Promise<string | undefined> {
  if (library !== '*LIBL' && library !== '*CURLIB') return library
  const candidates = [
    ...(job.currentLibrary ? [job.currentLibrary] : []),
    ...job.libraryList,
    ...(job.props.naming === 'sql' ? [job.defaultSchema] : []),
    'QGPL',
  ]
  for (const lib of candidates) if ((await job.systemObjectName(lib, object)) !== undefined) return lib
  return undefined
}

const COMMANDS: Record<string, CommandDefinition> = {
  ADDLIBLE: {
    parameters: ['LIB', 'POSITION'],
    async run(job, args) {
      const lib = requireValue(args, 'LIB', 'ADDLIBLE')
      if (!(await libraryExists(job, lib))) {
        diagnostic(job, 'CPF2110', `Library ${lib} not found.`)
        throw new Escape('CPF2110', `Library ${lib} not found.`)
      }
      if (job.libraryList.includes(lib)) {
        throw new Escape('CPF2103', `Library ${lib} already exists in library list.`)
      }
      const position = flatValues(args.get('POSITION'))
      const list = [...job.libraryList]
      const where = position[0] ?? '*FIRST'
      if (where === '*LAST') list.push(lib)
      else if (where === '*AFTER' || where === '*BEFORE' || where === '*REPLACE') {
        const ref = position[1] ?? ''
        const at = list.indexOf(ref)
        if (at < 0) throw new Escape('CPF2104', `Library ${ref} not removed from the library list.`)
        if (where === '*AFTER') list.splice(at + 1, 0, lib)
        else if (where === '*BEFORE') list.splice(at, 0, lib)
        else list.splice(at, 1, lib)
      } else list.unshift(lib)
      await job.setLibraries(list, job.currentLibrary)
      completion(job, 'CPC2196', `Library ${lib} added to library list.`)
    },
  },
  RMVLIBLE: {
    parameters: ['LIB'],
    async run(job, args) {
      const lib = requireValue(args, 'LIB', 'RMVLIBLE')
      if (!job.libraryList.includes(lib)) {
        diagnostic(job, 'CPF2104', `Library ${lib} not removed from the library list.`)
        throw new Escape('CPF2104', `Library ${lib} not removed from the library list.`)
      }
      await job.setLibraries(
        job.libraryList.filter((l) => l !== lib),
        job.currentLibrary,
      )
      completion(job, 'CPC2197', `Library ${lib} removed from library list.`)
    },
  },
  CHGCURLIB: {
    parameters: ['CURLIB'],
    async run(job, args) {
      const lib = requireValue(args, 'CURLIB', 'CHGCURLIB')
      if (lib === '*CRTDFT') {
        await job.setLibraries(job.libraryList, undefined)
        return
      }
      if (!(await libraryExists(job, lib))) {
        diagnostic(job, 'CPF2110', `Library ${lib} not found.`)
        throw new Escape('CPF2110', `Library ${lib} not found.`)
      }
      await job.setLibraries(job.libraryList, lib)
    },
  },
  CHGLIBL: {
    parameters: ['LIBL', 'CURLIB'],
    async run(job, args) {
      const libs = flatValues(args.get('LIBL')).filter((l) => l !== '*SAME')
      for (const lib of libs) {
        if (lib !== '*NONE' && !(await libraryExists(job, lib)))
          throw new Escape('CPF2110', `Library ${lib} not found.`)
      }
      const current = singleValue(args.get('CURLIB'))
      await job.setLibraries(
        libs.length === 0 ? job.libraryList : libs.filter((l) => l !== '*NONE'),
        current === undefined || current === '*SAME'
          ? job.currentLibrary
          : current === '*CRTDFT'
            ? undefined
            : current,
      )
      completion(job, 'CPC2101', 'Library list changed.')
    },
  },
  ALCOBJ: {
    parameters: ['OBJ', 'WAIT', 'CONFLICT'],
    async run(job, args) {
      const objects = lockRequests(args.get('OBJ'), 'ALCOBJ')
      const waitText = singleValue(args.get('WAIT')) ?? '30'
      const waitMs = waitText === '*CLS' ? 30_000 : Number(waitText) * 1000
      const taken: { key: string; state: LockState }[] = []
      for (const o of objects) {
        const library = await resolveLibrary(job, o.library, o.object)
        const name = library === undefined ? undefined : await job.systemObjectName(library, o.object)
        if (name === undefined) {
          diagnostic(job, 'CPF1002', `Cannot allocate object ${o.object}.`)
          for (const t of taken) job.table.locks.deallocate(t.key, t.state, job.name)
          throw new Escape('CPF1085', 'Objects not allocated.')
        }
        const key = `${library}/${name} ${o.type}`
        const ok = await job.table.locks.allocate(
          key,
          o.state,
          job.name,
          Number.isFinite(waitMs) ? waitMs : 30_000,
        )
        if (!ok) {
          diagnostic(job, 'CPF1002', `Cannot allocate object ${o.object}.`)
          for (const t of taken) job.table.locks.deallocate(t.key, t.state, job.name)
          throw new Escape('CPF1085', 'Objects not allocated.')
        }
        taken.push({ key, state: o.state })
      }
    },
  },
  DLCOBJ: {
    parameters: ['OBJ'],
    async run(job, args) {
      const objects = lockRequests(args.get('OBJ'), 'DLCOBJ')
      let failed = false
      for (const o of objects) {
        const library = (await resolveLibrary(job, o.library, o.object)) ?? o.library
        const name = (await job.systemObjectName(library, o.object)) ?? o.object
        const key = `${library}/${name} ${o.type}`
        if (!job.table.locks.deallocate(key, o.state, job.name)) {
          diagnostic(job, 'CPF1005', `Object ${o.object} not deallocated.`)
          failed = true
        }
      }
      if (failed) throw new Escape('CPF1005', 'Objects not deallocated.')
    },
  },
  WRKACTJOB: {
    parameters: ['OUTPUT', 'SBS', 'JOB'],
    async run(job) {
      const jobs = job.table.all()
      for (const j of jobs) {
        job.log(
          'CPF9897',
          'INFORMATIONAL',
          0,
          `${j.name.padEnd(28)} QUSRWRK  PJ  ${j.running ? 'RUN ' : 'TIMW'}`,
        )
      }
      completion(job, 'CPF9897', `${jobs.length} active jobs listed.`)
    },
  },
  DSPJOBLOG: {
    parameters: ['JOB', 'OUTPUT'],
    async run(job) {
      const lines = job.jobLog.map((e) => `${e.messageId} ${e.type.slice(0, 4)} ${e.text}`)
      for (const line of lines) job.log('CPF9897', 'INFORMATIONAL', 0, line)
    },
  },
  DLYJOB: {
    parameters: ['DLY', 'RSMTIME'],
    async run(job, args) {
      const seconds = Number(singleValue(args.get('DLY')) ?? '0')
      if (!Number.isFinite(seconds) || seconds < 0)
        throw new Escape('CPD0084', 'Value for parameter DLY not valid.')
      // The delay runs in the job's PostgreSQL session, so QSYS2.CANCEL_SQL can end it.
      await job.query('SELECT pg_sleep($1)', [seconds])
    },
  },
  CRTLIB: {
    parameters: ['LIB', 'TYPE', 'TEXT'],
    async run(job, args) {
      const lib = requireValue(args, 'LIB', 'CRTLIB')
      if (await libraryExists(job, lib)) throw new Escape('CPF2111', `Library ${lib} already exists.`)
      await job.query(`CREATE SCHEMA ${quotePg(pgName(lib))}`)
      completion(job, 'CPC2102', `Library ${lib} created.`)
    },
  },
  DLTLIB: {
    parameters: ['LIB'],
    async run(job, args) {
      const lib = requireValue(args, 'LIB', 'DLTLIB')
      if (!(await libraryExists(job, lib))) throw new Escape('CPF2110', `Library ${lib} not found.`)
      await job.query(`DROP SCHEMA ${quotePg(pgName(lib))} CASCADE`)
      if (job.libraryList.includes(lib) || job.currentLibrary === lib) {
        await job.setLibraries(
          job.libraryList.filter((l) => l !== lib),
          job.currentLibrary === lib ? undefined : job.currentLibrary,
        )
      }
      completion(job, 'CPC2194', `Library ${lib} deleted.`)
    },
  },
  SNDPGMMSG: {
    parameters: ['MSG', 'TOPGMQ', 'MSGTYPE'],
    async run(job, args) {
      const text = singleValue(args.get('MSG')) ?? ''
      job.log('CPF9898', 'INFORMATIONAL', 0, text)
    },
  },
  CHGJOB: {
    parameters: ['JOB'],
    async run() {},
  },
}

interface LockRequest {
  library: string
  object: string
  type: string
  state: LockState
}

function lockRequests(values: ClValue[] | undefined, command: string): LockRequest[] {
  if (!values || values.length === 0)
    throw new Escape('CPD0071', `Parameter OBJ required for command ${command}.`)
  return values.map((entry) => {
    const parts = entry.kind === 'list' ? flatValues(entry.items) : [entry.text]
    const [qualified, type = '*FILE', state = '*SHRRD'] = parts
    if (qualified === undefined) throw new Escape('CPD0071', `Parameter OBJ required for command ${command}.`)
    if (!LOCK_STATES.includes(state as LockState))
      throw new Escape('CPD0084', `Value '${state}' for parameter OBJ not valid.`)
    const { library, object } = splitQualified(qualified)
    return { library, object, type, state: state as LockState }
  })
}

/** Runs one CL command in the job; the outcome says which job log messages it wrote. */
export async function runClCommand(job: Job, text: string): Promise<ClOutcome> {
  const before = job.jobLog.length
  const outcome = (error?: SqlError): ClOutcome => ({
    ...(error ? { error } : {}),
    entries: job.jobLog.slice(before),
  })
  let command: ClCommand
  try {
    command = parseCommand(text)
  } catch (error) {
    const reason = error instanceof ClSyntaxError ? error.message : String(error)
    diagnostic(job, 'CPD0013', `${reason}.`)
    return outcome(escapeError(job, 'CPF0006', 'Errors occurred in command.'))
  }
  const definition = COMMANDS[command.name]
  if (
    definition === undefined ||
    (command.library !== undefined && !['QSYS', '*LIBL', 'QGPL'].includes(command.library))
  ) {
    diagnostic(job, 'CPD0030', `Command ${command.name} in library ${command.library ?? '*LIBL'} not found.`)
    return outcome(escapeError(job, 'CPF0006', 'Errors occurred in command.'))
  }
  const args = new Map(command.keywords)
  for (const keyword of args.keys()) {
    if (!definition.parameters.includes(keyword)) {
      diagnostic(job, 'CPD0043', `Keyword ${keyword} not valid for this command.`)
      return outcome(escapeError(job, 'CPF0006', 'Errors occurred in command.'))
    }
  }
  if (command.positional.length > definition.parameters.length) {
    diagnostic(
      job,
      'CPD0074',
      `Number of positional parameters exceeds limit of ${definition.parameters.length}.`,
    )
    return outcome(escapeError(job, 'CPF0006', 'Errors occurred in command.'))
  }
  command.positional.forEach((value, index) => {
    const keyword = definition.parameters[index]!
    if (!args.has(keyword)) args.set(keyword, [value])
  })
  try {
    await definition.run(job, args)
    return outcome()
  } catch (error) {
    if (error instanceof Escape) return outcome(escapeError(job, error.id, error.message))
    if (error instanceof SqlError) return outcome(error)
    const pgError = error as { code?: string; message?: string }
    if (pgError.code === '57014') {
      return outcome(
        new SqlError('[SQL0952] Processing of the SQL statement ended.  Reason code 10.', '57014', -952),
      )
    }
    return outcome(
      escapeError(
        job,
        'CPF9999',
        `Function check. ${pgError.message ?? String(error)} unmonitored by QCMDEXC.`,
      ),
    )
  }
}

function escapeError(job: Job, id: string, text: string): SqlError {
  job.log(id, 'ESCAPE', 40, text)
  return new SqlError(`[${id}] ${text}`, '38501', -443)
}
