import {
  CompressionTypes,
  Kafka,
  Partitioners,
  logLevel as KafkaLogLevel,
  type Admin,
  type Consumer as KafkaConsumer,
  type EachBatchPayload,
  type KafkaMessage,
  type LogEntry,
  type SASLOptions,
  type Producer as KafkaProducer,
  type logCreator,
} from 'kafkajs';
import type { Logger } from '../log.js';
import { parseKafkaOptions, tlsConnectionOptions, type KafkaOptionsInput, type KafkaSettings } from './kafka-options.js';
import type {
  Consumer,
  ConsumerOptions,
  ConsumerHandlers,
  OutgoingRecord,
  Producer,
  TopicConfig,
  TopicPartitionOffset,
  Transport,
  WireRecord,
} from './types.js';

const tp = (topic: string, partition: number): string => `${topic}/${partition}`;

const LEVELS: Record<KafkaSettings['clientLogLevel'], KafkaLogLevel> = {
  nothing: KafkaLogLevel.NOTHING,
  error: KafkaLogLevel.ERROR,
  warn: KafkaLogLevel.WARN,
  info: KafkaLogLevel.INFO,
  debug: KafkaLogLevel.DEBUG,
};

/** kafkajs's log lines into the process's pino logger, with the client's namespace. */
function pinoLogCreator(log: Logger): logCreator {
  return () => (entry: LogEntry) => {
    const { message, timestamp: _ts, ...fields } = entry.log;
    const bound = { kafkajs: entry.namespace, ...fields };
    // A rebalance announced through a heartbeat or commit is routine, not an error: the consumer rejoins.
    if (/rebalanc/i.test(String(fields.error ?? ''))) log.debug(bound, message);
    else if (entry.level === KafkaLogLevel.ERROR) log.error(bound, message);
    else if (entry.level === KafkaLogLevel.WARN) log.warn(bound, message);
    else if (entry.level === KafkaLogLevel.INFO) log.info(bound, message);
    else log.debug(bound, message);
  };
}

function toWire(topic: string, partition: number, m: KafkaMessage): WireRecord {
  return {
    topic,
    partition,
    offset: m.offset,
    key: m.key ?? null,
    // A tombstone (null value) is not something a stage reads: it decodes as garbage and is dead-lettered.
    value: m.value ?? Buffer.alloc(0),
    timestampMs: Number(m.timestamp),
  };
}

function saslOptions(sasl: NonNullable<KafkaSettings['sasl']>): SASLOptions {
  const { username, password } = sasl;
  if (sasl.mechanism === 'plain') return { mechanism: 'plain', username, password };
  if (sasl.mechanism === 'scram-sha-256') return { mechanism: 'scram-sha-256', username, password };
  return { mechanism: 'scram-sha-512', username, password };
}

const isRebalancing = (error: unknown): boolean => {
  const type = (error as { type?: string } | null)?.type;
  return type === 'REBALANCE_IN_PROGRESS' || type === 'NOT_COORDINATOR_FOR_GROUP' || type === 'ILLEGAL_GENERATION';
};

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The cluster transport: topics, groups and offsets on a Kafka API broker (Apache Kafka, Redpanda) through
 * kafkajs. Same contract as the in-process transport: the runner commits through `Consumer.commit` only
 * after downstream acknowledgement (kafkajs's auto-commit is off), and `onRecords` resolving is the only
 * signal that the stage can take more.
 */
export class KafkaTransport implements Transport {
  readonly kind = 'kafka' as const;
  readonly settings: KafkaSettings;
  readonly kafka: Kafka;
  private readonly log: Logger;
  private readonly producers = new Set<KafkaProducer>();
  private readonly consumers = new Set<KafkaGroupConsumer>();

  constructor(options: KafkaOptionsInput | KafkaSettings, log: Logger) {
    this.settings = parseKafkaOptions(options as KafkaOptionsInput);
    this.log = log.child({ transport: 'kafka' });
    const s = this.settings;
    this.kafka = new Kafka({
      clientId: s.clientId,
      brokers: s.brokers,
      ssl: tlsConnectionOptions(s.tls),
      ...(s.sasl ? { sasl: saslOptions(s.sasl) } : {}),
      connectionTimeout: s.connectionTimeoutMs,
      requestTimeout: s.requestTimeoutMs,
      logLevel: LEVELS[s.clientLogLevel],
      logCreator: pinoLogCreator(this.log),
    });
  }

  async admin<T>(use: (admin: Admin) => Promise<T>): Promise<T> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      return await use(admin);
    } finally {
      await admin.disconnect().catch(() => {});
    }
  }

  /**
   * Creates missing topics with their partitions, replication and retention. An existing topic with another
   * partition count is an error, not something to "fix": keys would move to other partitions.
   */
  async ensureTopics(topics: readonly TopicConfig[]): Promise<void> {
    if (!topics.length) return;
    await this.admin(async (admin) => {
      const existing = new Set(await admin.listTopics());
      const missing = topics.filter((t) => !existing.has(t.name));
      if (missing.length) {
        await admin.createTopics({
          waitForLeaders: true,
          topics: missing.map((t) => ({
            topic: t.name,
            numPartitions: t.partitions,
            replicationFactor: t.replicationFactor ?? this.settings.replicationFactor,
            configEntries: t.retentionMs !== undefined ? [{ name: 'retention.ms', value: String(t.retentionMs) }] : [],
          })),
        });
        this.log.info({ topics: missing.map((t) => t.name) }, 'topics created');
      }
      const present = topics.filter((t) => existing.has(t.name));
      if (present.length) {
        const { topics: metadata } = await admin.fetchTopicMetadata({ topics: present.map((t) => t.name) });
        for (const t of present) {
          const found = metadata.find((m) => m.name === t.name);
          if (found && found.partitions.length !== t.partitions) {
            throw new Error(`topic ${t.name} exists with ${found.partitions.length} partitions, not ${t.partitions}`);
          }
        }
      }
    });
  }

  async producer(): Promise<Producer> {
    const s = this.settings;
    const producer = this.kafka.producer({
      idempotent: s.idempotent,
      // The idempotent producer keeps order and drops retried duplicates only with one request in flight.
      maxInFlightRequests: s.idempotent ? 1 : undefined,
      // Explicit, and identical to pipeline/partitioner.ts (murmur2): a GPU's partition does not depend on the transport.
      createPartitioner: Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: false,
    });
    await producer.connect();
    this.producers.add(producer);
    const compression = s.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None;
    return {
      send: async (topic, records) => {
        for (let i = 0; i < records.length; i += s.maxBatchRecords) {
          const chunk = records.slice(i, i + s.maxBatchRecords);
          await producer.send({
            topic,
            acks: s.acks,
            compression,
            messages: chunk.map((r: OutgoingRecord) => ({ key: r.key, value: r.value, timestamp: String(r.timestampMs) })),
          });
        }
      },
      close: async () => {
        this.producers.delete(producer);
        await producer.disconnect();
      },
    };
  }

  async consumer(options: ConsumerOptions): Promise<Consumer> {
    const consumer = new KafkaGroupConsumer(this, options, this.log.child({ group: options.group }));
    this.consumers.add(consumer);
    consumer.onClose = () => this.consumers.delete(consumer);
    return consumer;
  }

  async close(): Promise<void> {
    for (const c of [...this.consumers]) await c.close().catch(() => {});
    for (const p of [...this.producers]) await p.disconnect().catch(() => {});
    this.producers.clear();
  }
}

interface PartitionState {
  /** Next offset to hand to the stage (one past the last delivered): redelivered records below it are skipped. */
  delivered: bigint;
  /** Next offset committed by the runner. */
  committed: bigint;
}

/**
 * One member of a consumer group. kafkajs's eager rebalance takes every partition away and gives back a new
 * assignment; partitions that come back to the same member are read again from the committed offset, and
 * what this member already handed over is skipped, so the runner sees each offset once. Partitions that
 * went elsewhere are reported to `onRevoked`.
 */
class KafkaGroupConsumer implements Consumer {
  onClose?: () => void;
  private readonly consumer: KafkaConsumer;
  private readonly settings: KafkaSettings;
  private readonly partitions = new Map<string, PartitionState>();
  private assigned = new Set<string>();
  private handlers?: ConsumerHandlers;
  private stopped = false;
  private closed = false;
  private progressWaiters: (() => void)[] = [];

  constructor(
    transport: KafkaTransport,
    private readonly options: ConsumerOptions,
    private readonly log: Logger,
  ) {
    // A stage that holds inputs commits behind what it reads on purpose: waiting for its commits would stall it.
    const s = (this.settings = options.holdsInputs ? { ...transport.settings, awaitCommitMs: 0 } : transport.settings);
    this.consumer = transport.kafka.consumer({
      groupId: options.group,
      sessionTimeout: s.sessionTimeoutMs,
      rebalanceTimeout: s.rebalanceTimeoutMs,
      heartbeatInterval: s.heartbeatIntervalMs,
      maxBytesPerPartition: s.maxBytesPerPartition,
      maxWaitTimeInMs: s.maxWaitTimeMs,
      allowAutoTopicCreation: false,
    });
    this.consumer.on(this.consumer.events.GROUP_JOIN, (event) => this.onJoin(event.payload.memberAssignment));
    this.consumer.on(this.consumer.events.CRASH, (event) => {
      this.log.error({ err: event.payload.error, restart: event.payload.restart }, 'kafka consumer crashed');
    });
  }

  async run(handlers: ConsumerHandlers): Promise<void> {
    this.handlers = handlers;
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [...this.options.topics], fromBeginning: this.options.fromBeginning ?? true });
    await this.consumer.run({
      autoCommit: false,
      // Offsets are resolved here, one chunk at a time, so an interrupted batch is fetched again from where it stopped.
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.settings.partitionsConsumedConcurrently,
      eachBatch: (payload) => this.eachBatch(payload),
    });
  }

  private onJoin(memberAssignment: Record<string, number[]>): void {
    const next = new Set<string>();
    for (const [topic, partitions] of Object.entries(memberAssignment)) for (const p of partitions) next.add(tp(topic, p));
    const revoked = [...this.assigned].filter((k) => !next.has(k));
    this.assigned = next;
    for (const key of revoked) this.partitions.delete(key);
    this.log.info({ assigned: [...next].sort(), revoked }, 'partitions assigned');
    this.wakeProgress();
    if (!revoked.length) return;
    const list = revoked.map((k) => {
      const at = k.lastIndexOf('/');
      return { topic: k.slice(0, at), partition: Number(k.slice(at + 1)) };
    });
    try {
      void Promise.resolve(this.handlers?.onRevoked?.(list)).catch((error: unknown) => this.log.error({ err: error }, 'onRevoked failed'));
    } catch (error) {
      this.log.error({ err: error }, 'onRevoked failed');
    }
  }

  private async eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const key = tp(batch.topic, batch.partition);
    let state = this.partitions.get(key);
    const first = BigInt(batch.firstOffset() ?? '0');
    if (!state) {
      // Fresh assignment: kafkajs starts at the committed offset (or the beginning); so do we.
      state = { delivered: first, committed: first };
      this.partitions.set(key, state);
    }
    const pending = batch.messages.filter((m) => BigInt(m.offset) >= state!.delivered);
    // Records before `delivered` were handed over before a rebalance that left this partition here.
    if (pending.length < batch.messages.length && batch.messages.length) {
      const last = batch.messages[batch.messages.length - pending.length - 1];
      if (last) payload.resolveOffset(last.offset);
    }
    let rebalance: unknown;
    const heartbeat = async () => {
      try {
        await payload.heartbeat();
      } catch (error) {
        if (isRebalancing(error)) rebalance ??= error;
        else this.log.warn({ err: error }, 'heartbeat failed');
      }
    };

    for (let i = 0; i < pending.length && !rebalance; i += this.settings.chunkRecords) {
      if (this.stopped || !this.assigned.has(key) || this.partitions.get(key) !== state) return;
      const chunk = pending.slice(i, i + this.settings.chunkRecords);
      const lastOffset = chunk[chunk.length - 1].offset;
      state.delivered = BigInt(lastOffset) + 1n;
      await this.whileWaiting(this.handlers!.onRecords(chunk.map((m) => toWire(batch.topic, batch.partition, m))), payload, heartbeat);
      payload.resolveOffset(lastOffset);
      if (!rebalance) await heartbeat();
    }

    // Wait (bounded) for the runner to commit this batch before the partition is fetched again: a rebalance
    // announced meanwhile then finds nothing of ours uncommitted.
    if (!rebalance && this.settings.awaitCommitMs > 0) {
      const target = state.delivered;
      await this.waitForProgress(() => state!.committed >= target || this.stopped || !this.assigned.has(key), this.settings.awaitCommitMs, heartbeat);
    }
    if (rebalance) {
      await this.waitForProgress(() => this.allCommitted() || this.stopped, this.settings.drainOnRebalanceMs);
      this.log.info({ drained: this.allCommitted() }, 'rebalance announced; rejoining');
      throw rebalance;
    }
  }

  /** Awaits the stage, heartbeating meanwhile and pausing the partition while the stage is slow. */
  private async whileWaiting(work: Promise<void>, payload: EachBatchPayload, heartbeat: () => Promise<void>): Promise<void> {
    let done = false;
    const finished = work.finally(() => {
      done = true;
    });
    let resume: (() => void) | undefined;
    const pauseTimer = setTimeout(() => {
      if (!done && !this.stopped) resume = payload.pause();
    }, this.settings.pauseAfterMs);
    const beat = setInterval(() => void heartbeat(), this.settings.heartbeatIntervalMs);
    try {
      await finished;
    } finally {
      clearTimeout(pauseTimer);
      clearInterval(beat);
      if (resume && !this.stopped) resume();
    }
  }

  private allCommitted(): boolean {
    for (const [key, p] of this.partitions) if (this.assigned.has(key) && p.committed < p.delivered) return false;
    return true;
  }

  private async waitForProgress(done: () => boolean, timeoutMs: number, heartbeat?: () => Promise<void>): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let lastBeat = Date.now();
    while (!done() && Date.now() < deadline) {
      await Promise.race([new Promise<void>((resolve) => this.progressWaiters.push(resolve)), sleep(Math.min(250, Math.max(1, deadline - Date.now())))]);
      if (heartbeat && Date.now() - lastBeat >= this.settings.heartbeatIntervalMs) {
        lastBeat = Date.now();
        await heartbeat();
      }
    }
  }

  private wakeProgress(): void {
    const waiters = this.progressWaiters;
    this.progressWaiters = [];
    for (const w of waiters) w();
  }

  async commit(offsets: readonly TopicPartitionOffset[]): Promise<void> {
    // Only partitions this member still owns: a late commit for a revoked partition could move the new
    // owner's committed offset backwards (the broker checks the generation, not the ownership).
    const owned = offsets.filter((o) => this.assigned.has(tp(o.topic, o.partition)));
    if (owned.length < offsets.length) {
      this.log.debug({ skipped: offsets.length - owned.length }, 'commit for revoked partitions skipped');
    }
    if (!owned.length) return;
    await this.consumer.commitOffsets(owned.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset })));
    for (const o of owned) {
      const state = this.partitions.get(tp(o.topic, o.partition));
      const at = BigInt(o.offset);
      if (state && at > state.committed) state.committed = at;
    }
    this.wakeProgress();
  }

  /**
   * Stops fetching but stays in the group, so what was delivered can still be committed (leaving the group
   * would make those commits fail and the records replay).
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.wakeProgress();
    try {
      this.consumer.pause(this.options.topics.map((topic) => ({ topic })));
    } catch (error) {
      this.log.debug({ err: error }, 'pause on stop failed (consumer not running)');
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopped = true;
    this.wakeProgress();
    await this.consumer.disconnect();
    this.onClose?.();
  }
}
