import assert from 'node:assert/strict'
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import type { Database } from '../../db/connect.js'
import { defaultSchemaDir, loadMigrations, migrate, MigrationChecksumError } from '../../db/migrate.js'
import { log, scratchPglite, scratchPostgres } from './support.js'

const TIME_SERIES = ['gpu_metrics', 'gpu_features', 'gpu_health_scores', 'anomalies', 'gpu_failure_predictions', 'gpu_economic_decisions']
const ALL_TABLES = [
  ...TIME_SERIES, 'gpu_assets', 'feature_definitions', 'gpu_failure_labels', 'models', 'alerts',
  'schema_migrations', 'storage_settings', 'time_series_tables',
]

async function schemaShape(db: Database): Promise<string[]> {
  // Columns of the parent tables only (partitions have the same ones), as name:type lines.
  const rows = await db.sql<{ line: string }[]>`
    SELECT c.relname || '.' || a.attname || ':' || format_type(a.atttypid, a.atttypmod) || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END AS line
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relname = ANY(${ALL_TABLES}) AND a.attnum > 0 AND NOT a.attisdropped
    ORDER BY 1`
  return rows.map((r) => r.line)
}

async function provesMigrationsApplyOnce(db: Database): Promise<void> {
  const expected = (await loadMigrations(defaultSchemaDir())).map((m) => m.version)
  const first = await migrate(db, { log })
  assert.deepEqual(first.applied, expected)
  assert.equal(first.layout, 'native', 'no TimescaleDB here, so native partitioning')

  const shape = await schemaShape(db)
  const second = await migrate(db, { log })
  assert.deepEqual(second.applied, [], 'a second run applies nothing')
  assert.deepEqual(await schemaShape(db), shape, 'and changes nothing')

  const recorded = await db.sql<{ version: number }[]>`SELECT version FROM schema_migrations ORDER BY version`
  assert.deepEqual(recorded.map((r) => r.version), expected)

  const tables = await db.sql<{ table_name: string }[]>`
    SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name = ANY(${ALL_TABLES})`
  assert.deepEqual(tables.map((r) => r.table_name).sort(), [...ALL_TABLES].sort())

  // Every time-series table is range-partitioned with a DEFAULT partition and this month's partition.
  const month = new Date().toISOString().slice(0, 7).replace('-', '')
  for (const table of TIME_SERIES) {
    const parts = await db.sql<{ name: string }[]>`
      SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = ${table}::regclass`
    const names = parts.map((p) => p.name)
    assert.ok(names.includes(`${table}_default`), `${table} has a DEFAULT partition (${names.join(', ')})`)
    assert.ok(names.includes(`${table}_p${month}`), `${table} has this month's partition (${names.join(', ')})`)
  }
}

async function provesEditedMigrationIsRefused(db: Database): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'ghm-schema-'))
  try {
    await cp(defaultSchemaDir(), dir, { recursive: true })
    await migrate(db, { log, schemaDir: dir })
    const file = join(dir, '0002_assets.sql')
    await writeFile(file, (await readFile(file, 'utf8')) + '\n-- edited after it was applied\n')
    await assert.rejects(migrate(db, { log, schemaDir: dir }), (err: unknown) => {
      assert.ok(err instanceof MigrationChecksumError)
      assert.equal(err.version, 2)
      assert.match(err.message, /0002_assets\.sql was changed after it was applied/)
      return true
    })
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

describe('migrations on real PostgreSQL', () => {
  test('apply in order once, are recorded, and a second run changes nothing', async (t) => {
    await provesMigrationsApplyOnce(await scratchPostgres(t))
  })

  test('refuse to run when an applied migration file was edited', async (t) => {
    await provesEditedMigrationIsRefused(await scratchPostgres(t))
  })

  test('two processes migrating at once apply each migration exactly once', async (t) => {
    const a = await scratchPostgres(t)
    // A second, independent client pool on the same database stands in for a second process.
    const { openDatabase } = await import('../../db/connect.js')
    const b = await openDatabase({ url: a.displayUrl, log })
    t.after(() => b.close())
    const [ra, rb] = await Promise.all([migrate(a, { log }), migrate(b, { log })])
    const all = [...ra.applied, ...rb.applied].sort((x, y) => x - y)
    const expected = (await loadMigrations(defaultSchemaDir())).map((m) => m.version)
    assert.deepEqual(all, expected, 'every version applied by exactly one of the two')
    const [{ n }] = await a.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM schema_migrations`
    assert.equal(n, expected.length)
  })
})

describe('migrations on PGlite', () => {
  test('apply in order once, are recorded, and a second run changes nothing', async (t) => {
    await provesMigrationsApplyOnce(await scratchPglite(t))
  })

  test('the schema survives closing and reopening the data directory; an edited file is refused', async (t) => {
    const db = await scratchPglite(t)
    await migrate(db, { log })
    const before = await schemaShape(db)
    await db.close()
    const { openDatabase } = await import('../../db/connect.js')
    const reopened = await openDatabase({ dataDir: db.dataDir, log })
    t.after(() => reopened.close())
    assert.deepEqual((await migrate(reopened, { log })).applied, [])
    assert.deepEqual(await schemaShape(reopened), before)
    await provesEditedMigrationIsRefused(reopened)
  })
})
