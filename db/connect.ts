import { mkdir } from 'node:fs/promises'
import { resolve } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { PGLiteSocketServer } from '@electric-sql/pglite-socket'
import postgres from 'postgres'
import type { Logger } from 'pino'
import { DB_DEFAULTS } from './defaults.js'

/** The postgres.js client type used throughout the storage layer. */
export type Sql = postgres.Sql

export type DatabaseKind = 'postgres' | 'pglite'

export interface Database {
  /** 'postgres' with a URL, 'pglite' for the embedded database. */
  readonly kind: DatabaseKind
  /** postgres.js client. The same SQL runs on both kinds. */
  readonly sql: Sql
  /** Connection URL without password, for logs. */
  readonly displayUrl: string
  /** Ends the client, and for PGlite stops the socket server and closes the database. */
  close(): Promise<void>
}

export interface OpenDatabaseOptions {
  /** postgres:// URL of a real PostgreSQL; absent or empty = embedded PGlite. */
  url?: string
  /** PGlite data directory (default DB_DEFAULTS.pgliteDataDir), or memory:// for none; ignored with a URL. */
  dataDir?: string
  log: Logger
  /** Pool size against real PostgreSQL (default DB_DEFAULTS.poolMax); PGlite is always 1. */
  max?: number
}

/**
 * Opens the database: postgres.js to real PostgreSQL when a URL is given, otherwise PGlite
 * (PostgreSQL in wasm) on a data directory, served on a free loopback port by
 * pglite-socket, so that callers talk to both through the same client and SQL.
 */
export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  const { url, log } = options
  if (url !== undefined && url !== '') return openPostgres(url, options.max ?? DB_DEFAULTS.poolMax, log)
  const dataDir = options.dataDir ?? DB_DEFAULTS.pgliteDataDir
  // memory:// (PGlite's in-memory store) is for tests and throwaway runs.
  return openPglite(dataDir.startsWith('memory://') ? dataDir : resolve(dataDir), log)
}

function clientOptions(log: Logger): postgres.Options<Record<string, postgres.PostgresType>> {
  return {
    connect_timeout: DB_DEFAULTS.connectTimeoutS,
    idle_timeout: DB_DEFAULTS.idleTimeoutS,
    // Row objects often leave optional fields out; they mean NULL.
    transform: { undefined: null },
    // postgres.js prints NOTICEs to the console by default ("already exists, skipping" ...).
    onnotice: (notice) => log.debug({ notice: notice.message }, 'database notice'),
  }
}

async function openPostgres(url: string, max: number, log: Logger): Promise<Database> {
  const displayUrl = redact(url)
  const sql = postgres(url, { ...clientOptions(log), max })
  // Fail here, with the address, rather than at the first write.
  await sql`SELECT 1`
  log.info({ url: displayUrl, max }, 'connected to PostgreSQL')
  return {
    kind: 'postgres',
    sql,
    displayUrl,
    close: () => sql.end({ timeout: DB_DEFAULTS.closeTimeoutS }),
  }
}

async function openPglite(dataDir: string, log: Logger): Promise<Database> {
  if (!dataDir.startsWith('memory://')) await mkdir(dataDir, { recursive: true })
  const started = Date.now()
  const pglite = await PGlite.create(dataDir)
  // One socket connection: the server multiplexes extra connections onto the single backend,
  // where session state and transactions would leak between them.
  const server = new PGLiteSocketServer({ db: pglite, host: DB_DEFAULTS.pgliteHost, port: 0, maxConnections: 1 })
  try {
    await server.start()
  } catch (err) {
    await pglite.close()
    throw err
  }
  const address = server.getServerConn() // host:port, with the port the OS chose
  const displayUrl = `postgres://postgres@${address}/postgres`
  const sql = postgres(displayUrl, {
    ...clientOptions(log),
    // Never more than one: see above. Also: never COPY FROM STDIN (desynchronises the wasm
    // backend for good) and never LISTEN (postgres.js opens a second connection) through it.
    max: 1,
    // An idle disconnect buys nothing on loopback and costs a reconnect.
    idle_timeout: 0,
  })
  try {
    await sql`SELECT 1`
  } catch (err) {
    await server.stop()
    await pglite.close()
    throw err
  }
  log.info({ dataDir, address, startupMs: Date.now() - started }, 'embedded PostgreSQL (PGlite) ready')
  let closed = false
  return {
    kind: 'pglite',
    sql,
    displayUrl,
    async close() {
      if (closed) return
      closed = true
      await sql.end({ timeout: DB_DEFAULTS.closeTimeoutS })
      await server.stop()
      await pglite.close()
    },
  }
}

function redact(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password !== '') parsed.password = '***'
    return parsed.toString()
  } catch {
    return '<unparseable database URL>'
  }
}
