import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { avroRecord } from '../../pipeline/avro.js';
import type { ResolvedPipeline } from '../../pipeline/definition.js';
import { PipelineMetrics } from '../../pipeline/metrics.js';
import { AvroCodec } from '../../pipeline/registry.js';
import { StageRunner } from '../../pipeline/runner.js';
import type { KafkaTransport } from '../../pipeline/transport/kafka.js';
import { linearPipeline, newCollector, quietLog, resolveTest, sample, type Collector, type TestSample } from '../support/engine.js';
import { confluentRegistry, isolate, kafkaTransport, stageProcessEnv } from './support.js';

const CLI = resolve(import.meta.dirname, 'cluster-cli.ts');

/**
 * The test pipeline split across processes: the test feeds `gpu.samples.raw` at a set pace and collects
 * `gpu.samples.valid` in this process, while `check` runs as `pipeline stage check` child processes.
 */
export class ClusterRun {
  readonly pipeline: ResolvedPipeline;
  readonly definitionFile: string;
  readonly collector: Collector = newCollector();
  readonly raw: string;
  readonly valid: string;
  private readonly transports: KafkaTransport[] = [];
  private collectRunner?: StageRunner;
  readonly children = new Set<ChildProcess>();

  constructor(partitions = 6) {
    const spec = isolate(linearPipeline(0, [], partitions));
    this.pipeline = resolveTest(spec);
    this.raw = this.pipeline.stages.get('check')!.inputs[0];
    this.valid = this.pipeline.stages.get('check')!.output!;
    this.definitionFile = join(mkdtempSync(join(tmpdir(), 'ghm-cluster-')), 'pipeline.json');
    writeFileSync(this.definitionFile, JSON.stringify(spec));
  }

  private transport(): KafkaTransport {
    const t = kafkaTransport();
    this.transports.push(t);
    return t;
  }

  async startCollector(): Promise<void> {
    const transport = this.transport();
    await transport.ensureTopics([...this.pipeline.topics.values()].map((t) => ({ name: t.name, partitions: t.partitions })));
    const codec = new AvroCodec(confluentRegistry());
    this.collectRunner = new StageRunner({
      pipeline: this.pipeline,
      stage: this.pipeline.stages.get('collect')!,
      transport,
      codec,
      log: quietLog(),
      metrics: new PipelineMetrics({ defaultMetrics: false }),
      services: new Map([['collector', this.collector]]),
    });
    await this.collectRunner.prepare();
    await this.collectRunner.start();
  }

  /** Produces samples [from, to) keyed by GPU, `perTick` every `tickMs`, the way a collector would. */
  async feed(from: number, to: number, perTick: number, tickMs: number, gpus = 16): Promise<void> {
    const transport = this.transport();
    const codec = new AvroCodec(confluentRegistry());
    await codec.bindTopic(this.raw, avroRecord('GpuSample').schema);
    const producer = await transport.producer();
    for (let i = from; i < to; i += perTick) {
      const records = [];
      for (let j = i; j < Math.min(to, i + perTick); j++) {
        const s = sample(j, gpus);
        records.push({ key: Buffer.from(s.gpu_uuid), value: codec.encode(this.raw, s), timestampMs: s.ts_ms });
      }
      await producer.send(this.raw, records);
      await new Promise((r) => setTimeout(r, tickMs));
    }
    await producer.close();
  }

  /** Starts one `pipeline stage check` process. */
  startCheck(): ChildProcess {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'stage', 'check', '--definition', this.definitionFile, '--metrics-port', '0'], {
      env: stageProcessEnv(),
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
    return child;
  }

  /** Members of the check stage's group, as the broker sees them. */
  async checkMembers(): Promise<number> {
    const t = this.transports[0];
    const { groups } = await t.admin((a) => a.describeGroups([`${this.pipeline.name}.check`]));
    return groups[0]?.state === 'Stable' ? groups[0].members.length : -1;
  }

  async stop(): Promise<void> {
    await Promise.all(
      [...this.children].map(
        (c) =>
          new Promise<void>((done) => {
            if (c.exitCode !== null || c.signalCode !== null) return done();
            c.once('exit', () => done());
            c.kill('SIGTERM');
          }),
      ),
    );
    await this.collectRunner?.stop(5_000);
    for (const t of this.transports) await t.close().catch(() => {});
  }
}

/** Per GPU, timestamps in arrival order. */
export function timestampsPerGpu(seen: readonly TestSample[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const s of seen) out.set(s.gpu_uuid, [...(out.get(s.gpu_uuid) ?? []), s.ts_ms]);
  return out;
}

export const keyOf = (s: TestSample) => `${s.gpu_uuid}@${s.ts_ms}`;
