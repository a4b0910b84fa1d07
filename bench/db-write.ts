// Write throughput of gpu_metrics batches through the storage layer, into PGlite (embedded,
// through its socket) and into real PostgreSQL (DATABASE_URL), the way the sink writes them:
// writeMetrics per batch, one batch at a time.
//
//   node --import tsx bench/db-write.ts [--rows 100000] [--batch 500] [--target both|pglite|postgres]
//
// PostgreSQL runs in a scratch database created on the DATABASE_URL server and dropped
// afterwards; PGlite in a temporary data directory. Progress goes to stderr, the result as
// JSON to stdout.
import { mkdtemp, rm } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { pino } from 'pino'
import postgres from 'postgres'
import { openDatabase, type Database } from '../db/connect.js'
import { migrate } from '../db/migrate.js'
import { GPU_SAMPLE_READINGS, writeMetrics, type GpuSample } from '../db/writers.js'

const BENCH_DEFAULTS = Object.freeze({
  rows: 100_000, // rows written per target
  batch: 500, // rows per writeMetrics call, the sink's batch size
  gpus: 1_000, // distinct GPUs the rows are spread over
  scrapeIntervalMs: 10_000, // 10 s between samples of one GPU, as the collector scrapes
  progressEveryRows: 10_000, // a progress line every this many rows
})

const log = pino({ level: process.env.LOG_LEVEL ?? 'warn' })

interface Result {
  target: string
  rows: number
  batch: number
  seconds: number
  rowsPerSecond: number
  batchMsP50: number
  batchMsP99: number
  /** CPU seconds this process spent (client side; for PGlite the database too). */
  processCpuSeconds: number
  /** Machine load while measuring: figures on a shared machine are only comparable with it. */
  loadAverage1m: number
}

function sample(i: number, start: number): GpuSample {
  const gpu = i % BENCH_DEFAULTS.gpus
  const step = Math.floor(i / BENCH_DEFAULTS.gpus)
  const readings = Object.fromEntries(GPU_SAMPLE_READINGS.map((name, k) => [name, name === 'xid_last' || name === 'clocks_event_reasons' ? 0 : ((gpu + step + k) % 97) + 0.5])) as {
    [K in (typeof GPU_SAMPLE_READINGS)[number]]: number
  }
  return {
    gpu_uuid: `GPU-${String(gpu).padStart(8, '0')}-bench`,
    ts_ms: start + step * BENCH_DEFAULTS.scrapeIntervalMs,
    hostname: `node-${Math.floor(gpu / 8)}`,
    gpu_index: gpu % 8,
    model_name: 'NVIDIA H100 80GB HBM3',
    pci_bus_id: null,
    driver_version: '550.54.15',
    source: 'bench://db-write',
    labels: { namespace: 'bench' },
    extra: {},
    ...readings,
  }
}

async function bench(target: string, db: Database, rows: number, batch: number): Promise<Result> {
  await migrate(db, { log })
  const start = Date.UTC(2025, 2, 1)
  const latencies: number[] = []
  let written = 0
  const began = performance.now()
  const cpuBefore = process.cpuUsage()
  let nextProgress = BENCH_DEFAULTS.progressEveryRows
  for (let offset = 0; offset < rows; offset += batch) {
    const samples: GpuSample[] = []
    for (let i = offset; i < Math.min(rows, offset + batch); i++) samples.push(sample(i, start))
    const t0 = performance.now()
    written += await writeMetrics(db.sql, samples)
    latencies.push(performance.now() - t0)
    if (offset + batch >= nextProgress || offset + batch >= rows) {
      const s = (performance.now() - began) / 1000
      process.stderr.write(`${target}: ${Math.min(rows, offset + batch)}/${rows} rows, ${Math.round(written / s)} rows/s\n`)
      nextProgress += BENCH_DEFAULTS.progressEveryRows
    }
  }
  const seconds = (performance.now() - began) / 1000
  const cpu = process.cpuUsage(cpuBefore)
  if (written !== rows) throw new Error(`${target}: wrote ${written} of ${rows} rows`)
  latencies.sort((a, b) => a - b)
  const pct = (p: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] * 10) / 10
  return { target, rows, batch, seconds: Math.round(seconds * 100) / 100, rowsPerSecond: Math.round(rows / seconds), batchMsP50: pct(0.5), batchMsP99: pct(0.99),
    processCpuSeconds: Math.round((cpu.user + cpu.system) / 1e4) / 100, loadAverage1m: Math.round(loadavg()[0] * 10) / 10 }
}

async function benchPglite(rows: number, batch: number): Promise<Result> {
  const dataDir = await mkdtemp(join(tmpdir(), 'ghm-bench-pglite-'))
  const db = await openDatabase({ dataDir, log })
  try {
    return await bench('pglite', db, rows, batch)
  } finally {
    await db.close()
    await rm(dataDir, { recursive: true, force: true })
  }
}

async function benchPostgres(url: string, rows: number, batch: number): Promise<Result> {
  const name = `ghm_bench_${process.pid}`
  const admin = postgres(url, { max: 1, onnotice: () => {} })
  await admin.unsafe(`CREATE DATABASE ${name}`)
  const scratch = new URL(url)
  scratch.pathname = `/${name}`
  const db = await openDatabase({ url: scratch.toString(), log, max: 1 }) // one connection, like the sink
  try {
    return await bench('postgres', db, rows, batch)
  } finally {
    await db.close()
    await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    await admin.end({ timeout: 5 })
  }
}

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: String(BENCH_DEFAULTS.rows) },
    batch: { type: 'string', default: String(BENCH_DEFAULTS.batch) },
    target: { type: 'string', default: 'both' },
  },
})
const rows = Number(values.rows)
const batch = Number(values.batch)
const target = values.target ?? 'both'
if (!Number.isInteger(rows) || rows <= 0 || !Number.isInteger(batch) || batch <= 0) throw new Error('--rows and --batch take positive integers')
if (!['both', 'pglite', 'postgres'].includes(target)) throw new Error('--target is both, pglite or postgres')

const results: Result[] = []
if (target !== 'postgres') results.push(await benchPglite(rows, batch))
if (target !== 'pglite') {
  const url = process.env.DATABASE_URL
  if (url === undefined || url === '') throw new Error('DATABASE_URL is not set: the postgres target needs a real PostgreSQL')
  results.push(await benchPostgres(url, rows, batch))
}
process.stdout.write(JSON.stringify({ node: process.version, results }, null, 2) + '\n')
