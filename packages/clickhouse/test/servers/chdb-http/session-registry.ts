import { Session } from 'chdb'
import { errors } from './server-error.ts'

interface HttpSession {
  id: string
  engine: Session
  locked: boolean
  timeoutMs: number
  timer: NodeJS.Timeout | undefined
}

export const DEFAULT_SESSION_TIMEOUT_S = 60
export const MAX_SESSION_TIMEOUT_S = 3600

/**
 * HTTP sessions: each session_id owns its own chDB connection (connections at one data path are
 * isolated: own temporary tables, own SET settings). A session serves one query at a time.
 */
export class SessionRegistry {
  readonly #dataPath: string
  readonly #sessions = new Map<string, HttpSession>()

  constructor(dataPath: string) {
    this.#dataPath = dataPath
  }

  /** Locks the session (creating it unless `mustExist`); throws 373 when already locked, 372 when missing. */
  acquire(id: string, timeoutSeconds: number, mustExist: boolean): Session {
    let session = this.#sessions.get(id)
    if (session === undefined) {
      if (mustExist) throw errors.sessionNotFound(id)
      session = { id, engine: new Session(this.#dataPath), locked: false, timeoutMs: 0, timer: undefined }
      this.#sessions.set(id, session)
    }
    if (session.locked) throw errors.sessionLocked()
    session.locked = true
    session.timeoutMs = Math.min(timeoutSeconds, MAX_SESSION_TIMEOUT_S) * 1000
    if (session.timer !== undefined) clearTimeout(session.timer)
    session.timer = undefined
    return session.engine
  }

  /** Unlocks the session and restarts its idle timer. */
  release(id: string): void {
    const session = this.#sessions.get(id)
    if (session === undefined) return
    session.locked = false
    session.timer = setTimeout(() => this.#expire(id), session.timeoutMs)
    session.timer.unref()
  }

  #expire(id: string): void {
    const session = this.#sessions.get(id)
    if (session === undefined || session.locked) return
    this.#sessions.delete(id)
    session.engine.close()
  }

  closeAll(): void {
    for (const session of this.#sessions.values()) {
      if (session.timer !== undefined) clearTimeout(session.timer)
      session.engine.close()
    }
    this.#sessions.clear()
  }
}
