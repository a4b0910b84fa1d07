import { Subject, takeUntil, timer, concatMap, from, map, type Observable } from 'rxjs';
import { z } from 'zod';
import { resolvePipeline, type PipelineSpecInput } from '../../pipeline/definition.js';
import { createLogger } from '../../pipeline/log.js';
import { perRecord, StageFailure } from '../../pipeline/operators.js';
import { defineStage, emit, release, type Envelope, type StageEvent } from '../../pipeline/stage.js';
import type { AnyStageDefinition } from '../../pipeline/stage.js';

/** Test-only stage kinds built on the real stage API (they run on the real runner and transport). */

export interface TestSample {
  gpu_uuid: string;
  ts_ms: number;
  hostname: string;
  gpu_index: number;
  model_name: string;
  source: string;
  gpu_temp_c: number | null;
  labels: Record<string, string>;
  extra: Record<string, number>;
}

export function sample(i: number, gpus = 8): TestSample {
  return {
    gpu_uuid: `GPU-${String(i % gpus).padStart(8, '0')}-0000-0000-0000-000000000000`,
    ts_ms: 1_700_000_000_000 + i * 1_000,
    hostname: `host-${Math.floor((i % gpus) / 8)}`,
    gpu_index: i % 8,
    model_name: 'NVIDIA H100 80GB HBM3',
    source: 'test',
    gpu_temp_c: i % 100,
    labels: {},
    extra: {},
  };
}

/** A finite source of `count` samples. */
export const numberedSource = defineStage({
  kind: 'test-source',
  description: 'Emits `count` numbered samples and completes.',
  params: z.object({ count: z.number().int().nonnegative().default(100), gpus: z.number().int().positive().default(8) }),
  input: [],
  output: 'GpuSample',
  operator: (params, ctx) => () =>
    from(Array.from({ length: params.count }, (_, i) => i)).pipe(
      concatMap(async (i) => {
        await ctx.ready();
        return i;
      }),
      takeUntil(ctx.stopping$),
      map((i): StageEvent<TestSample> => {
        const s = sample(i, params.gpus);
        return emit(s, s.gpu_uuid, s.ts_ms, []);
      }),
    ),
});

/** Passes samples on; rejects those whose temperature is in `reject_temps` (to the dead-letter topic). */
export const checkTemp = defineStage({
  kind: 'test-check',
  description: 'Passes samples, dead-letters listed temperatures.',
  params: z.object({ reject_temps: z.array(z.number()).default([]), fail_at_temp: z.number().optional() }),
  input: ['GpuSample'],
  output: 'GpuSample',
  operator: (params) =>
    perRecord<TestSample, TestSample>((e) => {
      if (params.reject_temps.includes(e.value.gpu_temp_c ?? -1)) throw new Error(`temperature ${e.value.gpu_temp_c} rejected`);
      if (e.value.gpu_temp_c === params.fail_at_temp) throw new StageFailure('the thermometer service is away');
      return { value: e.value, key: e.key, tsMs: e.tsMs };
    }),
});

/** A terminal stage that hands each input to a test-provided collector, which decides when it is durable. */
export interface Collector {
  readonly seen: TestSample[];
  /** Delay (ms) before an input counts as written. */
  delayMs: number;
  readonly written$: Subject<TestSample>;
}

export function newCollector(delayMs = 0): Collector {
  return { seen: [], delayMs, written$: new Subject() };
}

export const collect = defineStage({
  kind: 'test-collect',
  description: 'Terminal: gives inputs to the "collector" service and releases each once it is written.',
  params: z.object({}),
  input: ['GpuSample'],
  output: null,
  operator: (_params, ctx) => (in$: Observable<Envelope<unknown>>) => {
    const collector = ctx.service<Collector>('collector');
    return in$.pipe(
      concatMap((e) =>
        (collector.delayMs > 0 ? timer(collector.delayMs) : from([0])).pipe(
          map(() => {
            const value = e.value as TestSample;
            collector.seen.push(value);
            collector.written$.next(value);
            return release([e]);
          }),
        ),
      ),
    );
  },
});

export const testCatalogue = (): Map<string, AnyStageDefinition> =>
  new Map<string, AnyStageDefinition>([numberedSource, checkTemp, collect].map((d) => [d.kind, d]));

export function linearPipeline(count: number, rejectTemps: number[] = [], partitions = 3): PipelineSpecInput {
  return {
    name: 'test',
    topics: {
      'gpu.samples.raw': { record: 'GpuSample', partitions },
      'gpu.samples.valid': { record: 'GpuSample', partitions },
      'gpu.deadletter': { record: 'DeadLetter', partitions: 1, key: null },
    },
    stages: {
      source: { kind: 'test-source', output: 'gpu.samples.raw', params: { count } },
      check: { kind: 'test-check', input: 'gpu.samples.raw', output: 'gpu.samples.valid', dead_letter: 'gpu.deadletter', params: { reject_temps: rejectTemps } },
      collect: { kind: 'test-collect', input: 'gpu.samples.valid' },
    },
  };
}

export const resolveTest = (spec: PipelineSpecInput) => resolvePipeline(spec, testCatalogue());

export const quietLog = () => createLogger({ test: true }).child({}, { level: process.env.TEST_LOG_LEVEL ?? 'silent' });
