// Shared fixtures for the storage tests: the real PostgreSQL from DATABASE_URL (one scratch
// database per test, dropped afterwards), PGlite instances, sample rows, a quiet logger.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestContext } from 'node:test'
import { pino, type Logger } from 'pino'
import postgres from 'postgres'
import { openDatabase, type Database } from '../../db/connect.js'
import { GPU_SAMPLE_READINGS, type GpuSample } from '../../db/writers.js'

export const log: Logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' })

/** DATABASE_URL, or a failure that says how to provide it. Never a skip. */
export function databaseUrl(): string {
  const url = process.env.DATABASE_URL
  if (url === undefined || url === '') {
    throw new Error(
      'DATABASE_URL is not set: the storage tests need a real PostgreSQL. Run them through the ' +
        'root test runner (npm test), which starts one, or export DATABASE_URL=postgres://user@host:port/db.',
    )
  }
  return url
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url)
  parsed.pathname = `/${database}`
  return parsed.toString()
}

export type Scratch = Database & { dispose(): Promise<void> }

/** A fresh, empty database on the DATABASE_URL server; dispose() closes and drops it. */
export async function createScratchPostgres(url = databaseUrl()): Promise<Scratch> {
  const name = `ghm_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`
  const admin = postgres(url, { max: 1, onnotice: () => {} })
  await admin.unsafe(`CREATE DATABASE ${name}`)
  const db = await openDatabase({ url: withDatabase(url, name), log })
  return Object.assign(db, {
    async dispose() {
      await db.close()
      await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      await admin.end({ timeout: 5 })
    },
  })
}

/** A PGlite on a fresh temporary data directory; dispose() closes it and removes the directory. */
export async function createScratchPglite(): Promise<Scratch & { dataDir: string }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'ghm-pglite-'))
  const db = await openDatabase({ dataDir, log })
  return Object.assign(db, {
    dataDir,
    async dispose() {
      await db.close()
      await rm(dataDir, { recursive: true, force: true })
    },
  })
}

export async function scratchPostgres(t: TestContext): Promise<Scratch> {
  const db = await createScratchPostgres()
  t.after(() => db.dispose())
  return db
}

export async function scratchPglite(t: TestContext): Promise<Scratch & { dataDir: string }> {
  const db = await createScratchPglite()
  t.after(() => db.dispose())
  return db
}

/**
 * Deterministic samples: `gpus` GPUs × `perGpu` scrapes every 10 s from `start`, with every
 * reading filled (some null), labels and extra metrics, so every column is exercised.
 */
export function makeSamples(gpus: number, perGpu: number, start = Date.UTC(2025, 0, 31, 23, 0, 0)): GpuSample[] {
  const samples: GpuSample[] = []
  for (let g = 0; g < gpus; g++) {
    for (let i = 0; i < perGpu; i++) {
      const readings = Object.fromEntries(
        GPU_SAMPLE_READINGS.map((name, k) => {
          if ((g + i + k) % 11 === 0) return [name, null]
          if (name === 'xid_last') return [name, i % 7 === 0 ? 79 : 0]
          if (name === 'clocks_event_reasons') return [name, (i * 37 + g) % 512]
          return [name, Math.round((40 + ((g * 7 + i * 3 + k * 13) % 600) / 10) * 1000) / 1000]
        }),
      ) as { [K in (typeof GPU_SAMPLE_READINGS)[number]]: number | null }
      samples.push({
        gpu_uuid: `GPU-${String(g).padStart(8, '0')}-0000-4000-8000-000000000000`,
        ts_ms: start + i * 10_000,
        hostname: `node-${Math.floor(g / 8)}`,
        gpu_index: g % 8,
        model_name: 'NVIDIA H100 80GB HBM3',
        pci_bus_id: `00000000:${(g % 8).toString(16).padStart(2, '0')}:00.0`,
        driver_version: g % 2 === 0 ? '550.54.15' : null,
        source: 'sim://42',
        labels: i % 3 === 0 ? { namespace: 'training', pod: `job-${g}` } : {},
        extra: i % 4 === 0 ? { 'DCGM_FI_PROF_SM_ACTIVE': 0.5 + g / 100 } : {},
        ...readings,
      })
    }
  }
  return samples
}
