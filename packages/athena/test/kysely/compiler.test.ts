/**
 * The SQL Kysely builds for Athena, as text: Trino's DML rules, Hive's DDL
 * rules, and the clear errors for what Athena cannot express. Every shape here
 * is also run on athena-local by queries.test.ts and migrations.test.ts.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { AthenaDialect, hiveType, NotSupportedError } from '@tributary/athena'
import { Kysely, sql } from 'kysely'

interface Database {
  people: { id: bigint; name: string; tags: string[] | null; born: string | null }
  pets: { owner_id: bigint; name: string }
}

// Only SQL text is built here; no client is ever created.
const db = new Kysely<Database>({
  dialect: new AthenaDialect({ outputLocation: 's3://results/prefix/', nestedColumns: { people: ['tags'] } }),
})

describe('DML is Trino', () => {
  test('double-quoted names (quotes doubled), ? markers', () => {
    const q = db
      .selectFrom('people as p')
      .select(['p.id', sql<string>`"p"."name"`.as('we"ird')])
      .where('p.name', '=', "it's")
      .compile()
    assert.equal(q.sql, 'select "p"."id", "p"."name" as "we""ird" from "people" as "p" where "p"."name" = ?')
    assert.deepEqual(q.parameters, ["it's"])
  })

  test('OFFSET comes before LIMIT, both as checked integer literals', () => {
    const q = db.selectFrom('people').select('id').orderBy('id').limit(10).offset(20).compile()
    assert.equal(q.sql, 'select "id" from "people" order by "id" offset 20 limit 10')
    assert.deepEqual(q.parameters, [])
    assert.equal(
      db.selectFrom('people').select('id').offset(3).compile().sql,
      'select "id" from "people" offset 3',
    )
    assert.equal(
      db.selectFrom('people').select('id').limit(3).compile().sql,
      'select "id" from "people" limit 3',
    )
    assert.throws(() => db.selectFrom('people').select('id').limit(-1).compile(), NotSupportedError)
    assert.throws(() => db.selectFrom('people').select('id').limit(1.5).compile(), NotSupportedError)
  })

  test('a CTE on INSERT goes after INSERT INTO', () => {
    const q = db
      .with('src', (qb) => qb.selectFrom('pets').select(['owner_id as id', 'name']))
      .insertInto('people')
      .columns(['id', 'name'])
      .expression((eb) => eb.selectFrom('src').select(['id', 'name']))
      .compile()
    assert.equal(
      q.sql,
      'insert into "people" ("id", "name") with "src" as (select "owner_id" as "id", "name" from "pets") select "id", "name" from "src"',
    )
  })

  test('RETURNING, ON CONFLICT and DEFAULT VALUES are refused with a clear error', () => {
    const cases = [
      () => db.insertInto('people').values({ id: 1n, name: 'a' }).returning('id').compile(),
      () => db.updateTable('people').set({ name: 'b' }).returning('id').compile(),
      () => db.deleteFrom('people').returningAll().compile(),
      () =>
        db
          .insertInto('people')
          .values({ id: 1n, name: 'a' })
          .onConflict((oc) => oc.doNothing())
          .compile(),
      () => db.insertInto('people').defaultValues().compile(),
    ]
    for (const build of cases) {
      assert.throws(build, (error: unknown) => {
        assert.ok(error instanceof NotSupportedError)
        assert.match(error.message, /^Athena cannot express (RETURNING|ON CONFLICT|DEFAULT VALUES)/)
        assert.equal(error.system, 'athena')
        return true
      })
    }
  })

  test('nested columns named in nestedColumns come back through a JSON cast', () => {
    assert.equal(
      db.selectFrom('people').select(['id', 'tags']).compile().sql,
      'select "id", cast("tags" as json) as "tags" from "people"',
    )
    assert.equal(
      db.selectFrom('people as p').select(['p.tags as t']).compile().sql,
      'select cast("p"."tags" as json) as "t" from "people" as "p"',
    )
    // Only the outermost select list: a subquery or a where clause sees the column as it is.
    assert.equal(
      db
        .selectFrom('people')
        .select('id')
        .where('tags', 'is not', null)
        .where('id', 'in', (qb) =>
          qb.selectFrom('people').select('id').where(sql<boolean>`cardinality(tags) > 0`),
        )
        .compile().sql,
      'select "id" from "people" where "tags" is not NULL and "id" in (select "id" from "people" where cardinality(tags) > 0)',
    )
    // In unload mode the Parquet files carry the nested types exactly: no cast, unless the query is
    // ordered, which that mode reads from its CSV file.
    const unload = new Kysely<Database>({
      dialect: new AthenaDialect({ resultMode: 'unload', nestedColumns: { people: ['tags'] } }),
    })
    assert.equal(unload.selectFrom('people').select('tags').compile().sql, 'select "tags" from "people"')
    assert.equal(
      unload.selectFrom('people').select('tags').orderBy('id').compile().sql,
      'select cast("tags" as json) as "tags" from "people" order by "id"',
    )
  })
})

describe('DDL is Hive', () => {
  test('CREATE TABLE: backquoted names, Hive types, an Iceberg table under tablesLocation', () => {
    const q = db.schema
      .createTable('events`x')
      .ifNotExists()
      .addColumn('id', 'bigint', (c) => c.primaryKey())
      .addColumn('name', 'varchar(255)', (c) => c.notNull())
      .addColumn('score', 'decimal(10, 2)')
      .addColumn('n', 'integer')
      .addColumn('r', 'real')
      .addColumn('d', 'double precision')
      .addColumn('ok', 'boolean')
      .addColumn('day', 'date')
      .addColumn('at', 'timestamp')
      .addColumn('raw', 'bytea')
      .addColumn('tags', sql`array<string>`)
      .compile()
    assert.match(
      q.sql,
      /^create table if not exists `events``x` \(`id` bigint, `name` string, `score` decimal\(10,2\), `n` int, `r` float, `d` double, `ok` boolean, `day` date, `at` timestamp, `raw` binary, `tags` array<string>\) location 's3:\/\/results\/prefix\/tables\/events`x_[0-9a-f]{8}\/' tblproperties \('table_type'='ICEBERG'\)$/,
    )
  })

  test("a table's own LOCATION and TBLPROPERTIES (or STORED AS) replace the defaults", () => {
    const q = db.schema
      .createTable('logs')
      .addColumn('line', 'text')
      .modifyEnd(sql`stored as textfile location 's3://data/logs/'`)
      .compile()
    assert.equal(q.sql, "create table `logs` (`line` string) stored as textfile location 's3://data/logs/'")
    const iceberg = db.schema
      .createTable('facts')
      .addColumn('v', 'bigint')
      .modifyEnd(sql`location 's3://data/facts/' tblproperties ('table_type'='ICEBERG', 'format'='parquet')`)
      .compile()
    assert.equal(
      iceberg.sql,
      "create table `facts` (`v` bigint) location 's3://data/facts/' tblproperties ('table_type'='ICEBERG', 'format'='parquet')",
    )
  })

  test('CREATE TABLE AS is Trino with Iceberg table options', () => {
    const q = db.schema
      .createTable('copy')
      .as(db.selectFrom('people').select(['id', 'name']))
      .compile()
    assert.match(
      q.sql,
      /^create table "copy" with \(table_type = 'ICEBERG', is_external = false, location = 's3:\/\/results\/prefix\/tables\/copy_[0-9a-f]{8}\/'\) as select "id", "name" from "people"$/,
    )
  })

  test('DROP TABLE, CREATE/DROP SCHEMA, ALTER TABLE ADD COLUMNS and RENAME are Hive', () => {
    assert.equal(db.schema.dropTable('people').ifExists().compile().sql, 'drop table if exists `people`')
    assert.equal(
      db.schema.createSchema('analytics').ifNotExists().compile().sql,
      'create database if not exists `analytics`',
    )
    assert.equal(
      db.schema.dropSchema('analytics').ifExists().cascade().compile().sql,
      'drop database if exists `analytics` cascade',
    )
    assert.equal(
      db.schema.alterTable('people').addColumn('email', 'varchar(320)').compile().sql,
      'alter table `people` add columns (`email` string)',
    )
    assert.equal(
      db.schema.alterTable('people').renameTo('persons').compile().sql,
      'alter table `people` rename to `persons`',
    )
    assert.equal(
      db.schema
        .createTable('t')
        .addColumn('s', 'text', (c) => c.defaultTo(sql.lit("it's")))
        .modifyEnd(sql`location ${sql.lit("s3://b/it's/")}`)
        .compile().sql,
      "create table `t` (`s` string) location 's3://b/it\\'s/' tblproperties ('table_type'='ICEBERG')",
    )
  })

  test('what Athena tables cannot have is refused', () => {
    const cases = [
      () =>
        db.schema
          .createTable('t')
          .addColumn('id', 'integer', (c) => c.autoIncrement())
          .compile(),
      () =>
        db.schema
          .createTable('t')
          .addColumn('id', 'integer', (c) => c.unique())
          .compile(),
      () =>
        db.schema
          .createTable('t')
          .addColumn('id', 'integer', (c) => c.references('people.id'))
          .compile(),
      () => db.schema.createTable('t').temporary().addColumn('id', 'integer').compile(),
      () => db.schema.createIndex('i').on('people').column('name').compile(),
      () => db.schema.alterTable('people').dropColumn('name').compile(),
    ]
    for (const build of cases) assert.throws(build, NotSupportedError)
    const noLocation = new Kysely<Database>({ dialect: new AthenaDialect({}) })
    assert.throws(
      () => noLocation.schema.createTable('t').addColumn('id', 'integer').compile(),
      /tablesLocation/,
    )
  })

  test('hiveType maps SQL type names and keeps what it does not know', () => {
    assert.equal(hiveType('varchar(10)'), 'string')
    assert.equal(hiveType('numeric'), 'decimal(38,0)')
    assert.equal(hiveType('decimal(5, 1)'), 'decimal(5,1)')
    assert.equal(hiveType('int8'), 'bigint')
    assert.equal(hiveType('map<string,int>'), 'map<string,int>')
  })
})
