import { Subject, type Subscription } from 'rxjs';
import { avroRecord } from './avro.js';
import type { ResolvedPipeline, ResolvedStage } from './definition.js';
import type { Logger } from './log.js';
import type { PipelineMetrics } from './metrics.js';
import type { AvroCodec } from './registry.js';
import type { Envelope, StageContext, StageEvent } from './stage.js';
import type { Consumer, OutgoingRecord, Producer, Transport, WireRecord } from './transport/types.js';

export interface RunnerSettings {
  readonly maxInFlight: number;
  readonly maxSendBatch: number;
  readonly shutdownTimeoutMs: number;
}

export const RUNNER_DEFAULTS: RunnerSettings = Object.freeze({
  /** Inputs consumed and not yet settled before the runner stops taking more (backpressure). */
  maxInFlight: 2_000, // records
  /** Outputs sent to the transport in one call. */
  maxSendBatch: 500, // records
  /** Time a graceful stop may take to drain in-flight work before it gives up and closes. */
  shutdownTimeoutMs: 10_000, // ten seconds
});

export type RunnerOptions = Partial<RunnerSettings>;

interface Tracked {
  readonly envelope: Envelope;
  readonly arrivedAt: bigint;
  pending: number;
  released: boolean;
  settled: boolean;
}

interface Outgoing {
  readonly topic: string;
  readonly record: OutgoingRecord;
  readonly from: readonly Tracked[];
  readonly deadLetter: boolean;
}


const entryKey = (topic: string, partition: number): string => `${topic}/${partition}`;

/** Tracks inputs per partition in offset order, so a commit never passes an unsettled record. */
class OffsetTracker {
  private readonly partitions = new Map<string, { topic: string; partition: number; queue: Tracked[]; committed: number }>();
  private readonly byEnvelope = new Map<Envelope, Tracked>();
  inFlight = 0;

  add(envelope: Envelope): Tracked {
    const key = entryKey(envelope.topic, envelope.partition);
    let p = this.partitions.get(key);
    if (!p) {
      p = { topic: envelope.topic, partition: envelope.partition, queue: [], committed: -1 };
      this.partitions.set(key, p);
    }
    const tracked: Tracked = { envelope, arrivedAt: process.hrtime.bigint(), pending: 0, released: false, settled: false };
    p.queue.push(tracked);
    this.byEnvelope.set(envelope, tracked);
    this.inFlight += 1;
    return tracked;
  }

  get(envelope: Envelope): Tracked | undefined {
    return this.byEnvelope.get(envelope);
  }

  /** Marks a record settled if it is; returns whether it became settled now. */
  settleIfDone(t: Tracked): boolean {
    if (t.settled || !t.released || t.pending > 0) return false;
    t.settled = true;
    this.byEnvelope.delete(t.envelope);
    this.inFlight -= 1;
    return true;
  }

  /** Offsets that may be committed now: per partition, one past the last of the settled prefix. */
  advance(): { topic: string; partition: number; offset: string }[] {
    const out: { topic: string; partition: number; offset: string }[] = [];
    for (const p of this.partitions.values()) {
      let last: Tracked | undefined;
      while (p.queue.length && p.queue[0].settled) last = p.queue.shift();
      if (last) {
        const next = Number(last.envelope.offset) + 1;
        if (next > p.committed) {
          p.committed = next;
          out.push({ topic: p.topic, partition: p.partition, offset: String(next) });
        }
      }
    }
    return out;
  }

  /** Inputs consumed beyond what can be committed. */
  lag(): number {
    let n = 0;
    for (const p of this.partitions.values()) n += p.queue.length;
    return n;
  }

  /** Forgets a revoked partition: its uncommitted inputs will be replayed by the new owner. */
  drop(topic: string, partition: number): void {
    const p = this.partitions.get(entryKey(topic, partition));
    if (!p) return;
    for (const t of p.queue) {
      if (!t.settled) this.inFlight -= 1;
      this.byEnvelope.delete(t.envelope);
      t.settled = true;
    }
    this.partitions.delete(entryKey(topic, partition));
  }
}

export interface StageRunnerDeps {
  readonly pipeline: ResolvedPipeline;
  readonly stage: ResolvedStage;
  readonly transport: Transport;
  readonly codec: AvroCodec;
  readonly log: Logger;
  readonly metrics: PipelineMetrics;
  readonly services?: ReadonlyMap<string, unknown>;
  readonly options?: RunnerOptions;
}

/**
 * Binds one stage to a transport: consume → decode → operator → encode → produce, dead-letters what the
 * stage cannot handle, and commits an input offset only once every output derived from it (and every
 * earlier input of its partition) is acknowledged.
 */
export class StageRunner {
  readonly options: RunnerSettings;
  private readonly log: Logger;
  private readonly tracker = new OffsetTracker();
  private readonly input$ = new Subject<Envelope>();
  private readonly stopping$ = new Subject<void>();
  private readonly revoked$ = new Subject<readonly { topic: string; partition: number }[]>();
  private consumer?: Consumer;
  private producer?: Producer;
  private subscription?: Subscription;
  private sendQueue: Outgoing[] = [];
  private sending = false;
  private capacityWaiters: (() => void)[] = [];
  private idleWaiters: (() => void)[] = [];
  private failure?: Error;
  private operatorDone = false;
  private finishedResolve!: () => void;
  private finishedReject!: (e: Error) => void;
  /** Resolves when the stage has processed its whole input (finite runs) and everything is acknowledged. */
  readonly finished: Promise<void>;
  private endWriters: (() => void)[] = [];
  /** The last commit in flight: stop() waits for it so a graceful stop leaves nothing uncommitted. */
  private lastCommit: Promise<void> = Promise.resolve();

  constructor(private readonly deps: StageRunnerDeps) {
    this.options = Object.freeze({ ...RUNNER_DEFAULTS, ...deps.options });
    this.log = deps.log.child({ stage: deps.stage.name, kind: deps.stage.kind });
    this.finished = new Promise<void>((resolve, reject) => {
      this.finishedResolve = resolve;
      this.finishedReject = reject;
    });
    this.finished.catch(() => {});
  }

  get name(): string {
    return this.deps.stage.name;
  }

  get group(): string {
    return `${this.deps.pipeline.name}.${this.deps.stage.name}`;
  }

  /** Registers schemas and, for in-process runs, declares this stage a writer of its output topics. */
  async prepare(): Promise<void> {
    const { stage, pipeline, codec, transport } = this.deps;
    for (const t of [...stage.inputs, stage.output, stage.deadLetter]) {
      if (!t) continue;
      const topic = pipeline.topics.get(t)!;
      await codec.bindTopic(t, avroRecord(topic.record).schema);
    }
    const declare = (transport as { declareWriter?: (topic: string) => () => void }).declareWriter;
    if (declare) {
      for (const t of [stage.output, stage.deadLetter]) if (t) this.endWriters.push(declare.call(transport, t));
    }
  }

  async start(): Promise<void> {
    const { stage, transport, metrics, pipeline } = this.deps;
    this.producer = await transport.producer();
    const services = this.deps.services ?? new Map<string, unknown>();
    const ctx: StageContext = {
      name: stage.name,
      pipeline: pipeline.name,
      log: this.log,
      metrics: metrics.registry,
      recordOf: (topic: string) => avroRecord(pipeline.topics.get(topic)?.record ?? topic).name,
      service: <T>(serviceName: string): T => {
        if (!services.has(serviceName)) throw new Error(`stage ${stage.name} needs service "${serviceName}", which is not provided`);
        return services.get(serviceName) as T;
      },
      ready: () => this.outputCapacity(),
      serviceOrNull: <T>(serviceName: string): T | null => (services.has(serviceName) ? (services.get(serviceName) as T) : null),
      stopping$: this.stopping$.asObservable(),
      revoked$: this.revoked$.asObservable(),
    };
    const operator = stage.definition.operator(stage.params, ctx);
    this.subscription = this.input$.pipe(operator).subscribe({
      next: (event) => this.onEvent(event as StageEvent),
      error: (error: unknown) => this.fail(error instanceof Error ? error : new Error(String(error))),
      complete: () => {
        this.operatorDone = true;
        this.checkFinished();
      },
    });
    metrics.inFlight.set({ stage: stage.name }, 0);
    if (!stage.inputs.length) return; // a source: its operator produces on its own
    this.consumer = await transport.consumer({
      group: this.group,
      topics: stage.inputs,
      fromBeginning: true,
      holdsInputs: stage.definition.holdsInputs ?? false,
    });
    await this.consumer.run({
      onRecords: (records) => this.onRecords(records),
      onRevoked: (partitions) => {
        for (const p of partitions) this.tracker.drop(p.topic, p.partition);
        this.revoked$.next(partitions);
        this.wakeCapacity();
      },
      onEnd: () => this.input$.complete(),
    });
    this.log.info({ group: this.group, inputs: stage.inputs, output: stage.output }, 'stage started');
  }

  private async onRecords(records: readonly WireRecord[]): Promise<void> {
    const { codec, metrics, stage } = this.deps;
    metrics.recordsIn.inc({ stage: stage.name }, records.length);
    for (const record of records) {
      if (this.failure) return;
      const envelope: Envelope = {
        value: undefined,
        key: record.key ? record.key.toString('utf8') : null,
        tsMs: record.timestampMs,
        topic: record.topic,
        partition: record.partition,
        offset: record.offset,
        raw: record.value,
      };
      let decoded: Envelope;
      try {
        decoded = { ...envelope, value: await codec.decode(record.topic, record.value) };
      } catch (error) {
        const tracked = this.tracker.add(envelope);
        this.onEvent({ kind: 'dead', from: tracked.envelope, reason: `undecodable record: ${(error as Error).message}` });
        continue;
      }
      this.tracker.add(decoded);
      this.input$.next(decoded);
      // Backpressure: a stage that holds inputs as state is bounded by its unacknowledged outputs instead.
      await (stage.definition.holdsInputs ? this.outputCapacity() : this.waitForCapacity());
    }
    this.updateGauges();
  }

  /** Outputs enqueued or being sent and not yet acknowledged. */
  private unacknowledged = 0;
  private outputWaiters: (() => void)[] = [];
  private closing = false;

  private outputCapacity(): Promise<void> {
    if (this.unacknowledged < this.options.maxInFlight || this.failure || this.closing) return Promise.resolve();
    return new Promise((resolve) => this.outputWaiters.push(resolve));
  }

  private waitForCapacity(): Promise<void> {
    if (this.tracker.inFlight < this.options.maxInFlight || this.failure) return Promise.resolve();
    return new Promise((resolve) => this.capacityWaiters.push(resolve));
  }

  private wakeCapacity(): void {
    if (this.tracker.inFlight >= this.options.maxInFlight && !this.failure) return;
    const waiters = this.capacityWaiters;
    this.capacityWaiters = [];
    for (const w of waiters) w();
  }

  private onEvent(event: StageEvent): void {
    const { stage, codec, pipeline } = this.deps;
    const from: Tracked[] = [];
    const envelopes = event.kind === 'dead' ? [event.from] : event.from;
    for (const e of envelopes) {
      const t = this.tracker.get(e);
      if (!t) {
        // Its partition was revoked (or it settled already): the new owner redoes it; emitting would duplicate.
        if (event.kind !== 'release') return;
        continue;
      }
      from.push(t);
    }
    if (event.kind === 'release') {
      for (const t of from) t.released = true;
      this.settle(from);
      return;
    }
    if (event.kind === 'dead') {
      this.deps.metrics.deadLettered.inc({ stage: stage.name });
      this.log.warn({ topic: event.from.topic, partition: event.from.partition, offset: event.from.offset, reason: event.reason }, 'dead-lettered');
      if (!stage.deadLetter) {
        this.fail(new Error(`stage ${stage.name} has no dead_letter topic and could not handle a record: ${event.reason}`));
        return;
      }
      const value = {
        stage: stage.name,
        reason: event.reason,
        source_topic: event.from.topic,
        source_partition: event.from.partition,
        source_offset: Number(event.from.offset),
        key: event.from.key === null ? null : Buffer.from(event.from.key, 'utf8'),
        value: event.from.raw,
        ts_ms: event.from.tsMs,
      };
      this.enqueue(stage.deadLetter, { key: value.key, value: codec.encode(stage.deadLetter, value), timestampMs: event.from.tsMs }, from, true);
      return;
    }
    if (!stage.output) {
      this.fail(new Error(`stage ${stage.name} emitted a record but has no output topic`));
      return;
    }
    let bytes: Buffer;
    try {
      bytes = codec.encode(stage.output, event.value);
    } catch (error) {
      // The stage produced a value its own output schema rejects: dead-letter the inputs it came from.
      for (const t of from) this.onEvent({ kind: 'dead', from: t.envelope, reason: `output does not fit ${pipeline.topics.get(stage.output)?.record}: ${(error as Error).message}` });
      return;
    }
    this.enqueue(stage.output, { key: event.key === null ? null : Buffer.from(event.key, 'utf8'), value: bytes, timestampMs: event.tsMs }, from, false, event.retain ?? false);
  }

  private enqueue(topic: string, record: OutgoingRecord, from: Tracked[], deadLetter: boolean, retain = false): void {
    for (const t of from) {
      t.pending += 1;
      // An input's outputs are emitted together, so acknowledging them settles it, unless the stage keeps it.
      if (!retain) t.released = true;
    }
    this.sendQueue.push({ topic, record, from, deadLetter });
    this.unacknowledged += 1;
    if (!this.sending) void this.pump();
  }

  /** Sends queued outputs in order, one batch at a time per topic run, so per-key order is kept. */
  private async pump(): Promise<void> {
    this.sending = true;
    try {
      while (this.sendQueue.length && !this.failure && !this.closing) {
        const topic = this.sendQueue[0].topic;
        let n = 0;
        while (n < this.sendQueue.length && n < this.options.maxSendBatch && this.sendQueue[n].topic === topic) n++;
        const batch = this.sendQueue.splice(0, n);
        await this.producer!.send(topic, batch.map((o) => o.record));
        const touched: Tracked[] = [];
        const produced = batch.filter((o) => !o.deadLetter).length;
        if (produced) this.deps.metrics.recordsOut.inc({ stage: this.name, topic }, produced);
        for (const o of batch) {
          for (const t of o.from) {
            t.pending -= 1;
            touched.push(t);
          }
        }
        this.unacknowledged -= batch.length;
        if (this.unacknowledged < this.options.maxInFlight) for (const w of this.outputWaiters.splice(0)) w();
        this.settle(touched);
      }
    } catch (error) {
      this.fail(error instanceof Error ? error : new Error(String(error)));
    } finally {
      this.sending = false;
      this.checkIdle();
      this.checkFinished();
    }
  }

  private settle(candidates: readonly Tracked[]): void {
    let any = false;
    for (const t of candidates) {
      if (this.tracker.settleIfDone(t)) {
        any = true;
        this.deps.metrics.processingSeconds.observe({ stage: this.name }, Number(process.hrtime.bigint() - t.arrivedAt) / 1e9);
      }
    }
    if (!any) return;
    const offsets = this.tracker.advance();
    if (offsets.length && this.consumer) {
      this.deps.metrics.commits.inc({ stage: this.name });
      const consumer = this.consumer;
      this.lastCommit = this.lastCommit
        .then(() => consumer.commit(offsets))
        .catch((error: unknown) => this.log.error({ err: error }, 'commit failed; those inputs will be replayed after a restart'));
    }
    this.updateGauges();
    this.wakeCapacity();
    this.checkIdle();
    this.checkFinished();
  }

  private updateGauges(): void {
    this.deps.metrics.inFlight.set({ stage: this.name }, this.tracker.inFlight);
    this.deps.metrics.commitLag.set({ stage: this.name }, this.tracker.lag());
  }

  private checkIdle(): void {
    if (this.sending || this.sendQueue.length) return;
    if (!this.deps.stage.definition.holdsInputs && this.tracker.inFlight > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  private checkFinished(): void {
    if (!this.operatorDone || this.sending || this.sendQueue.length || this.tracker.inFlight > 0) return;
    for (const end of this.endWriters.splice(0)) end();
    this.finishedResolve();
  }

  private fail(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    this.log.error({ err: error }, 'stage failed; uncommitted inputs will be replayed on restart');
    this.wakeCapacity();
    this.finishedReject(error);
  }

  get error(): Error | undefined {
    return this.failure;
  }

  /**
   * Graceful stop: stop consuming, let sources finish, wait (bounded) for in-flight outputs to be
   * acknowledged and committed, then close. Records held in open windows stay uncommitted and are
   * replayed by the next run, which rebuilds the same windows.
   */
  async stop(timeoutMs: number = this.options.shutdownTimeoutMs): Promise<void> {
    await this.consumer?.stop();
    this.stopping$.next();
    this.stopping$.complete();
    const idle = new Promise<void>((resolve) => {
      this.idleWaiters.push(resolve);
      this.checkIdle();
    });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      idle.then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (timedOut) this.log.warn({ inFlight: this.tracker.inFlight }, 'shutdown timed out; unsettled inputs will be replayed');
    this.subscription?.unsubscribe();
    this.closing = true;
    for (const w of this.outputWaiters.splice(0)) w();
    await this.lastCommit;
    await this.consumer?.close();
    await this.producer?.close();
    for (const end of this.endWriters.splice(0)) end(); // this runner writes no more
    this.log.info({ group: this.group }, 'stage stopped');
  }
}
