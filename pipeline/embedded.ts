import type { ResolvedPipeline } from './definition.js';
import { topologicalStages } from './definition.js';
import type { Logger } from './log.js';
import { PipelineMetrics } from './metrics.js';
import { AvroCodec, InProcessRegistry, type SchemaRegistry } from './registry.js';
import { StageRunner, type RunnerOptions } from './runner.js';
import type { Transport } from './transport/types.js';
import { InProcessTransport, type InProcessOptions } from './transport/in-process.js';

export interface PipelineHandle {
  readonly transport: Transport;
  readonly runners: ReadonlyMap<string, StageRunner>;
  readonly metrics: PipelineMetrics;
  /** Resolves when every stage has finished (finite sources), rejects when any stage fails. */
  readonly finished: Promise<void>;
  stop(timeoutMs?: number): Promise<void>;
}

export interface StartOptions {
  readonly pipeline: ResolvedPipeline;
  readonly log: Logger;
  readonly transport?: Transport;
  readonly registry?: SchemaRegistry;
  readonly metrics?: PipelineMetrics;
  readonly services?: ReadonlyMap<string, unknown>;
  readonly runner?: RunnerOptions;
  readonly inProcess?: InProcessOptions;
  /** Only these stages (default all). */
  readonly only?: readonly string[];
}

/**
 * Starts stages of a pipeline in this process — all of them by default (embedded mode). Consumers start
 * before the stages that feed them, so nothing is produced before its readers have joined their groups.
 */
export async function startPipeline(options: StartOptions): Promise<PipelineHandle> {
  const { pipeline, log } = options;
  const transport = options.transport ?? new InProcessTransport(options.inProcess);
  const metrics = options.metrics ?? new PipelineMetrics();
  const codec = new AvroCodec(options.registry ?? new InProcessRegistry());
  await transport.ensureTopics(
    [...pipeline.topics.values()].map((t) => ({ name: t.name, partitions: t.partitions, retentionMs: t.retention_ms })),
  );
  const chosen = topologicalStages(pipeline).filter((s) => !options.only || options.only.includes(s.name));
  const runners = new Map<string, StageRunner>();
  for (const stage of chosen) {
    const runner = new StageRunner({ pipeline, stage, transport, codec, log, metrics, services: options.services, options: options.runner });
    await runner.prepare();
    runners.set(stage.name, runner);
  }
  for (const runner of [...runners.values()].reverse()) await runner.start();
  const finished = Promise.all([...runners.values()].map((r) => r.finished)).then(() => undefined);
  finished.catch(() => {});
  let stopped = false;
  return {
    transport,
    runners,
    metrics,
    finished,
    async stop(timeoutMs?: number) {
      if (stopped) return;
      stopped = true;
      // Sources first, so the stages after them can drain what is already in flight.
      for (const runner of runners.values()) await runner.stop(timeoutMs);
      if (!options.transport) await transport.close(); // a transport passed in belongs to the caller

    },
  };
}
