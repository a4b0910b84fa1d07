// Samples per second through the embedded ingest path — simulate → validate → enrich → sink, on
// in-process topics — into real PostgreSQL and into PGlite, the same seeded run on each.
//
//   npx tsx bench/ingest-throughput.ts [--gpus 200] [--ticks 300] [--step-ms 10000] [--seed 1]
//
// Uses DATABASE_URL when set (a scratch database is created on that server and dropped after);
// otherwise starts a private PostgreSQL with scripts/services/postgres.js and stops it at the end.
// Profile one side with: node --cpu-prof --import tsx bench/ingest-throughput.ts --only postgres
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import postgres from 'postgres';
import { openDatabase, type Database } from '../db/connect.js';
import { migrate } from '../db/migrate.js';
import { simulatedSpec, startIngest, withDatabaseName, type SimulatedRun } from '../test/support/ingest.js';

const BENCH_DEFAULTS = Object.freeze({
  gpus: 200,
  ticks: 300, // 60 000 samples with 200 GPUs
  stepMs: 10_000, // ten seconds: dcgm-exporter's scrape interval
  seed: 1,
  progressMs: 2_000, // how often progress is printed
});

interface Result {
  readonly kind: string;
  readonly samples: number;
  readonly seconds: number;
  readonly perSecond: number;
}

const log = pino({ level: process.env.LOG_LEVEL ?? 'warn' });
const say = (line: string) => process.stderr.write(`${line}\n`);

async function measure(kind: string, db: Database, run: SimulatedRun): Promise<Result> {
  await migrate(db, { log });
  const expected = run.gpus * run.ticks;
  const began = performance.now();
  const ingest = await startIngest({ spec: simulatedSpec(run), db, log });
  // Inputs the sink has consumed (it releases them only once written).
  const sunk = async () => (await ingest.handle.metrics.recordsIn.get()).values.find((v) => v.labels.stage === 'sink')?.value ?? 0;
  const progress = setInterval(() => {
    void sunk().then((n) => {
      const s = (performance.now() - began) / 1000;
      say(`  ${kind}: ${n.toLocaleString('en')} / ${expected.toLocaleString('en')} samples at the sink, ${s.toFixed(1)} s, ${Math.round(n / s).toLocaleString('en')}/s`);
    });
  }, BENCH_DEFAULTS.progressMs);
  try {
    await ingest.handle.finished;
  } finally {
    clearInterval(progress);
    await ingest.handle.stop();
    await ingest.transport.close();
  }
  const seconds = (performance.now() - began) / 1000;
  const [{ n }] = await db.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM gpu_metrics`;
  if (n !== expected) say(`  ${kind}: warning: ${n} rows stored, ${expected} expected`);
  return { kind, samples: n, seconds, perSecond: n / seconds };
}

async function postgresServer(): Promise<{ url: string; stop: () => Promise<void> }> {
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL, stop: async () => {} };
  say('DATABASE_URL is not set: starting a private PostgreSQL (scripts/services/postgres.js)');
  // The services scripts are plain JavaScript; their shape is declared here.
  const services = (await import('../scripts/services/postgres.js' as string)) as {
    start(options?: { database?: string }): Promise<{ url: string; stop(): Promise<void> }>;
  };
  return services.start({ database: 'ghm_bench' });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      gpus: { type: 'string', default: String(BENCH_DEFAULTS.gpus) },
      ticks: { type: 'string', default: String(BENCH_DEFAULTS.ticks) },
      'step-ms': { type: 'string', default: String(BENCH_DEFAULTS.stepMs) },
      seed: { type: 'string', default: String(BENCH_DEFAULTS.seed) },
      only: { type: 'string' }, // postgres | pglite
    },
  });
  const run: SimulatedRun = { seed: Number(values.seed), gpus: Number(values.gpus), ticks: Number(values.ticks), stepMs: Number(values['step-ms']) };
  say(`ingest throughput: ${run.gpus} GPUs × ${run.ticks} scrapes = ${(run.gpus * run.ticks).toLocaleString('en')} samples, simulate → validate → enrich → sink`);
  const results: Result[] = [];

  if (values.only !== 'pglite') {
    const server = await postgresServer();
    const name = `ghm_bench_ingest_${process.pid}`;
    const admin = postgres(server.url, { max: 1, onnotice: () => {} });
    try {
      await admin.unsafe(`CREATE DATABASE ${name}`);
      const db = await openDatabase({ url: withDatabaseName(server.url, name), log });
      try {
        say(`PostgreSQL (${db.displayUrl}):`);
        results.push(await measure('PostgreSQL', db, run));
      } finally {
        await db.close();
        await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      }
    } finally {
      await admin.end({ timeout: 5 });
      await server.stop();
    }
  }

  if (values.only !== 'postgres') {
    const dataDir = await mkdtemp(join(tmpdir(), 'ghm-bench-pglite-'));
    const db = await openDatabase({ dataDir, log });
    try {
      say(`PGlite (${dataDir}):`);
      results.push(await measure('PGlite', db, run));
    } finally {
      await db.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  }

  say('');
  for (const r of results) {
    say(`${r.kind.padEnd(10)} ${r.samples.toLocaleString('en').padStart(9)} samples in ${r.seconds.toFixed(1).padStart(6)} s = ${Math.round(r.perSecond).toLocaleString('en').padStart(7)} samples/s`);
  }
  if (results.length === 2) say(`PostgreSQL / PGlite: ${(results[0].perSecond / results[1].perSecond).toFixed(2)}×`);
}

main().catch((error: unknown) => {
  say(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
