import { Gauge, Histogram, type Registry } from 'prom-client';
import { concatMap, defer, exhaustMap, from, mergeMap, take, takeUntil, timer, type Observable } from 'rxjs';
import { z } from 'zod';
import { scrapeToSamples } from '../dcgm/scrape-to-samples.js';
import type { GpuSample } from '../dcgm/types.js';
import { defineStage, emit, type StageEvent } from '../pipeline/stage.js';

const params = z.object({
  targets: z.array(z.string().url('expected a URL like http://host:9400/metrics')).min(1, 'expected at least one dcgm-exporter URL').describe('dcgm-exporter /metrics URLs to scrape.'),
  interval_ms: z.number().int().positive().default(10_000).describe('Time between scrapes of a target, ms.'),
  timeout_ms: z.number().int().positive().default(5_000).describe('A scrape that takes longer fails, ms.'),
  scrapes: z.number().int().nonnegative().default(0).describe('Scrapes per target before the source ends; 0 = forever.'),
});

interface TargetMetrics {
  readonly up: Gauge<'target'>;
  readonly duration: Histogram<'target'>;
  readonly samples: Gauge<'target'>;
}

function targetMetrics(registry: Registry): TargetMetrics {
  const existing = registry.getSingleMetric('collect_target_up') as Gauge<'target'> | undefined;
  if (existing) {
    return {
      up: existing,
      duration: registry.getSingleMetric('collect_scrape_duration_seconds') as Histogram<'target'>,
      samples: registry.getSingleMetric('collect_scrape_samples') as Gauge<'target'>,
    };
  }
  return {
    up: new Gauge({ name: 'collect_target_up', help: '1 if the last scrape of the target succeeded.', labelNames: ['target'], registers: [registry] }),
    duration: new Histogram({ name: 'collect_scrape_duration_seconds', help: 'Scrape duration.', labelNames: ['target'], registers: [registry], buckets: [0.01, 0.05, 0.1, 0.5, 1, 5] }),
    samples: new Gauge({ name: 'collect_scrape_samples', help: 'GPU samples in the last scrape of the target.', labelNames: ['target'], registers: [registry] }),
  };
}

/** Fetches one target's text, failing on HTTP errors and on the timeout. */
export async function scrapeTarget(url: string, timeoutMs: number): Promise<string> {
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'text/plain' } });
  if (!response.ok) throw new Error(`HTTP ${response.status} from ${url}`);
  return response.text();
}

/**
 * collect: scrapes dcgm-exporter endpoints and emits one sample per GPU per scrape, keyed by GPU UUID.
 * A scrape's event time is the moment it was taken: that is when the readings were true.
 */
export const collect = defineStage({
  kind: 'collect',
  description: 'Source: scrapes dcgm-exporter /metrics endpoints every interval and emits one sample per GPU per scrape.',
  params,
  input: [],
  output: 'GpuSample',
  operator: (p, ctx) => (): Observable<StageEvent<GpuSample>> =>
    defer(() => {
      const metrics = targetMetrics(ctx.metrics);
      const perTarget = (url: string) =>
        timer(0, p.interval_ms).pipe(
          takeUntil(ctx.stopping$),
          // A scrape still running when the next is due makes that one skip (as Prometheus does), so a slow
          // target never builds a queue of scrapes.
          exhaustMap(async () => {
            await ctx.ready();
            const tsMs = Date.now();
            const end = metrics.duration.startTimer({ target: url });
            try {
              const text = await scrapeTarget(url, p.timeout_ms);
              const { samples, problems } = scrapeToSamples(text, { tsMs, source: url });
              metrics.up.set({ target: url }, 1);
              metrics.samples.set({ target: url }, samples.length);
              if (problems.length) ctx.log.warn({ target: url, problems: problems.slice(0, 10), count: problems.length }, 'scrape had problems');
              return samples;
            } catch (error) {
              metrics.up.set({ target: url }, 0);
              ctx.log.warn({ target: url, err: error }, 'scrape failed');
              return [];
            } finally {
              end();
            }
          }),
          take(p.scrapes > 0 ? p.scrapes : Infinity), // scrapes done, not scrapes due
        );
      return from(p.targets).pipe(
        mergeMap(perTarget),
        concatMap((samples) => samples.map((s) => emit(s, s.gpu_uuid, s.ts_ms, []))),
      );
    }),
});
