import { defer, Observable } from 'rxjs';
import { z } from 'zod';
import type { Database } from '../db/connect.js';
import type { GpuSample } from '../dcgm/types.js';
import { emit, defineStage, type StageEvent } from '../pipeline/stage.js';
import { Fleet } from '../sim/fleet.js';
import { FleetRecorder } from '../sim/fleet-recorder.js';

const params = z.object({
  seed: z.number().int().default(1).describe('Seed of the simulated fleet: the same seed gives the same telemetry.'),
  gpus: z.number().int().positive().default(64).describe('GPUs in the fleet (eight to a host).'),
  start: z.string().default('2026-01-01T00:00:00Z').describe('Event time of the first scrape (ISO 8601).'),
  step_ms: z.number().int().positive().default(10_000).describe('Event time between scrapes, ms.'),
  speed: z.number().nonnegative().default(360).describe('Event-time ms per wall ms (360: an hour in 10 s); 0 = as fast as the pipeline takes it.'),
  ticks: z.number().int().nonnegative().default(0).describe('Scrapes to produce before the source ends; 0 = forever.'),
  fault_rate_multiplier: z.number().positive().default(1).describe('Multiplies the published failure rates (raise to see failures sooner).'),
});

/**
 * simulate: the built-in fleet simulator as a source, emitting what dcgm-exporter would report for every
 * GPU at every scrape, in event time. It also writes the asset inventory and the ground truth of every
 * failure (when a database is provided), for training and for checking predictions.
 */
export const simulate = defineStage({
  kind: 'simulate',
  description: 'Source: a seeded, deterministic GPU fleet (A100/H100/H200) with workloads and degradations that lead to failures.',
  params,
  input: [],
  output: 'GpuSample',
  operator: (p, ctx) => (): Observable<StageEvent<GpuSample>> =>
    defer(() => {
      const startMs = Date.parse(p.start);
      if (Number.isNaN(startMs)) throw new Error(`simulate.start "${p.start}" is not an ISO date`);
      const fleet = new Fleet({ seed: p.seed, gpus: p.gpus, startMs, stepMs: p.step_ms, faultRateMultiplier: p.fault_rate_multiplier });
      const db = ctx.serviceOrNull<Database>('database');
      const recorder = db ? new FleetRecorder(db, fleet, ctx.log) : null;
      const wallPerTickMs = p.speed > 0 ? p.step_ms / p.speed : 0;
      // Ticks are pulled one at a time, each after the runner has room (ctx.ready): an endless fleet must not
      // be generated ahead of what the pipeline takes.
      return new Observable<StageEvent<GpuSample>>((subscriber) => {
        let stopped = false;
        const stopping = ctx.stopping$.subscribe({ complete: () => (stopped = true), next: () => (stopped = true) });
        void (async () => {
          await recorder?.writeInventory(new Date(startMs));
          for (let i = 0; !stopped && (p.ticks === 0 || i < p.ticks); i++) {
            await ctx.ready();
            if (wallPerTickMs > 0 && i > 0) await new Promise((resolve) => setTimeout(resolve, wallPerTickMs)); // pacing only
            if (stopped) break;
            const tick = fleet.step();
            await recorder?.writeNewFailures();
            for (const sample of tick.samples) subscriber.next(emit(sample, sample.gpu_uuid, sample.ts_ms, []));
          }
          subscriber.complete();
        })().catch((error: unknown) => subscriber.error(error));
        return () => {
          stopped = true;
          stopping.unsubscribe();
        };
      });
    }),
});


