/**
 * CALL QSYS.CREATE_SQL_SAMPLE('schema'): a schema (with its catalog views) holding IBM's sample
 * tables and their published rows (see sample-data.ts for the source).
 */

import { db2Error } from '../db2/errors.ts'
import { pgName, quoteLiteral, quotePg } from '../db2/names.ts'
import type { Job } from '../job/job.ts'
import * as data from './sample-data.ts'

interface SampleTable {
  name: string
  columns: string
  rows?: string
  /** Column kinds for literals: s string, n number, d date, t time. */
  kinds?: string
}

const TABLES: SampleTable[] = [
  {
    name: 'department',
    columns: `deptno char(3) NOT NULL PRIMARY KEY, deptname varchar(36) NOT NULL, mgrno char(6), admrdept char(3) NOT NULL, location char(16)`,
    rows: data.DEPARTMENT,
    kinds: 'sssss',
  },
  {
    name: 'employee',
    columns: `empno char(6) NOT NULL PRIMARY KEY, firstnme varchar(12) NOT NULL, midinit char(1) NOT NULL, lastname varchar(15) NOT NULL,
      workdept char(3), phoneno char(4), hiredate date, job char(8), edlevel smallint NOT NULL, sex char(1), birthdate date,
      salary decimal(9,2), bonus decimal(9,2), comm decimal(9,2)`,
    rows: data.EMPLOYEE,
    kinds: 'ssssssdsnsdnnn',
  },
  {
    name: 'emp_photo',
    columns: `empno char(6) NOT NULL, photo_format varchar(10) NOT NULL, picture qsys.blob, PRIMARY KEY (empno, photo_format)`,
  },
  {
    name: 'emp_resume',
    columns: `empno char(6) NOT NULL, resume_format varchar(10) NOT NULL, resume qsys.clob, PRIMARY KEY (empno, resume_format)`,
  },
  {
    name: 'empprojact',
    columns: `empno char(6) NOT NULL, projno char(6) NOT NULL, actno smallint NOT NULL, emptime decimal(5,2), emstdate date, emendate date`,
    rows: data.EMPPROJACT,
    kinds: 'ssnndd',
  },
  {
    name: 'project',
    columns: `projno char(6) NOT NULL PRIMARY KEY, projname varchar(24) NOT NULL DEFAULT '', deptno char(3) NOT NULL,
      respemp char(6) NOT NULL, prstaff decimal(5,2), prstdate date, prendate date, majproj char(6)`,
    rows: data.PROJECT,
    kinds: 'ssssndds',
  },
  {
    name: 'projact',
    columns: `projno char(6) NOT NULL, actno smallint NOT NULL, acstaff decimal(5,2), acstdate date NOT NULL, acendate date,
      PRIMARY KEY (projno, actno, acstdate)`,
  },
  {
    name: 'act',
    columns: `actno smallint NOT NULL PRIMARY KEY, actkwd char(6) NOT NULL UNIQUE, actdesc varchar(20) NOT NULL`,
    rows: data.ACT,
    kinds: 'nss',
  },
  {
    name: 'cl_sched',
    columns: `class_code char(7), day smallint, starting time(0), ending time(0)`,
    rows: data.CL_SCHED,
    kinds: 'sntt',
  },
  {
    name: 'in_tray',
    columns: `received timestamp, source char(8), subject char(64), note_text varchar(3000)`,
  },
  {
    name: 'org',
    columns: `deptnumb smallint NOT NULL, deptname varchar(14), manager smallint, division varchar(10), location varchar(13)`,
    rows: data.ORG,
    kinds: 'nsnss',
  },
  {
    name: 'staff',
    columns: `id smallint NOT NULL, name varchar(9), dept smallint, job char(5), years smallint, salary decimal(7,2), comm decimal(7,2)`,
    rows: data.STAFF,
    kinds: 'nsnsnnn',
  },
  {
    name: 'sales',
    columns: `sales_date date, sales_person varchar(15), region varchar(15), sales integer`,
    rows: data.SALES,
    kinds: 'dssn',
  },
]

function literal(value: string, kind: string): string {
  if (value === '') return 'NULL'
  if (kind === 'n') {
    if (!/^-?\d+(\.\d+)?$/.test(value)) throw new Error(`sample data: ${value} is not a number`)
    return value
  }
  return quoteLiteral(value)
}

export async function createSqlSample(job: Job, schema: string): Promise<void> {
  const db2Schema = schema.toUpperCase()
  if (await job.schemaExists(db2Schema)) {
    throw db2Error(-601, `${db2Schema} in QSYS type *LIB already exists.`, '42710')
  }
  const s = quotePg(pgName(db2Schema))
  await job.query(`CREATE SCHEMA ${s}`)
  for (const table of TABLES) {
    await job.query(`CREATE TABLE ${s}.${table.name} (${table.columns})`)
    if (table.rows === undefined) continue
    const kinds = table.kinds!
    const values = table.rows
      .trim()
      .split('\n')
      .map((line) => {
        const fields = line.split('|')
        return `(${[...kinds].map((kind, i) => literal(fields[i] ?? '', kind)).join(', ')})`
      })
    await job.query(`INSERT INTO ${s}.${table.name} VALUES ${values.join(',\n')}`)
  }
  await job.query('SELECT qsys.create_schema_catalog($1)', [pgName(db2Schema)])
  job.table.attributes.clear()
}
