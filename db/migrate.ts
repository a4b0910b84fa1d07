import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Logger } from 'pino'
import type { Database, Sql } from './connect.js'
import { DB_DEFAULTS } from './defaults.js'

export interface Migration {
  version: number
  name: string
  /** sha256 of the file with line endings normalised, hex. */
  checksum: string
  text: string
}

export interface MigrateOptions {
  log: Logger
  /** Folder of NNNN_name.sql files; default: the repository's schema/. */
  schemaDir?: string
}

export interface MigrateResult {
  /** Versions applied by this call, in order (empty when already up to date). */
  applied: number[]
  /** The time-series layout recorded by the first migration: 'native' or 'timescaledb'. */
  layout: string
}

export class MigrationChecksumError extends Error {
  constructor(readonly version: number, readonly migrationName: string, readonly recorded: string, readonly current: string) {
    super(
      `migration ${String(version).padStart(4, '0')}_${migrationName}.sql was changed after it was applied ` +
        `(recorded checksum ${recorded.slice(0, 12)}…, file now ${current.slice(0, 12)}…); ` +
        'applied migrations are immutable: revert the edit and add a new migration instead',
    )
    this.name = 'MigrationChecksumError'
  }
}

const FILE_PATTERN = /^(\d{4})_([a-z0-9_]+)\.sql$/

/** schema/ beside db/ in the source tree, or two levels up when running from dist/db/. */
export function defaultSchemaDir(): string {
  const candidates = ['../schema/', '../../schema/'].map((rel) => fileURLToPath(new URL(rel, import.meta.url)))
  const found = candidates.find((dir) => existsSync(join(dir, '0001_storage_layout.sql')))
  if (found === undefined) throw new Error(`schema directory not found (looked in ${candidates.join(', ')})`)
  return found
}

export async function loadMigrations(schemaDir: string): Promise<Migration[]> {
  const files = (await readdir(schemaDir)).filter((f) => f.endsWith('.sql')).sort()
  const migrations: Migration[] = []
  for (const file of files) {
    const match = FILE_PATTERN.exec(file)
    if (match === null) throw new Error(`schema/${file}: migration files are named NNNN_lower_snake.sql`)
    // Line endings normalised so a checkout with CRLF conversion does not look like an edit.
    const text = (await readFile(join(schemaDir, file), 'utf8')).replace(/\r\n/g, '\n')
    const version = Number(match[1])
    if (migrations.some((m) => m.version === version)) throw new Error(`schema/: two migrations numbered ${match[1]}`)
    migrations.push({ version, name: match[2], text, checksum: createHash('sha256').update(text).digest('hex') })
  }
  return migrations
}

interface AppliedRow {
  version: number
  name: string
  checksum: string
}

/**
 * Applies schema/*.sql in version order, each in its own transaction together with its row in
 * schema_migrations. Idempotent. Every transaction first takes a transaction-scoped advisory
 * lock and re-reads what is applied, so two processes migrating at once serialise and the
 * second applies nothing; no session state is used (the PGlite socket has none to spare).
 * Refuses to run when an applied file's checksum changed.
 */
export async function migrate(db: Pick<Database, 'sql'>, options: MigrateOptions): Promise<MigrateResult> {
  const { sql } = db
  const { log } = options
  const migrations = await loadMigrations(options.schemaDir ?? defaultSchemaDir())

  await sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(${DB_DEFAULTS.migrationLockKey})`
    await tx`CREATE TABLE IF NOT EXISTS schema_migrations (
      version    integer PRIMARY KEY,
      name       text NOT NULL,
      checksum   text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`
  })

  verify(migrations, await appliedMigrations(sql), log)

  const applied: number[] = []
  for (const migration of migrations) {
    const done = await sql.begin(async (tx) => {
      await tx`SELECT pg_advisory_xact_lock(${DB_DEFAULTS.migrationLockKey})`
      const [row] = await tx<AppliedRow[]>`SELECT version, name, checksum FROM schema_migrations WHERE version = ${migration.version}`
      if (row !== undefined) {
        verify([migration], [row], log)
        return false
      }
      const started = Date.now()
      // Simple-query protocol (no parameters) so one file may hold many statements.
      await tx.unsafe(migration.text)
      await tx`INSERT INTO schema_migrations (version, name, checksum)
               VALUES (${migration.version}, ${migration.name}, ${migration.checksum})`
      log.info({ version: migration.version, name: migration.name, ms: Date.now() - started }, 'migration applied')
      return true
    })
    if (done) applied.push(migration.version)
  }

  const [setting] = await sql<{ value: string }[]>`SELECT value FROM storage_settings WHERE key = 'time_series_layout'`
  const layout = setting?.value ?? 'unknown'
  await ensureCurrentPartitions(sql)
  if (applied.length === 0) log.debug({ layout }, 'schema up to date')
  else log.info({ applied, layout }, 'schema migrated')
  return { applied, layout }
}

async function appliedMigrations(sql: Sql): Promise<AppliedRow[]> {
  return sql<AppliedRow[]>`SELECT version, name, checksum FROM schema_migrations ORDER BY version`
}

function verify(migrations: Migration[], applied: AppliedRow[], log: Logger): void {
  for (const row of applied) {
    const migration = migrations.find((m) => m.version === row.version)
    if (migration === undefined) {
      // A newer release migrated this database; older code may still work with it.
      log.warn({ version: row.version, name: row.name }, 'database has a migration this code does not know')
      continue
    }
    if (migration.checksum !== row.checksum) {
      throw new MigrationChecksumError(row.version, row.name, row.checksum, migration.checksum)
    }
  }
}

/**
 * The ensure step at start-up: this month's and next month's partitions for every natively
 * partitioned table, so live writes land in real partitions rather than the DEFAULT one.
 * Writers ensure the months of historic batches themselves.
 */
async function ensureCurrentPartitions(sql: Sql): Promise<void> {
  await sql`
    SELECT ensure_time_partitions(table_name, now(), now() + interval '1 month')
    FROM time_series_tables WHERE layout = 'native'`
}
