#!/usr/bin/env node
import { readFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import { openDatabase, type Database } from '../db/connect.js';
import { migrate } from '../db/migrate.js';
import { catalogue } from './catalogue.js';
import { registerClusterCommands } from './cli-cluster.js';
import { readEnv } from './config.js';
import { loadPipelineFile, resolvePipeline, type PipelineSpecInput, type ResolvedPipeline } from './definition.js';
import { catalogueMarkdown, describePipeline, formatDescription } from './describe.js';
import { startPipeline } from './embedded.js';
import { createLogger, type Logger } from './log.js';
import { PipelineMetrics, serveMetrics } from './metrics.js';
import gpuHealth from '../pipelines/gpu-health.js';
import { FleetRecorder } from '../sim/fleet-recorder.js';
import { Fleet } from '../sim/fleet.js';
import { startExporterFleet } from '../sim/exporter-server.js';

/** The definition to use: a file given by flag or PIPELINE_DEFINITION, else the GPU health pipeline. */
export async function loadDefinition(file: string | undefined): Promise<PipelineSpecInput> {
  return file ? ((await loadPipelineFile(file)) as PipelineSpecInput) : structuredClone(gpuHealth);
}

export function resolveDefinition(spec: PipelineSpecInput): ResolvedPipeline {
  return resolvePipeline(spec, catalogue());
}

export async function openConfiguredDatabase(options: { databaseUrl?: string; dataDir?: string }, log: Logger): Promise<Database> {
  const env = readEnv();
  return openDatabase({ url: options.databaseUrl ?? env.DATABASE_URL, dataDir: options.dataDir ?? env.PGLITE_DATA_DIR, log });
}

interface RunOptions {
  definition?: string;
  source?: string[];
  sourceFile?: string;
  gpus?: number;
  seed?: number;
  speed?: number;
  ticks?: number;
  databaseUrl?: string;
  dataDir?: string;
  metricsPort?: number;
}

/** Applies the run flags to the definition: real exporters instead of the simulator, fleet size, pacing. */
/**
 * The exporter URLs to scrape: --source URLs, then those in --source-file (one per line, # comments), then
 * DCGM_EXPORTER_URLS (separated by commas or spaces).
 */
export async function exporterTargets(options: Pick<RunOptions, 'source' | 'sourceFile'>, env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  const fromFile = options.sourceFile
    ? (await readFile(options.sourceFile, 'utf8'))
        .split('\n')
        .map((line) => line.replace(/#.*/, '').trim())
        .filter(Boolean)
    : [];
  const fromEnv = (env.DCGM_EXPORTER_URLS ?? '').split(/[\s,]+/).filter(Boolean);
  return [...new Set([...(options.source ?? []), ...fromFile, ...fromEnv])];
}

function applyRunFlags(spec: PipelineSpecInput, options: RunOptions): PipelineSpecInput {
  const stages = Object.entries(spec.stages);
  const simulated = stages.filter(([, s]) => s.kind === 'simulate');
  for (const [, stage] of simulated) {
    const params = (stage.params ??= {}) as Record<string, unknown>;
    if (options.gpus !== undefined) params.gpus = options.gpus;
    if (options.seed !== undefined) params.seed = options.seed;
    if (options.speed !== undefined) params.speed = options.speed;
    if (options.ticks !== undefined) params.ticks = options.ticks;
  }
  if (options.source?.length) {
    if (!simulated.length) throw new Error('--source replaces the simulate stage, and this definition has none');
    for (const [, stage] of simulated) {
      stage.kind = 'collect';
      stage.params = { targets: options.source, ...(options.ticks ? { scrapes: options.ticks } : {}) };
    }
  }
  return spec;
}

async function run(options: RunOptions): Promise<void> {
  const env = readEnv();
  const log = createLogger({ mode: 'embedded' });
  const source = await exporterTargets(options);
  const spec = applyRunFlags(await loadDefinition(options.definition ?? env.PIPELINE_DEFINITION), { ...options, source });
  const pipeline = resolveDefinition(spec);
  const db = await openConfiguredDatabase(options, log);
  const { applied, layout } = await migrate(db, { log });
  log.info({ applied, layout, database: db.displayUrl, kind: db.kind }, 'database ready');
  const metrics = new PipelineMetrics();
  const { server, url } = await serveMetrics(metrics.registry, options.metricsPort ?? env.METRICS_PORT);
  const handle = await startPipeline({ pipeline, log, metrics, services: new Map<string, unknown>([['database', db]]) });
  const where = [
    '',
    `GPU Health Monitor is running (pipeline ${pipeline.name}, ${pipeline.stages.size} stages, embedded).`,
    `  metrics:   ${url}`,
    `  database:  ${db.kind === 'pglite' ? `embedded PGlite in ${options.dataDir ?? env.PGLITE_DATA_DIR}` : db.displayUrl}`,
    db.kind === 'pglite'
      ? '  look:      the "rows arriving" lines below (PGlite serves one connection: set DATABASE_URL to query with psql)'
      : `  look:      psql "${db.displayUrl}" -c "SELECT count(*), max(ts) FROM gpu_metrics"`,
    '  stop:      Ctrl-C',
    '',
  ].join('\n');
  process.stderr.write(where);
  const progress = setInterval(() => void reportProgress(db, log), PROGRESS_INTERVAL_MS);
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    clearInterval(progress);
    await handle.stop();
    await reportProgress(db, log);
    server.close();
    await db.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  try {
    await handle.finished;
    log.info('every stage finished');
    await shutdown('finished');
  } catch (error) {
    log.fatal({ err: error }, 'a stage failed');
    clearInterval(progress);
    await handle.stop(2_000);
    server.close();
    await db.close();
    process.exit(1);
  }
}

const PROGRESS_INTERVAL_MS = 10_000; // how often `run` reports what has reached the database

/** One log line of what the database holds: the operator's "is it working?" answer. */
async function reportProgress(db: Database, log: Logger): Promise<void> {
  try {
    const [row] = await db.sql<{ samples: number; gpus: number; latest: Date | null; dead: number }[]>`
      SELECT (SELECT count(*)::int FROM gpu_metrics) AS samples,
             (SELECT count(*)::int FROM gpu_assets) AS gpus,
             (SELECT max(ts) FROM gpu_metrics) AS latest,
             (SELECT count(*)::int FROM dead_letters) AS dead`;
    log.info({ gpu_metrics: row.samples, gpu_assets: row.gpus, latest_event_time: row.latest, dead_letters: row.dead }, 'rows arriving');
  } catch (error) {
    log.warn({ err: error }, 'progress query failed');
  }
}

export function buildProgram(): Command {
  const program = new Command('pipeline')
    .description('GPU Health Monitor: run, inspect and operate the stream-processing pipeline.')
    .showHelpAfterError();
  const definitionOption = () => new Option('-d, --definition <file>', 'pipeline definition (.ts/.js module, .yaml or .json); default: the GPU health pipeline').env('PIPELINE_DEFINITION');

  program
    .command('run')
    .description('Run every stage in this process (embedded mode): in-process topics, PGlite unless DATABASE_URL is set.')
    .addOption(definitionOption())
    .option('--source <url...>', 'scrape these dcgm-exporter /metrics URLs instead of simulating a fleet (also: DCGM_EXPORTER_URLS)')
    .option('--source-file <file>', 'a file of dcgm-exporter URLs to scrape, one per line')
    .option('--gpus <n>', 'simulated fleet size', (v) => Number.parseInt(v, 10))
    .option('--seed <n>', 'simulator seed', (v) => Number.parseInt(v, 10))
    .option('--speed <x>', 'simulated event-time ms per wall ms (0: as fast as possible)', Number)
    .option('--ticks <n>', 'stop after this many scrapes (0: run until stopped)', (v) => Number.parseInt(v, 10))
    .addOption(new Option('--database-url <url>', 'PostgreSQL URL (default: embedded PGlite)').env('DATABASE_URL'))
    .addOption(new Option('--data-dir <dir>', 'PGlite data directory').env('PGLITE_DATA_DIR'))
    .addOption(new Option('--metrics-port <port>', 'port of /metrics (0: any free port)').env('METRICS_PORT').argParser((v) => Number.parseInt(v, 10)))
    .action((options: RunOptions) => run(options));

  program
    .command('describe')
    .description('Print the pipeline graph: topics, stages, their edges and parameters with defaults.')
    .addOption(definitionOption())
    .option('--json', 'machine-readable output')
    .option('--catalogue', 'print the stage catalogue (Markdown) instead')
    .action(async (options: { definition?: string; json?: boolean; catalogue?: boolean }) => {
      if (options.catalogue) {
        process.stdout.write(`${catalogueMarkdown(catalogue())}\n`);
        return;
      }
      const description = describePipeline(resolveDefinition(await loadDefinition(options.definition)));
      process.stdout.write(options.json ? `${JSON.stringify(description, null, 2)}\n` : `${formatDescription(description)}\n`);
    });

  program
    .command('migrate')
    .description('Apply the SQL migrations in schema/ to the database (PGlite unless DATABASE_URL is set).')
    .addOption(new Option('--database-url <url>', 'PostgreSQL URL').env('DATABASE_URL'))
    .addOption(new Option('--data-dir <dir>', 'PGlite data directory').env('PGLITE_DATA_DIR'))
    .action(async (options: { databaseUrl?: string; dataDir?: string }) => {
      const log = createLogger({ command: 'migrate' });
      const db = await openConfiguredDatabase(options, log);
      try {
        const result = await migrate(db, { log });
        process.stdout.write(`${result.applied.length ? `applied ${result.applied.join(', ')}` : 'up to date'} (layout ${result.layout})\n`);
      } finally {
        await db.close();
      }
    });

  program
    .command('sim')
    .description('Serve a simulated fleet as dcgm-exporter endpoints (one per host), for `run --source` or a real collector.')
    .option('--gpus <n>', 'GPUs in the fleet (eight to a host)', (v) => Number.parseInt(v, 10), 64)
    .option('--seed <n>', 'seed: the same seed serves the same telemetry', (v) => Number.parseInt(v, 10), 1)
    .option('--speed <x>', 'event-time ms per wall ms (1: real time, 3600: an hour a second)', Number, 1)
    .option('--start <iso>', 'event time of the first scrape', '2026-01-01T00:00:00Z')
    .option('--step-ms <ms>', 'event time between readings', (v) => Number.parseInt(v, 10), 10_000)
    .option('--base-port <port>', 'host i listens on base-port + i (0: any free ports)', (v) => Number.parseInt(v, 10), 9400)
    .option('--bind <address>', 'address to listen on', '127.0.0.1')
    .addOption(new Option('--layout <layout>', 'a port per host, or one port with /hosts/<hostname>/metrics').choices(['port-per-host', 'path-per-host']).default('port-per-host'))
    .option('--fault-rate-multiplier <x>', 'multiplies the published failure rates', Number, 1)
    .addOption(new Option('--database-url <url>', 'also write the inventory (gpu_assets) and ground truth (gpu_failure_labels) here').env('DATABASE_URL'))
    .action(async (o: { gpus: number; seed: number; speed: number; start: string; stepMs: number; basePort: number; bind: string; layout: 'port-per-host' | 'path-per-host'; faultRateMultiplier: number; databaseUrl?: string }) => {
      const log = createLogger({ command: 'sim' });
      const startMs = Date.parse(o.start);
      if (Number.isNaN(startMs)) throw new Error(`--start: not a date: ${o.start}`);
      const fleet = new Fleet({ seed: o.seed, gpus: o.gpus, startMs, stepMs: o.stepMs, faultRateMultiplier: o.faultRateMultiplier });
      const served = await startExporterFleet({ fleet, basePort: o.basePort, bindAddress: o.bind, speed: o.speed, layout: o.layout });
      let db: Database | undefined;
      let recorder: FleetRecorder | undefined;
      if (o.databaseUrl) {
        db = await openDatabase({ url: o.databaseUrl, log });
        await migrate(db, { log });
        recorder = new FleetRecorder(db, fleet, log);
        await recorder.writeInventory(new Date(startMs));
      }
      const groundTruth = setInterval(() => {
        void recorder
          ?.writeNewFailures()
          .then((n) => n && log.info({ failures: n }, 'ground truth written'))
          .catch((error: unknown) => log.error({ err: error }, 'ground truth write failed'));
      }, 5_000);
      process.stdout.write(`${served.urls.join('\n')}\n`);
      log.info({ hosts: served.urls.length, gpus: o.gpus, speed: o.speed }, 'serving simulated dcgm-exporter endpoints');
      const stop = () => {
        clearInterval(groundTruth);
        void served.close().then(async () => {
          await db?.close();
          process.exit(0);
        });
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });

  registerClusterCommands(program, { loadDefinition, resolveDefinition });

  return program;
}

const isMain = process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isMain) {
  buildProgram()
    .parseAsync(process.argv)
    .catch((error: unknown) => {
      process.stderr.write(`pipeline: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    });
}
