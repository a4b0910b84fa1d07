// Shared pieces of the ingest tests (test/ingest/) and bench/ingest-throughput.ts: the GPU health
// pipeline with chosen simulator parameters, one embedded run against a database, malformed records
// to inject into gpu.samples.raw, and what the simulator should have produced for a seed.
import { from, concatMap, takeUntil, map, type Observable } from 'rxjs';
import { z } from 'zod';
import type { Database } from '../../db/connect.js';
import { migrate } from '../../db/migrate.js';
import { emptyGpuSample, type GpuSample } from '../../dcgm/types.js';
import { avroRecord } from '../../pipeline/avro.js';
import { catalogue } from '../../pipeline/catalogue.js';
import { resolvePipeline, type PipelineSpecInput } from '../../pipeline/definition.js';
import { startPipeline, type PipelineHandle } from '../../pipeline/embedded.js';
import type { Logger } from '../../pipeline/log.js';
import { AvroCodec, InProcessRegistry } from '../../pipeline/registry.js';
import { defineStage, emit, type AnyStageDefinition, type StageEvent } from '../../pipeline/stage.js';
import { InProcessTransport } from '../../pipeline/transport/in-process.js';
import gpuHealth from '../../pipelines/gpu-health.js';
import { Fleet, type FailureRecord, type GpuAssetRow } from '../../sim/fleet.js';

export const RAW_TOPIC = 'gpu.samples.raw';
/** The simulate stage's default first scrape; a fixed start is what makes a seed replay exactly. */
export const SIM_START = '2026-01-01T00:00:00Z';
export const SIM_START_MS = Date.parse(SIM_START);

export interface SimulatedRun {
  readonly seed: number;
  readonly gpus: number;
  readonly ticks: number;
  /** Event time between scrapes, ms. */
  readonly stepMs: number;
  readonly faultRateMultiplier?: number;
}

/** Extra parameters for the stages after the source, by stage name (e.g. enrich's refresh_ms). */
export type StageParams = Readonly<Record<string, Record<string, unknown>>>;

/** The GPU health pipeline (pipelines/gpu-health.ts) with the simulator set to `run`, as fast as it goes. */
export function simulatedSpec(run: SimulatedRun, stageParams: StageParams = {}): PipelineSpecInput {
  const spec = structuredClone(gpuHealth);
  spec.stages.source.params = {
    seed: run.seed,
    gpus: run.gpus,
    ticks: run.ticks,
    step_ms: run.stepMs,
    start: SIM_START,
    speed: 0,
    ...(run.faultRateMultiplier === undefined ? {} : { fault_rate_multiplier: run.faultRateMultiplier }),
  };
  for (const [stage, params] of Object.entries(stageParams)) {
    const target = spec.stages[stage];
    if (!target) throw new Error(`the GPU health pipeline has no stage "${stage}"`);
    target.params = { ...(target.params ?? {}), ...params };
  }
  return spec;
}

/**
 * The pipeline with its simulator replaced by dcgm-exporter scrapes of `targets`, the way
 * `pipeline run --source URL...` rewrites it.
 */
export function exporterSpec(targets: readonly string[], params: { scrapes: number; interval_ms: number; timeout_ms?: number }): PipelineSpecInput {
  const spec = structuredClone(gpuHealth);
  spec.stages.source = { ...spec.stages.source, kind: 'collect', params: { targets: [...targets], ...params } };
  return spec;
}

/** What the simulator produces for a run, computed with the same Fleet the simulate stage drives. */
export interface FleetTruth {
  readonly samples: number;
  readonly samplesByGpu: ReadonlyMap<string, number>;
  readonly assets: readonly GpuAssetRow[];
  readonly failures: readonly FailureRecord[];
}

export function fleetTruth(run: SimulatedRun): FleetTruth {
  const fleet = new Fleet({ seed: run.seed, gpus: run.gpus, startMs: SIM_START_MS, stepMs: run.stepMs, faultRateMultiplier: run.faultRateMultiplier ?? 1 });
  const samplesByGpu = new Map<string, number>();
  let samples = 0;
  for (let i = 0; i < run.ticks; i++) {
    for (const s of fleet.step().samples) {
      samplesByGpu.set(s.gpu_uuid, (samplesByGpu.get(s.gpu_uuid) ?? 0) + 1);
      samples += 1;
    }
  }
  return { samples, samplesByGpu, assets: fleet.assets(), failures: fleet.failures() };
}

// ---------------------------------------------------------------------------------------------
// Malformed records. Each targets a GPU of its own (not in the simulated fleet), so its reason does
// not depend on how its records interleave with the simulator's: a GPU's records share a key, and
// so a partition, and arrive in order. Valid companions (the first sample of a duplicate, the
// higher counter) carry event times within five minutes of the simulator's start, which the
// validate stage accepts wherever the simulator's own stream has got to within the day.
// ---------------------------------------------------------------------------------------------

const H100 = 'NVIDIA H100 80GB HBM3'; // TDP 700 W: validate allows up to 1.5 × 700 = 1050 W
const MINUTE_MS = 60_000;
const YEAR_MS = 365 * 24 * 60 * MINUTE_MS;

function injectedSample(gpu: number, tsMs: number, readings: Partial<GpuSample> = {}): GpuSample {
  const sample = emptyGpuSample({
    gpu_uuid: `GPU-bad0000${gpu}-0000-4000-8000-00000000000${gpu}`,
    ts_ms: tsMs,
    hostname: 'injected-n01',
    gpu_index: gpu,
    model_name: H100,
    pci_bus_id: `00000000:0${gpu}:00.0`,
    driver_version: '570.133.20',
    source: 'test://malformed',
  });
  return {
    ...sample,
    gpu_temp_c: 55,
    memory_temp_c: 60,
    power_w: 400,
    energy_mj: 1_000_000,
    gpu_util_pct: 80,
    sm_clock_mhz: 1_755,
    mem_clock_mhz: 2_619,
    ecc_sbe_aggregate_total: 5,
    ecc_dbe_aggregate_total: 1,
    ...readings,
  };
}

export interface InjectedRecord {
  /** What is wrong with it, or null for a valid companion. */
  readonly fault: string | null;
  readonly sample: GpuSample;
  /** The exact reason the validate stage must give (null: it must pass). */
  readonly reason: RegExp | null;
}

/** The malformed samples (and their valid companions), in the order they are produced. */
export function malformedSamples(startMs = SIM_START_MS): InjectedRecord[] {
  const t1 = startMs + MINUTE_MS;
  const t2 = startMs + 2 * MINUTE_MS;
  const farFuture = startMs + YEAR_MS;
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const hot = injectedSample(1, t1, { gpu_temp_c: 412 });
  const overPower = injectedSample(2, t1, { power_w: 5_000 });
  const first = injectedSample(3, t1);
  const counterBefore = injectedSample(4, t1, { ecc_dbe_aggregate_total: 7 });
  const counterAfter = injectedSample(4, t2, { ecc_dbe_aggregate_total: 3, energy_mj: 1_060_000 });
  const anchor = injectedSample(5, t1);
  const future = injectedSample(5, farFuture);
  return [
    { fault: 'gpu temperature out of range', sample: hot, reason: /^gpu_temp_c 412 outside \[-10, 125\]$/ },
    { fault: 'power far above TDP', sample: overPower, reason: /^power_w 5000 outside \[0, 1050\]$/ },
    { fault: null, sample: first, reason: null },
    { fault: 'duplicate sample', sample: { ...first }, reason: new RegExp(`^duplicate sample for ${esc(first.gpu_uuid)} at ts_ms ${t1}$`) },
    { fault: null, sample: counterBefore, reason: null },
    { fault: 'counter going backwards', sample: counterAfter, reason: /^ecc_dbe_aggregate_total went backwards from 7 to 3$/ },
    { fault: null, sample: anchor, reason: null },
    { fault: 'far-future timestamp', sample: future, reason: new RegExp(`^ts_ms ${farFuture} is \\d+ ms ahead of the stream$`) },
  ];
}

/** Bytes on gpu.samples.raw that are not Confluent-framed Avro at all. */
export const NOT_AVRO = Object.freeze({
  key: 'GPU-bad00009-0000-4000-8000-000000000009',
  value: '{"gpu_uuid":"GPU-bad00009","gpu_temp_c":"hot"}',
  reason: /^undecodable record: not Confluent-framed Avro \(missing magic byte 0\)$/,
});

/** A second source on gpu.samples.raw, beside the simulator: emits malformedSamples() through the real runner and codec. */
export const injectMalformed = defineStage({
  kind: 'inject-malformed',
  description: 'Test source: malformed GPU samples (and their valid companions) for the validate stage to catch.',
  params: z.object({ start_ms: z.number().int().default(SIM_START_MS) }),
  input: [],
  output: 'GpuSample',
  operator: (p, ctx) => (): Observable<StageEvent<GpuSample>> =>
    from(malformedSamples(p.start_ms)).pipe(
      concatMap(async (r) => {
        await ctx.ready();
        return r.sample;
      }),
      takeUntil(ctx.stopping$),
      map((s) => emit(s, s.gpu_uuid, s.ts_ms, [])),
    ),
});

export function withInjector(spec: PipelineSpecInput): PipelineSpecInput {
  return { ...spec, stages: { ...spec.stages, inject: { kind: injectMalformed.kind, output: RAW_TOPIC } } };
}

// ---------------------------------------------------------------------------------------------
// One embedded run.
// ---------------------------------------------------------------------------------------------

export interface IngestRun {
  readonly handle: PipelineHandle;
  readonly transport: InProcessTransport;
  /** Records that went onto gpu.samples.raw, from every source. */
  rawRecords(): number;
}

export interface IngestOptions {
  readonly spec: PipelineSpecInput;
  readonly db: Database;
  readonly log: Logger;
  readonly extraKinds?: readonly AnyStageDefinition[];
  /** Produce these (key, bytes) onto gpu.samples.raw before the stages start, bypassing the codec. */
  readonly rawBytes?: readonly { key: string; value: Buffer }[];
}

/** Migrates the database and starts every stage of the definition in this process. */
export async function startIngest(options: IngestOptions): Promise<IngestRun> {
  await migrate(options.db, { log: options.log });
  const pipeline = resolvePipeline(options.spec, catalogue(options.extraKinds ?? []));
  const transport = new InProcessTransport();
  const registry = new InProcessRegistry();
  if (options.rawBytes?.length) {
    const raw = pipeline.topics.get(RAW_TOPIC);
    if (!raw) throw new Error(`the definition has no ${RAW_TOPIC} topic`);
    await transport.ensureTopics([{ name: RAW_TOPIC, partitions: raw.partitions }]);
    // The pipeline's own codec registers the topic's schema in the shared registry first, as the runner will.
    await new AvroCodec(registry).bindTopic(RAW_TOPIC, avroRecord(raw.record).schema);
    const producer = await transport.producer();
    await producer.send(RAW_TOPIC, options.rawBytes.map((r) => ({ key: Buffer.from(r.key), value: r.value, timestampMs: SIM_START_MS })));
  }
  const handle = await startPipeline({ pipeline, log: options.log, transport, registry, services: new Map<string, unknown>([['database', options.db]]) });
  return {
    handle,
    transport,
    rawRecords: () => transport.endOffsets(RAW_TOPIC).reduce((a, b) => a + b, 0),
  };
}

/** Runs a finite definition to its end and stops it. */
export async function runIngest(options: IngestOptions): Promise<IngestRun> {
  const run = await startIngest(options);
  try {
    await run.handle.finished;
  } finally {
    await run.handle.stop();
    await run.transport.close();
  }
  return run;
}

// ---------------------------------------------------------------------------------------------
// Reading back.
// ---------------------------------------------------------------------------------------------

export type MetricRow = Record<string, unknown> & { gpu_uuid: string; ts: Date };

/** Every gpu_metrics row, every column, in (gpu_uuid, ts) order. */
export async function metricRows(db: Database): Promise<MetricRow[]> {
  return [...(await db.sql<MetricRow[]>`SELECT * FROM gpu_metrics ORDER BY gpu_uuid, ts`)];
}

export async function countRows(db: Database, table: 'gpu_metrics' | 'dead_letters' | 'gpu_assets' | 'gpu_failure_labels'): Promise<number> {
  const [row] = await db.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM ${db.sql(table)}`;
  return row.n;
}

/** DATABASE_URL with another database name. */
export function withDatabaseName(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}
