// Each service the test-suite starts (scripts/test.js) answers over its real protocol.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import postgres from 'postgres';
import { Kafka, Partitioners, logLevel } from 'kafkajs';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { runConsoleConsumer } from '../../scripts/services/kafka.js';

const TEST_TIMEOUT_MS = 120_000; // two minutes per test: the console consumer starts a JVM

const databaseUrl = process.env.DATABASE_URL;
const brokers = process.env.KAFKA_BROKERS;
const registryUrl = process.env.SCHEMA_REGISTRY_URL;

const gpuSampleSchema = {
  type: 'record',
  name: 'GpuSample',
  namespace: 'gpu.health',
  fields: [
    { name: 'gpu_uuid', type: 'string' },
    { name: 'gpu_temp_c', type: 'double' },
    { name: 'power_w', type: 'double' },
  ],
} as const;

interface GpuSample {
  gpu_uuid: string;
  gpu_temp_c: number;
  power_w: number;
}

function isGpuSample(value: unknown): value is GpuSample {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.gpu_uuid === 'string' && typeof v.gpu_temp_c === 'number' && typeof v.power_w === 'number';
}

function kafkaClient(address: string): Kafka {
  return new Kafka({ clientId: 'real-services-answer', brokers: [address], logLevel: logLevel.WARN });
}

async function produce(address: string, topic: string, value: Buffer): Promise<void> {
  const kafka = kafkaClient(address);
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages: [{ key: 'gpu-0', value }] });
  } finally {
    await producer.disconnect();
  }
}

test('postgres answers a SQL round trip', { skip: !databaseUrl && 'DATABASE_URL is not set', timeout: TEST_TIMEOUT_MS }, async () => {
  const sql = postgres(databaseUrl ?? '', { max: 1, onnotice: () => {} });
  try {
    await sql`create temporary table gpu_probe (gpu_uuid text primary key, gpu_temp_c double precision)`;
    await sql`insert into gpu_probe ${sql([{ gpu_uuid: 'GPU-1', gpu_temp_c: 64.5 }])}`;
    const rows = await sql<{ gpu_uuid: string; gpu_temp_c: number }[]>`select gpu_uuid, gpu_temp_c from gpu_probe`;
    assert.deepEqual([...rows], [{ gpu_uuid: 'GPU-1', gpu_temp_c: 64.5 }]);
    const [{ server_version: version }] = await sql<{ server_version: string }[]>`show server_version`;
    assert.match(version, /^\d+/);
  } finally {
    await sql.end({ timeout: 5 });
  }
});

test('kafka carries a record from a kafkajs producer to a kafkajs consumer', { skip: !brokers && 'KAFKA_BROKERS is not set', timeout: TEST_TIMEOUT_MS }, async () => {
  const address = brokers ?? '';
  const topic = `gpu.probe.${randomUUID()}`;
  const sent = Buffer.from(JSON.stringify({ gpu_uuid: 'GPU-2', power_w: 301.25 }));
  await produce(address, topic, sent);

  const consumer = kafkaClient(address).consumer({ groupId: `probe-${randomUUID()}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    const received = await new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no record within 60 s')), 60_000);
      void consumer.run({
        eachMessage: async ({ message }) => {
          clearTimeout(timer);
          resolve(message.value ?? Buffer.alloc(0));
        },
      }).catch(reject);
    });
    assert.deepEqual(received, sent);
  } finally {
    await consumer.disconnect();
  }
});

test('the schema registry registers an Avro schema, and a record it encodes decodes back', { skip: !registryUrl && 'SCHEMA_REGISTRY_URL is not set', timeout: TEST_TIMEOUT_MS }, async () => {
  const registry = new SchemaRegistry({ host: registryUrl ?? '' });
  const subject = `gpu.probe.${randomUUID()}-value`;
  const { id } = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(gpuSampleSchema) }, { subject });
  assert.equal(await registry.getLatestSchemaId(subject), id);

  const sample: GpuSample = { gpu_uuid: 'GPU-3', gpu_temp_c: 71.5, power_w: 250 };
  const encoded = await registry.encode(id, sample);
  // Confluent framing: magic byte 0, then the schema id as a big-endian 32-bit integer.
  assert.equal(encoded[0], 0);
  assert.equal(encoded.readInt32BE(1), id);
  const decoded: unknown = await registry.decode(encoded);
  assert.ok(isGpuSample(decoded));
  assert.deepEqual({ ...decoded }, sample);
});

test("Kafka's console consumer reads the bytes of a registry-encoded record", { skip: (!brokers || !registryUrl) && 'KAFKA_BROKERS or SCHEMA_REGISTRY_URL is not set', timeout: TEST_TIMEOUT_MS }, async () => {
  const address = brokers ?? '';
  const registry = new SchemaRegistry({ host: registryUrl ?? '' });
  const topic = `gpu.probe.${randomUUID()}`;
  const { id } = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(gpuSampleSchema) }, { subject: `${topic}-value` });
  const sample: GpuSample = { gpu_uuid: 'GPU-4', gpu_temp_c: 83.25, power_w: 399.5 };
  const encoded = await registry.encode(id, sample);
  await produce(address, topic, encoded);

  const result = await runConsoleConsumer({ brokers: address, topic, maxMessages: 1, timeoutMs: 90_000 });
  assert.equal(result.code, 0, result.stderr);
  // The default formatter writes the value's bytes as they are, then a newline.
  const printed = result.stdout.subarray(0, result.stdout.length - 1);
  assert.deepEqual(printed, encoded);
  const decoded: unknown = await registry.decode(printed);
  assert.ok(isGpuSample(decoded));
  assert.deepEqual({ ...decoded }, sample);
});
