/**
 * Fault injection for client conformance tests. Two kinds of knobs, settable at start
 * (`startMapepireLocal({ faults })`) and at run time (`local.faults`):
 *
 * - server-wide: `delayMs` (every reply waits, a number or a [min, max] range) and `reorder`
 *   (replies are held for `windowMs` and sent in a shuffled order, seeded for reproducibility);
 * - rules: `{ match, action, times }` applied to matching requests — `delay` a reply, `drop` the
 *   socket without replying, send an `oversize` frame instead of the reply, or `kill-job` (the
 *   job's PostgreSQL backend is terminated under the request, as a job that dies).
 */

export interface FaultMatch {
  /** Request types, e.g. ['sql', 'sqlmore']. */
  type?: string | string[]
  /** Matches the request's `sql` (or `cmd`): a substring or a RegExp. */
  sql?: string | RegExp
  /** Only the n-th matching request on its socket (1-based) and later. */
  fromNth?: number
}

export type FaultAction =
  | { action: 'delay'; ms: number }
  | { action: 'drop'; afterMs?: number }
  | { action: 'oversize'; bytes: number }
  | { action: 'kill-job' }

export type FaultRule = { match?: FaultMatch; times?: number } & FaultAction

export interface FaultSettings {
  delayMs?: number | [number, number]
  reorder?: false | { windowMs: number; seed?: number }
  rules?: FaultRule[]
}

interface ActiveRule {
  rule: FaultRule
  remaining: number
}

export interface RequestFacts {
  type: string
  sql?: string
  /** 1-based index of this request among the socket's requests of the same type. */
  nth: number
}

export class FaultControl {
  #delay: number | [number, number] = 0
  #reorder: false | { windowMs: number; seed?: number } = false
  #rules: ActiveRule[] = []
  #random: () => number = Math.random

  constructor(settings: FaultSettings = {}) {
    this.set(settings)
  }

  /** Replaces the server-wide knobs given; rules given are added. */
  set(settings: FaultSettings): void {
    if (settings.delayMs !== undefined) this.#delay = settings.delayMs
    if (settings.reorder !== undefined) {
      this.#reorder = settings.reorder
      this.#random =
        settings.reorder && settings.reorder.seed !== undefined ? seeded(settings.reorder.seed) : Math.random
    }
    for (const rule of settings.rules ?? []) this.add(rule)
  }

  add(rule: FaultRule): void {
    this.#rules.push({ rule, remaining: rule.times ?? Number.POSITIVE_INFINITY })
  }

  /** Back to no faults. */
  clear(): void {
    this.#delay = 0
    this.#reorder = false
    this.#rules = []
    this.#random = Math.random
  }

  get reorder(): false | { windowMs: number } {
    return this.#reorder
  }

  random(): number {
    return this.#random()
  }

  replyDelay(): number {
    const d = this.#delay
    if (typeof d === 'number') return d
    return d[0] + Math.floor(this.#random() * (d[1] - d[0] + 1))
  }

  /** The first rule that matches the request, consumed once. */
  take(facts: RequestFacts): FaultRule | undefined {
    for (const active of this.#rules) {
      if (active.remaining <= 0) continue
      if (!matches(active.rule.match, facts)) continue
      active.remaining--
      return active.rule
    }
    return undefined
  }
}

function matches(match: FaultMatch | undefined, facts: RequestFacts): boolean {
  if (match === undefined) return true
  if (match.type !== undefined) {
    const types = Array.isArray(match.type) ? match.type : [match.type]
    if (!types.includes(facts.type)) return false
  }
  if (match.sql !== undefined) {
    if (facts.sql === undefined) return false
    if (typeof match.sql === 'string' ? !facts.sql.includes(match.sql) : !match.sql.test(facts.sql))
      return false
  }
  if (match.fromNth !== undefined && facts.nth < match.fromNth) return false
  return true
}

/** mulberry32: a small seeded generator so shuffles can be replayed. */
function seeded(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
