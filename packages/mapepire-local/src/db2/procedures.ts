/**
 * SQL PL procedures → PL/pgSQL. Supported: IN/OUT/INOUT parameters, DECLARE (variables,
 * cursors, handlers), SET, IF/ELSEIF/ELSE, CASE, WHILE, REPEAT, LOOP, FOR, LEAVE, ITERATE,
 * labels, nested compound statements, OPEN/FETCH/CLOSE, CALL, RETURN, SIGNAL, GET DIAGNOSTICS,
 * SQL statements, and DYNAMIC RESULT SETS (cursors WITH RETURN). Anything else fails SQL0104
 * naming the token, as Db2 reports a statement it does not know.
 */

import { randomBytes } from 'node:crypto'
import { tokenNotValid } from './errors.ts'
import { isOp, isWord, type Token } from './lexer.ts'
import { foldIdentifier, pgName, quotePg } from './names.ts'
import { matchingParen, type Naming, readQualifiedName, rewrite, splitDepth0 } from './translate.ts'

export interface ProcedureParameter {
  mode: 'IN' | 'OUT' | 'INOUT'
  name: string
  type: string
  precision: number
  scale: number
}

export interface ProcedureStatements {
  statements: { sql: string; params?: unknown[] }[]
}

export interface ProcedureContext {
  naming: Naming
  defaultSchema: string
}

const VALID_STATEMENTS =
  'SET IF CASE WHILE REPEAT LOOP FOR LEAVE ITERATE OPEN FETCH CLOSE CALL RETURN SIGNAL GET BEGIN'

const OPTION_WORDS = new Set([
  'LANGUAGE',
  'SQL',
  'SPECIFIC',
  'DETERMINISTIC',
  'NOT',
  'MODIFIES',
  'READS',
  'CONTAINS',
  'DATA',
  'NO',
  'CALLED',
  'ON',
  'NULL',
  'INPUT',
  'DYNAMIC',
  'RESULT',
  'SETS',
  'COMMIT',
  'RETURN',
  'YES',
  'OLD',
  'NEW',
  'SAVEPOINT',
  'LEVEL',
  'PROGRAM',
  'TYPE',
  'SUB',
  'MAIN',
  'FENCED',
  'AUTONOMOUS',
  'CONCURRENT',
  'ACCESS',
  'RESOLUTION',
  'DEFAULT',
  'USE',
  'CURRENTLY',
  'COMMITTED',
  'WAIT',
  'FOR',
  'OUTCOME',
  'SKIP',
  'LOCKED',
  'EXTERNAL',
  'ACTION',
])

export function createProcedure(
  tokens: Token[],
  orReplace: boolean,
  context: ProcedureContext,
): ProcedureStatements {
  let i = orReplace ? 4 : 2
  const name = readQualifiedName(tokens, i, context)
  const schema = name.schema ?? context.defaultSchema
  i = name.next
  const parameters: ProcedureParameter[] = []
  const pgParameters: string[] = []
  if (isOp(tokens[i], '(')) {
    const close = matchingParen(tokens, i)
    const inner = tokens.slice(i + 1, close)
    if (inner.length > 0) {
      for (const part of splitDepth0(inner, ',')) {
        let j = 0
        let mode: ProcedureParameter['mode'] = 'IN'
        if (isWord(part[0], 'IN', 'OUT', 'INOUT')) {
          mode = part[0]!.value as ProcedureParameter['mode']
          j = 1
        }
        const nameToken = part[j]
        if (nameToken === undefined || (nameToken.kind !== 'word' && nameToken.kind !== 'quoted')) {
          throw tokenNotValid(nameToken?.text ?? ')')
        }
        const typeTokens = part
          .slice(j + 1)
          .filter((t, k, all) => !(isWord(t, 'DEFAULT') || isWord(all[k - 1], 'DEFAULT')))
        const declared = declaredType(typeTokens)
        parameters.push({ mode, name: foldIdentifier(nameToken.text), ...declared })
        const pgType = rewrite(typeTokens, context, { paramOffset: 0 }).sql
        pgParameters.push(`${mode} ${quotePg(pgName(foldIdentifier(nameToken.text)))} ${pgType}`)
      }
    }
    i = close + 1
  }
  let resultSets = 0
  // Options up to the body.
  while (i < tokens.length) {
    const t = tokens[i]!
    if (isWord(t, 'DYNAMIC', 'RESULT')) {
      const n = tokens.slice(i, i + 4).find((x) => x.kind === 'number')
      if (n) resultSets = Number(n.text)
    }
    if (isWord(t, 'SET') && isWord(tokens[i + 1], 'OPTION')) {
      // SET OPTION a = b, c = d: up to the body
      i += 2
      while (
        i < tokens.length &&
        !isWord(tokens[i], 'BEGIN') &&
        !(tokens[i]!.kind === 'word' && isWord(tokens[i + 1]) && isOp(tokens[i + 1], ':'))
      ) {
        if (isLabel(tokens, i) || isWord(tokens[i], 'BEGIN')) break
        i++
      }
      continue
    }
    if (isWord(t, 'BEGIN') || isLabel(tokens, i)) break
    if (t.kind === 'word' && OPTION_WORDS.has(t.value)) {
      i++
      continue
    }
    if (t.kind === 'number' || t.kind === 'word') {
      // SPECIFIC name, numbers of RESULT SETS
      i++
      continue
    }
    break
  }
  const body = tokens.slice(i)
  if (body.length === 0) throw tokenNotValid('<END-OF-STATEMENT>', 'BEGIN')
  const translator = new BodyTranslator(context)
  const block =
    isWord(body[0], 'BEGIN') || isLabel(body, 0) ? translator.compound(body, true) : translator.single(body)
  const tag = `$mp_${randomBytes(6).toString('hex')}$`
  const qualified = `${quotePg(pgName(schema))}.${quotePg(pgName(name.name))}`
  const statements: ProcedureStatements['statements'] = []
  if (orReplace) statements.push({ sql: `DROP PROCEDURE IF EXISTS ${qualified}` })
  statements.push({
    sql: `CREATE PROCEDURE ${qualified}(${pgParameters.join(', ')}) LANGUAGE plpgsql AS ${tag}
#variable_conflict use_column
${block}
${tag}`,
  })
  statements.push({
    sql: `INSERT INTO qsys.procedures (specific_schema, specific_name, routine_schema, routine_name, result_sets, routine_definition)
          VALUES ($1, $2, $1, $2, $3, $4)
          ON CONFLICT (routine_schema, routine_name) DO UPDATE SET result_sets = EXCLUDED.result_sets,
            routine_definition = EXCLUDED.routine_definition, created = LOCALTIMESTAMP`,
    params: [pgName(schema), pgName(name.name), resultSets, body.map((t) => t.text).join(' ')],
  })
  statements.push({
    sql: 'DELETE FROM qsys.procedure_parameters WHERE routine_schema = $1 AND routine_name = $2',
    params: [pgName(schema), pgName(name.name)],
  })
  parameters.forEach((p, index) => {
    statements.push({
      sql: `INSERT INTO qsys.procedure_parameters (routine_schema, routine_name, ordinal_position, parameter_mode, parameter_name,
              data_type, numeric_precision, numeric_scale, character_maximum_length) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      params: [
        pgName(schema),
        pgName(name.name),
        index + 1,
        p.mode,
        p.name,
        p.type,
        p.precision,
        p.scale,
        /CHAR|CLOB|BINARY|GRAPHIC/.test(p.type) ? p.precision : null,
      ],
    })
  })
  return { statements }
}

function isLabel(tokens: Token[], at: number): boolean {
  return tokens[at]?.kind === 'word' && isOp(tokens[at + 1], ':')
}

/** The Db2 type name, precision and scale JTOpen reports for a declared parameter type. */
function declaredType(tokens: Token[]): { type: string; precision: number; scale: number } {
  const words = tokens.filter((t) => t.kind === 'word').map((t) => t.value)
  const numbers = tokens.filter((t) => t.kind === 'number').map((t) => Number(t.text))
  const first = words[0] ?? 'VARCHAR'
  const second = words[1]
  const length = numbers[0]
  switch (first) {
    case 'INT':
    case 'INTEGER':
      return { type: 'INTEGER', precision: 10, scale: 0 }
    case 'SMALLINT':
      return { type: 'SMALLINT', precision: 5, scale: 0 }
    case 'BIGINT':
      return { type: 'BIGINT', precision: 19, scale: 0 }
    case 'DEC':
    case 'DECIMAL':
      return { type: 'DECIMAL', precision: length ?? 5, scale: numbers[1] ?? 0 }
    case 'NUMERIC':
      return { type: 'NUMERIC', precision: length ?? 5, scale: numbers[1] ?? 0 }
    case 'REAL':
      return { type: 'REAL', precision: 24, scale: 0 }
    case 'DOUBLE':
    case 'FLOAT':
      return { type: 'DOUBLE', precision: 53, scale: 0 }
    case 'DECFLOAT':
      return { type: 'DECFLOAT', precision: length ?? 34, scale: 0 }
    case 'CHAR':
    case 'CHARACTER':
      if (second === 'VARYING') return { type: 'VARCHAR', precision: length ?? 1, scale: 0 }
      return { type: 'CHAR', precision: length ?? 1, scale: 0 }
    case 'VARCHAR':
      return { type: 'VARCHAR', precision: length ?? 1, scale: 0 }
    case 'GRAPHIC':
      return { type: 'GRAPHIC', precision: length ?? 1, scale: 0 }
    case 'VARGRAPHIC':
      return { type: 'VARGRAPHIC', precision: length ?? 1, scale: 0 }
    case 'CLOB':
      return { type: 'CLOB', precision: length ?? 1048576, scale: 0 }
    case 'BLOB':
      return { type: 'BLOB', precision: length ?? 1048576, scale: 0 }
    case 'BINARY':
      return { type: 'BINARY', precision: length ?? 1, scale: 0 }
    case 'VARBINARY':
      return { type: 'VARBINARY', precision: length ?? 1, scale: 0 }
    case 'DATE':
      return { type: 'DATE', precision: 10, scale: 0 }
    case 'TIME':
      return { type: 'TIME', precision: 8, scale: 0 }
    case 'TIMESTAMP':
      return { type: 'TIMESTAMP', precision: 26, scale: length ?? 6 }
    case 'BOOLEAN':
      return { type: 'BOOLEAN', precision: 1, scale: 0 }
    default:
      return { type: first, precision: length ?? 0, scale: numbers[1] ?? 0 }
  }
}

interface Handler {
  kind: 'CONTINUE' | 'EXIT'
  condition: 'SQLEXCEPTION' | 'SQLWARNING' | 'NOT FOUND' | { sqlstate: string }
  body: string
}

class BodyTranslator {
  readonly #context: ProcedureContext
  #cursorCount = 0
  /** Cursors declared WITH RETURN, by PostgreSQL name: OPEN gives them a findable portal name. */
  readonly #returnCursors = new Map<string, string>()
  /** CONTINUE handlers in scope, innermost last. */
  readonly #continueHandlers: Handler[][] = []
  /** FOR-loop records in scope: column name → record variable. */
  readonly #forColumns: Map<string, string>[] = []
  /** Record variables FOR loops need, declared in the outermost block. */
  readonly #records = new Set<string>()

  constructor(context: ProcedureContext) {
    this.#context = context
  }

  /** A single-statement body. */
  single(tokens: Token[]): string {
    const body = this.statements(tokens)
    const records = [...this.#records].map((r) => `${quotePg(r)} record;`)
    return `${records.length > 0 ? `DECLARE\n${records.join('\n')}\n` : ''}BEGIN\n${body}\nEND;`
  }

  /** [label:] BEGIN [ATOMIC] declarations statements END [label] */
  compound(tokens: Token[], outermost = false): string {
    let i = 0
    let label = ''
    if (isLabel(tokens, 0)) {
      label = `<<${tokens[0]!.text.toLowerCase()}>>\n`
      i = 2
    }
    if (!isWord(tokens[i], 'BEGIN')) throw tokenNotValid(tokens[i]?.text ?? '<END-OF-STATEMENT>', 'BEGIN')
    i++
    if (isWord(tokens[i], 'ATOMIC')) i++
    else if (isWord(tokens[i], 'NOT') && isWord(tokens[i + 1], 'ATOMIC')) i += 2
    const end = this.#findEnd(tokens, i - 1)
    const inner = tokens.slice(i, end)
    const parts = splitStatements(inner)
    const declarations: string[] = []
    const exitHandlers: Handler[] = []
    const continueHandlers: Handler[] = []
    let s = 0
    for (; s < parts.length; s++) {
      const part = parts[s]!
      if (!isWord(part[0], 'DECLARE')) break
      const declared = this.#declaration(part)
      if (declared.handler) {
        if (declared.handler.kind === 'EXIT') exitHandlers.push(declared.handler)
        else continueHandlers.push(declared.handler)
      } else if (declared.sql) {
        declarations.push(declared.sql)
      }
    }
    this.#continueHandlers.push(continueHandlers)
    const body = parts
      .slice(s)
      .map((part) => this.statement(part))
      .join('\n')
    this.#continueHandlers.pop()
    let exception = ''
    if (exitHandlers.length > 0) {
      exception = `\nEXCEPTION\n${exitHandlers.map((h) => `WHEN ${conditionSql(h.condition)} THEN\n${h.body}`).join('\n')}`
    }
    if (outermost) for (const record of this.#records) declarations.push(`${quotePg(record)} record;`)
    const declare = declarations.length > 0 ? `DECLARE\n${declarations.join('\n')}\n` : ''
    return `${label}${declare}BEGIN\n${body || 'NULL;'}${exception}\nEND${outermost ? '' : ''};`
  }

  /** Index of the END closing the block opened at `open` (BEGIN, IF, WHILE, …). */
  #findEnd(tokens: Token[], open: number): number {
    let depth = 0
    for (let i = open; i < tokens.length; i++) {
      const t = tokens[i]!
      if (opensBlock(tokens, i)) depth++
      else if (isWord(t, 'END') && !isWord(tokens[i - 1], 'END')) {
        // END IF / END WHILE / END CASE … close the block that the next word names.
        depth--
        if (depth === 0) return i
      }
    }
    throw tokenNotValid('<END-OF-STATEMENT>', 'END')
  }

  #declaration(part: Token[]): { sql?: string; handler?: Handler } {
    // DECLARE name [, name] type [DEFAULT x]
    // DECLARE c CURSOR [WITH HOLD] [WITH RETURN [TO CALLER|CLIENT]] FOR select
    // DECLARE CONTINUE|EXIT|UNDO HANDLER FOR condition statement
    // DECLARE name CONDITION FOR SQLSTATE 'x'
    const second = part[1]
    if (isWord(second, 'CONTINUE', 'EXIT', 'UNDO') && isWord(part[2], 'HANDLER')) {
      if (second!.value === 'UNDO') throw tokenNotValid('UNDO', 'CONTINUE EXIT')
      if (!isWord(part[3], 'FOR')) throw tokenNotValid(part[3]?.text ?? '<END-OF-STATEMENT>', 'FOR')
      let j = 4
      let condition: Handler['condition']
      if (isWord(part[j], 'SQLEXCEPTION')) {
        condition = 'SQLEXCEPTION'
        j++
      } else if (isWord(part[j], 'SQLWARNING')) {
        condition = 'SQLWARNING'
        j++
      } else if (isWord(part[j], 'NOT') && isWord(part[j + 1], 'FOUND')) {
        condition = 'NOT FOUND'
        j += 2
      } else if (isWord(part[j], 'SQLSTATE')) {
        j++
        if (isWord(part[j], 'VALUE')) j++
        condition = { sqlstate: part[j]!.value }
        j++
      } else {
        throw tokenNotValid(part[j]?.text ?? '<END-OF-STATEMENT>', 'SQLEXCEPTION SQLWARNING NOT SQLSTATE')
      }
      const body = this.statement(part.slice(j))
      return { handler: { kind: second!.value as 'CONTINUE' | 'EXIT', condition, body } }
    }
    if (isWord(part[2], 'CONDITION')) return {}
    if (isWord(part[2], 'CURSOR')) {
      const cursor = part[1]!
      let j = 3
      let returns = false
      while (j < part.length && !isWord(part[j], 'FOR')) {
        if (isWord(part[j], 'RETURN')) returns = true
        j++
      }
      const select = part.slice(j + 1)
      const name = pgName(foldIdentifier(cursor.text))
      if (returns) this.#returnCursors.set(name, `mp_rs_${++this.#cursorCount}`)
      return { sql: `${quotePg(name)} CURSOR FOR ${this.#sql(select)};` }
    }
    // Variables.
    const defaultAt = part.findIndex((t) => isWord(t, 'DEFAULT'))
    const head = defaultAt < 0 ? part.slice(1) : part.slice(1, defaultAt)
    const names: Token[] = []
    let k = 0
    while (
      k < head.length &&
      (head[k]!.kind === 'word' || head[k]!.kind === 'quoted') &&
      (isOp(head[k + 1], ',') || k === 0)
    ) {
      names.push(head[k]!)
      if (isOp(head[k + 1], ',')) k += 2
      else {
        k++
        break
      }
    }
    const type = rewrite(head.slice(k), this.#context, { paramOffset: 0 }).sql
    const defaultSql = defaultAt < 0 ? '' : ` := ${this.#expression(part.slice(defaultAt + 1))}`
    return {
      sql: names.map((n) => `${quotePg(pgName(foldIdentifier(n.text)))} ${type}${defaultSql};`).join('\n'),
    }
  }

  statements(tokens: Token[]): string {
    return splitStatements(tokens)
      .map((part) => this.statement(part))
      .join('\n')
  }

  statement(part: Token[]): string {
    if (part.length === 0) return ''
    let label = ''
    let tokens = part
    if (isLabel(part, 0) && !isWord(part[2], 'BEGIN')) {
      label = `<<${part[0]!.text.toLowerCase()}>>\n`
      tokens = part.slice(2)
    }
    const first = tokens[0]!
    if (isWord(first, 'BEGIN') || (isLabel(part, 0) && isWord(part[2], 'BEGIN'))) return this.compound(part)
    if (first.kind !== 'word') throw tokenNotValid(first.text, VALID_STATEMENTS)
    switch (first.value) {
      case 'SET':
        return this.#wrapContinue(this.#set(tokens))
      case 'IF':
        return this.#if(tokens)
      case 'WHILE':
        return `${label}${this.#while(tokens)}`
      case 'REPEAT':
        return `${label}${this.#repeat(tokens)}`
      case 'LOOP':
        return `${label}LOOP\n${this.statements(tokens.slice(1, this.#findEnd(tokens, 0)))}\nEND LOOP;`
      case 'FOR':
        return `${label}${this.#for(tokens)}`
      case 'CASE':
        return this.#case(tokens)
      case 'LEAVE':
        return `EXIT ${tokens[1] ? tokens[1].text.toLowerCase() : ''};`
      case 'ITERATE':
        return `CONTINUE ${tokens[1] ? tokens[1].text.toLowerCase() : ''};`
      case 'OPEN': {
        const name = pgName(foldIdentifier(tokens[1]!.text))
        const portal = this.#returnCursors.get(name)
        const assign = portal ? `${quotePg(name)} := '${portal}';\n` : ''
        return `${assign}OPEN ${quotePg(name)};`
      }
      case 'FETCH': {
        let j = 1
        if (isWord(tokens[j], 'NEXT')) j++
        if (isWord(tokens[j], 'FROM')) j++
        const cursor = quotePg(pgName(foldIdentifier(tokens[j]!.text)))
        const into = tokens.slice(j + 1)
        if (!isWord(into[0], 'INTO')) throw tokenNotValid(into[0]?.text ?? '<END-OF-STATEMENT>', 'INTO')
        return this.#notFound(`FETCH ${cursor} INTO ${this.#expression(into.slice(1))};`)
      }
      case 'CLOSE':
        return `CLOSE ${quotePg(pgName(foldIdentifier(tokens[1]!.text)))};`
      case 'CALL':
        return this.#wrapContinue(`CALL ${this.#expression(tokens.slice(1))};`)
      case 'RETURN':
        return 'RETURN;'
      case 'SIGNAL':
        return this.#signal(tokens)
      case 'GET':
        return `${rewrite(tokens, this.#context, { paramOffset: 0 }).sql};`
      case 'VALUES': {
        const intoAt = tokens.findIndex((t) => isWord(t, 'INTO'))
        if (intoAt < 0) throw tokenNotValid('<END-OF-STATEMENT>', 'INTO')
        return this.#wrapContinue(
          `SELECT ${this.#expression(stripParens(tokens.slice(1, intoAt)))} INTO ${this.#expression(tokens.slice(intoAt + 1))};`,
        )
      }
      case 'SELECT':
        return this.#wrapContinue(this.#notFound(`${this.#sql(tokens)};`))
      case 'INSERT':
      case 'UPDATE':
      case 'DELETE':
      case 'MERGE':
      case 'COMMIT':
      case 'ROLLBACK':
        return this.#wrapContinue(`${this.#sql(tokens)};`)
      default:
        throw tokenNotValid(first.value, VALID_STATEMENTS)
    }
  }

  #set(tokens: Token[]): string {
    const assignments = splitDepth0(tokens.slice(1), ',')
    return assignments
      .map((a) => {
        const eq = a.findIndex((t) => isOp(t, '='))
        if (eq < 0) throw tokenNotValid(a[a.length - 1]?.text ?? '<END-OF-STATEMENT>', '=')
        return `${this.#expression(a.slice(0, eq))} := ${this.#expression(a.slice(eq + 1))};`
      })
      .join('\n')
  }

  #if(tokens: Token[]): string {
    // IF c THEN s [ELSEIF c THEN s]* [ELSE s] END IF
    const end = this.#findEnd(tokens, 0)
    const branches: { condition?: Token[]; body: Token[] }[] = []
    let i = 1
    let conditionStart = 1
    let depth = 0
    let current: { condition?: Token[]; body: Token[] } | undefined
    let bodyStart = -1
    for (; i < end; i++) {
      if (opensBlock(tokens, i)) depth++
      else if (isWord(tokens[i], 'END') && depth > 0) depth--
      if (depth > 0) continue
      if (isWord(tokens[i], 'THEN') && current === undefined) {
        current = { condition: tokens.slice(conditionStart, i), body: [] }
        bodyStart = i + 1
      } else if (isWord(tokens[i], 'ELSEIF', 'ELSE') && current !== undefined) {
        current.body = tokens.slice(bodyStart, i)
        branches.push(current)
        current = undefined
        if (tokens[i]!.value === 'ELSE') {
          current = { body: [] }
          bodyStart = i + 1
        } else {
          conditionStart = i + 1
        }
      }
    }
    if (current) {
      current.body = tokens.slice(bodyStart, end)
      branches.push(current)
    }
    return branches
      .map((b, k) => {
        const head =
          b.condition === undefined
            ? 'ELSE'
            : `${k === 0 ? 'IF' : 'ELSIF'} ${this.#expression(b.condition)} THEN`
        return `${head}\n${this.statements(b.body)}`
      })
      .join('\n')
      .concat('\nEND IF;')
  }

  #while(tokens: Token[]): string {
    const end = this.#findEnd(tokens, 0)
    const doAt = tokens.findIndex((t) => isWord(t, 'DO'))
    return `WHILE ${this.#expression(tokens.slice(1, doAt))} LOOP\n${this.statements(tokens.slice(doAt + 1, end))}\nEND LOOP;`
  }

  #repeat(tokens: Token[]): string {
    const end = this.#findEnd(tokens, 0)
    // REPEAT s UNTIL c END REPEAT: UNTIL at depth 0
    let depth = 0
    let untilAt = -1
    for (let i = 1; i < end; i++) {
      if (opensBlock(tokens, i)) depth++
      else if (isWord(tokens[i], 'END') && depth > 0) depth--
      else if (depth === 0 && isWord(tokens[i], 'UNTIL')) untilAt = i
    }
    if (untilAt < 0) throw tokenNotValid('END', 'UNTIL')
    return `LOOP\n${this.statements(tokens.slice(1, untilAt))}\nEXIT WHEN ${this.#expression(tokens.slice(untilAt + 1, end))};\nEND LOOP;`
  }

  #for(tokens: Token[]): string {
    // FOR v AS [c CURSOR [WITH HOLD] FOR] select DO s END FOR
    const variable = pgName(foldIdentifier(tokens[1]!.text))
    this.#records.add(variable)
    if (!isWord(tokens[2], 'AS')) throw tokenNotValid(tokens[2]?.text ?? '<END-OF-STATEMENT>', 'AS')
    let j = 3
    if (isWord(tokens[j + 1], 'CURSOR')) {
      j += 2
      while (j < tokens.length && !isWord(tokens[j], 'FOR')) j++
      j++
    }
    const end = this.#findEnd(tokens, 0)
    let depth = 0
    let doAt = -1
    for (let i = j; i < end; i++) {
      if (isOp(tokens[i], '(')) depth++
      else if (isOp(tokens[i], ')')) depth--
      else if (depth === 0 && isWord(tokens[i], 'DO')) {
        doAt = i
        break
      }
    }
    const select = tokens.slice(j, doAt)
    const columns = new Map<string, string>()
    for (const column of selectListNames(select)) columns.set(column, variable)
    this.#forColumns.push(columns)
    const body = this.statements(tokens.slice(doAt + 1, end))
    this.#forColumns.pop()
    return `FOR ${quotePg(variable)} IN ${this.#sql(select)} LOOP\n${body}\nEND LOOP;`
  }

  #case(tokens: Token[]): string {
    const end = this.#findEnd(tokens, 0)
    const out: string[] = []
    let depth = 0
    let clauseStart = 1
    const clauses: Token[][] = []
    for (let i = 1; i < end; i++) {
      if (opensBlock(tokens, i)) depth++
      else if (isWord(tokens[i], 'END') && depth > 0) depth--
      else if (depth === 0 && isWord(tokens[i], 'WHEN', 'ELSE')) {
        clauses.push(tokens.slice(clauseStart, i))
        clauseStart = i
      }
    }
    clauses.push(tokens.slice(clauseStart, end))
    const subject = clauses.shift()!
    out.push(`CASE${subject.length > 0 ? ` ${this.#expression(subject)}` : ''}`)
    for (const clause of clauses) {
      if (isWord(clause[0], 'ELSE')) {
        out.push(`ELSE\n${this.statements(clause.slice(1))}`)
      } else {
        const thenAt = clause.findIndex((t) => isWord(t, 'THEN'))
        out.push(
          `WHEN ${this.#expression(clause.slice(1, thenAt))} THEN\n${this.statements(clause.slice(thenAt + 1))}`,
        )
      }
    }
    out.push('END CASE;')
    return out.join('\n')
  }

  #signal(tokens: Token[]): string {
    // SIGNAL SQLSTATE [VALUE] 'xxxxx' [SET MESSAGE_TEXT = expr]
    let j = 1
    if (!isWord(tokens[j], 'SQLSTATE'))
      throw tokenNotValid(tokens[j]?.text ?? '<END-OF-STATEMENT>', 'SQLSTATE')
    j++
    if (isWord(tokens[j], 'VALUE')) j++
    const state = tokens[j]
    if (state?.kind !== 'string' || !/^[0-9A-Z]{5}$/.test(state.value))
      throw tokenNotValid(state?.text ?? '<END-OF-STATEMENT>')
    j++
    let message = `'Unhandled user-defined exception.'`
    if (isWord(tokens[j], 'SET')) {
      const eq = tokens.findIndex((t) => isOp(t, '='))
      message = this.#expression(tokens.slice(eq + 1))
    }
    return `RAISE EXCEPTION USING ERRCODE = '${state.value}', MESSAGE = ${message}, HINT = 'db2-signal';`
  }

  /** After FETCH / SELECT INTO: NOT FOUND handlers in scope. */
  #notFound(sql: string): string {
    const handler = this.#innermostHandler((h) => h.condition === 'NOT FOUND')
    if (!handler) return sql
    return `${sql}\nIF NOT FOUND THEN\n${handler.body}\nEND IF;`
  }

  /** CONTINUE handlers for SQLEXCEPTION / SQLSTATE wrap each statement that can fail. */
  #wrapContinue(sql: string): string {
    const handlers = this.#continueHandlers
      .flat()
      .filter((h) => h.condition !== 'NOT FOUND' && h.condition !== 'SQLWARNING')
    if (handlers.length === 0) return sql
    return `BEGIN\n${sql}\nEXCEPTION\n${handlers.map((h) => `WHEN ${conditionSql(h.condition)} THEN\n${h.body}`).join('\n')}\nEND;`
  }

  #innermostHandler(match: (h: Handler) => boolean): Handler | undefined {
    for (let i = this.#continueHandlers.length - 1; i >= 0; i--) {
      const found = this.#continueHandlers[i]!.find(match)
      if (found) return found
    }
    return undefined
  }

  #expression(tokens: Token[]): string {
    return rewrite(this.#qualifyForColumns(tokens), this.#context, { paramOffset: 0 }).sql
  }

  #sql(tokens: Token[]): string {
    return rewrite(this.#qualifyForColumns(tokens), this.#context, { paramOffset: 0 }).sql
  }

  /** Inside FOR, Db2 names the cursor's columns directly; PL/pgSQL needs record.column. */
  #qualifyForColumns(tokens: Token[]): Token[] {
    if (this.#forColumns.length === 0) return tokens
    return tokens.map((t, i) => {
      if (
        t.kind !== 'word' ||
        isOp(tokens[i - 1], '.') ||
        isOp(tokens[i + 1], '.') ||
        isOp(tokens[i + 1], '(')
      )
        return t
      for (let k = this.#forColumns.length - 1; k >= 0; k--) {
        const record = this.#forColumns[k]!.get(t.value)
        if (record) return { ...t, text: `${quotePg(record)}.${t.text}` }
      }
      return t
    })
  }
}

function conditionSql(condition: Handler['condition']): string {
  if (condition === 'SQLEXCEPTION') return 'OTHERS'
  if (condition === 'SQLWARNING') return 'OTHERS'
  if (condition === 'NOT FOUND') return "SQLSTATE '02000'"
  return `SQLSTATE '${condition.sqlstate}'`
}

/** Whether the token at `i` opens a block closed by END (BEGIN, IF, WHILE, LOOP, REPEAT, FOR … DO, CASE). */
function opensBlock(tokens: Token[], i: number): boolean {
  const t = tokens[i]!
  if (t.kind !== 'word') return false
  const prev = tokens[i - 1]
  if (isWord(prev, 'END')) return false
  switch (t.value) {
    case 'BEGIN':
    case 'LOOP':
    case 'REPEAT':
    case 'WHILE':
    case 'CASE':
      return true
    case 'IF':
      // DROP … IF EXISTS is not a block.
      return !isWord(tokens[i + 1], 'EXISTS')
    case 'FOR':
      // FOR v AS … DO is a block; FOR in SQL (FOR UPDATE, FOR READ ONLY, handler FOR) is not.
      return (
        isWord(tokens[i + 2], 'AS') && (tokens[i + 1]?.kind === 'word' || tokens[i + 1]?.kind === 'quoted')
      )
    default:
      return false
  }
}

/** Splits statements on semicolons outside parentheses and outside nested blocks. */
function splitStatements(tokens: Token[]): Token[][] {
  const parts: Token[][] = []
  let current: Token[] = []
  let parens = 0
  let blocks = 0
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!
    if (isOp(t, '(')) parens++
    else if (isOp(t, ')')) parens--
    else if (opensBlock(tokens, i)) blocks++
    else if (isWord(t, 'END') && !isWord(tokens[i - 1], 'END') && blocks > 0) blocks--
    if (parens === 0 && blocks === 0 && isOp(t, ';')) {
      if (current.length > 0) parts.push(current)
      current = []
      continue
    }
    current.push(t)
  }
  if (current.length > 0) parts.push(current)
  return parts
}

function stripParens(tokens: Token[]): Token[] {
  if (isOp(tokens[0], '(') && matchingParen(tokens, 0) === tokens.length - 1) return tokens.slice(1, -1)
  return tokens
}

/** Output column names of a select list (alias, or the last part of a column reference). */
function selectListNames(select: Token[]): string[] {
  const selectAt = select.findIndex((t) => isWord(t, 'SELECT'))
  let depth = 0
  let end = select.length
  for (let i = selectAt + 1; i < select.length; i++) {
    if (isOp(select[i], '(')) depth++
    else if (isOp(select[i], ')')) depth--
    else if (depth === 0 && isWord(select[i], 'FROM')) {
      end = i
      break
    }
  }
  return splitDepth0(select.slice(selectAt + 1, end), ',')
    .map((item) => {
      const last = item[item.length - 1]
      if (last === undefined || (last.kind !== 'word' && last.kind !== 'quoted')) return ''
      return foldIdentifier(last.text)
    })
    .filter((n) => n !== '')
}
