/**
 * Kafka-mode throughput on this machine, against a real broker and registry (KAFKA_BROKERS, SCHEMA_REGISTRY_URL):
 *   1. raw kafkajs pass-through: one idempotent producer and one eachBatch consumer on the same topic, at once;
 *   2. the test pipeline (source → check → collect) over KafkaTransport + ConfluentRegistry, samples/s;
 *   3. the GPU health pipeline (simulate → validate → enrich → sink) into PostgreSQL (DATABASE_URL), on Kafka
 *      and embedded in the same run, samples/s and their ratio.
 *
 *   node --import tsx bench/kafka-throughput.ts [--messages 200000] [--samples 50000] [--gpus 200] [--ticks 100]
 */
import { parseArgs } from 'node:util';
import { Kafka, Partitioners, logLevel } from 'kafkajs';
import { startPipeline } from '../pipeline/embedded.js';
import { createLogger } from '../pipeline/log.js';
import { ConfluentRegistry } from '../pipeline/registry-confluent.js';
import { KafkaTransport } from '../pipeline/transport/kafka.js';
import { linearPipeline, newCollector, resolveTest } from '../test/support/engine.js';
import { isolate } from '../test/kafka/support.js';
import postgres from 'postgres';
import { openDatabase, type Database } from '../db/connect.js';
import { migrate } from '../db/migrate.js';
import { catalogue } from '../pipeline/catalogue.js';
import { resolvePipeline } from '../pipeline/definition.js';
import { InProcessTransport } from '../pipeline/transport/in-process.js';
import type { Transport } from '../pipeline/transport/types.js';
import { simulatedSpec, withDatabaseName, type SimulatedRun } from '../test/support/ingest.js';

const BENCH_DEFAULTS = Object.freeze({
  messages: 200_000, // raw records
  valueBytes: 200, // bytes, about one Avro GpuSample
  produceBatch: 1_000, // records per send
  partitions: 6, // partitions of the raw topic
  samples: 50_000, // records through the test pipeline
  progressMs: 2_000, // two seconds between progress lines
});

const { values: args } = parseArgs({
  options: { messages: { type: 'string' }, samples: { type: 'string' }, gpus: { type: 'string' }, ticks: { type: 'string' } },
});
const fleet: SimulatedRun = { seed: 1, gpus: Number(args.gpus ?? 200), ticks: Number(args.ticks ?? 100), stepMs: 10_000 };
const databaseUrl = process.env.DATABASE_URL;
const messages = Number(args.messages ?? BENCH_DEFAULTS.messages);
const samples = Number(args.samples ?? BENCH_DEFAULTS.samples);
const brokers = process.env.KAFKA_BROKERS;
const registryUrl = process.env.SCHEMA_REGISTRY_URL;
if (!brokers || !registryUrl) {
  process.stderr.write('set KAFKA_BROKERS and SCHEMA_REGISTRY_URL (e.g. `node scripts/services/cli.js up kafka,registry`)\n');
  process.exit(2);
}

const say = (line: string) => process.stderr.write(`${line}\n`);
const rate = (n: number, ms: number) => Math.round((n * 1_000) / ms);

function progress(what: string, count: () => number, total: number): () => void {
  const began = Date.now();
  const timer = setInterval(() => say(`  ${what}: ${count()} / ${total} (${rate(count(), Date.now() - began)}/s)`), BENCH_DEFAULTS.progressMs);
  return () => clearInterval(timer);
}

async function rawPassThrough(): Promise<{ produced: number; passThrough: number }> {
  const kafka = new Kafka({ clientId: 'bench', brokers: brokers!.split(','), logLevel: logLevel.NOTHING });
  const topic = `bench.raw.${Date.now().toString(36)}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: BENCH_DEFAULTS.partitions }] });
  await admin.disconnect();

  const consumer = kafka.consumer({ groupId: `${topic}.group`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let consumed = 0;
  let allConsumed!: () => void;
  const done = new Promise<void>((resolve) => (allConsumed = resolve));
  await consumer.run({
    autoCommit: false,
    partitionsConsumedConcurrently: 3,
    eachBatch: async ({ batch }) => {
      consumed += batch.messages.length;
      if (consumed >= messages) allConsumed();
    },
  });

  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const value = Buffer.alloc(BENCH_DEFAULTS.valueBytes, 7);
  const began = Date.now();
  const stop = progress('consumed', () => consumed, messages);
  for (let i = 0; i < messages; i += BENCH_DEFAULTS.produceBatch) {
    const batch = [];
    for (let j = i; j < Math.min(messages, i + BENCH_DEFAULTS.produceBatch); j++) batch.push({ key: `GPU-${j % 512}`, value, timestamp: String(began + j) });
    await producer.send({ topic, acks: -1, messages: batch });
  }
  const producedMs = Date.now() - began;
  await done;
  const totalMs = Date.now() - began;
  stop();
  await producer.disconnect();
  await consumer.disconnect();
  return { produced: rate(messages, producedMs), passThrough: rate(messages, totalMs) };
}

async function testPipeline(): Promise<number> {
  const log = createLogger({ bench: 'kafka' }).child({}, { level: 'warn' });
  const transport = new KafkaTransport({ brokers: brokers!.split(','), maxWaitTimeMs: 100, clientLogLevel: 'nothing' }, log);
  const collector = newCollector();
  const began = Date.now();
  const handle = await startPipeline({
    pipeline: resolveTest(isolate(linearPipeline(samples, [], BENCH_DEFAULTS.partitions))),
    log,
    transport,
    registry: new ConfluentRegistry({ url: registryUrl! }),
    services: new Map([['collector', collector]]),
  });
  const stop = progress('collected', () => collector.seen.length, samples);
  while (collector.seen.length < samples) await new Promise((resolve) => setTimeout(resolve, 20));
  const ms = Date.now() - began;
  stop();
  await handle.stop();
  await transport.close();
  return rate(samples, ms);
}

/** The GPU health pipeline into a fresh database on the DATABASE_URL server, on the given transport. */
async function gpuPipeline(kind: 'kafka' | 'embedded'): Promise<number> {
  const log = createLogger({ bench: 'kafka' }).child({}, { level: 'warn' });
  const name = `bench_${kind}_${Date.now().toString(36)}`;
  const admin = postgres(databaseUrl!, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  const db: Database = await openDatabase({ url: withDatabaseName(databaseUrl!, name), log });
  await migrate(db, { log });
  const transport: Transport =
    kind === 'kafka' ? new KafkaTransport({ brokers: brokers!.split(','), maxWaitTimeMs: 100, clientLogLevel: 'nothing' }, log) : new InProcessTransport();
  const expected = fleet.gpus * fleet.ticks;
  const rows = async () => (await db.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM gpu_metrics`)[0].n;
  let stored = 0;
  const began = Date.now();
  const handle = await startPipeline({
    pipeline: resolvePipeline(isolate(simulatedSpec(fleet)), catalogue()),
    log,
    transport,
    ...(kind === 'kafka' ? { registry: new ConfluentRegistry({ url: registryUrl! }) } : {}),
    services: new Map<string, unknown>([['database', db]]),
  });
  const stop = progress(`${kind} rows`, () => stored, expected);
  while ((stored = await rows()) < expected) await new Promise((resolve) => setTimeout(resolve, 100));
  const ms = Date.now() - began;
  stop();
  await handle.stop();
  await transport.close();
  await db.close();
  await admin.unsafe(`DROP DATABASE ${name} WITH (FORCE)`);
  await admin.end();
  return rate(expected, ms);
}

say(`raw kafkajs pass-through: ${messages} records of ${BENCH_DEFAULTS.valueBytes} bytes, ${BENCH_DEFAULTS.partitions} partitions, idempotent producer, acks=-1`);
const raw = await rawPassThrough();
say(`  produce ${raw.produced} records/s; produce→consume pass-through ${raw.passThrough} records/s`);
say(`test pipeline (source → check → collect) in Kafka mode: ${samples} samples`);
const pipelineRate = await testPipeline();
say(`  ${pipelineRate} samples/s end to end (Avro, schema registry, commit after downstream ack)`);
let gpu: { kafka: number; embedded: number } | undefined;
if (databaseUrl) {
  say(`GPU health pipeline (simulate → validate → enrich → sink), ${fleet.gpus} GPUs × ${fleet.ticks} scrapes into PostgreSQL`);
  const kafka = await gpuPipeline('kafka');
  say(`  Kafka mode: ${kafka} samples/s`);
  const embedded = await gpuPipeline('embedded');
  say(`  embedded:   ${embedded} samples/s (Kafka/embedded ${(kafka / embedded).toFixed(2)})`);
  gpu = { kafka, embedded };
} else {
  say('DATABASE_URL unset: the GPU health pipeline part is left out');
}
process.stdout.write(`${JSON.stringify({ rawProducePerS: raw.produced, rawPassThroughPerS: raw.passThrough, testPipelineSamplesPerS: pipelineRate, gpuPipelineKafkaSamplesPerS: gpu?.kafka, gpuPipelineEmbeddedSamplesPerS: gpu?.embedded })}\n`);
process.exit(0);
