import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import avro from 'avsc';
import { avroRecord } from '../../pipeline/avro.js';
import { AvroCodec } from '../../pipeline/registry.js';
import { runConsoleConsumer } from '../../scripts/services/kafka.js';
import { sample } from '../support/engine.js';
import { clusterEnv, confluentRegistry, kafkaTransport, uniqueSuffix } from './support.js';

const COUNT = 25;

function split(bytes: Buffer, separator: Buffer): Buffer[] {
  const parts: Buffer[] = [];
  let at = 0;
  for (let next = bytes.indexOf(separator, at); next >= 0; next = bytes.indexOf(separator, at)) {
    parts.push(bytes.subarray(at, next));
    at = next + separator.length;
  }
  return parts;
}

test("Kafka's own console consumer reads our records, and their bytes decode with the schema the registry gives for bytes 1-4", async () => {
  const { brokers, registryUrl } = clusterEnv();
  const topic = `gpu.samples.raw.${uniqueSuffix()}`;
  const transport = kafkaTransport();
  const codec = new AvroCodec(confluentRegistry());
  const sent = Array.from({ length: COUNT }, (_, i) => sample(i, 4));
  try {
    await transport.ensureTopics([{ name: topic, partitions: 1 }]);
    await codec.bindTopic(topic, avroRecord('GpuSample').schema);
    const producer = await transport.producer();
    await producer.send(topic, sent.map((s) => ({ key: Buffer.from(s.gpu_uuid), value: codec.encode(topic, s), timestampMs: s.ts_ms })));
    await producer.close();
  } finally {
    await transport.close();
  }

  // Binary values may contain "\n": end each record with a separator that cannot plausibly occur in them.
  const separator = `<<${randomBytes(12).toString('hex')}>>`;
  const result = await runConsoleConsumer({ brokers, topic, maxMessages: COUNT, properties: { 'line.separator': separator } });
  assert.equal(result.code, 0, `console consumer exited ${result.code}: ${result.stderr.slice(-2_000)}`);
  const values = split(result.stdout, Buffer.from(separator));
  assert.equal(values.length, COUNT, 'the console consumer printed every record');

  const types = new Map<number, avro.Type>();
  const decoded = [];
  for (const value of values) {
    assert.equal(value.readUInt8(0), 0, 'Confluent magic byte');
    const id = value.readInt32BE(1);
    let type = types.get(id);
    if (!type) {
      // Straight from the registry's REST API, not through our client.
      const response = await fetch(`${registryUrl.replace(/\/+$/, '')}/schemas/ids/${id}`);
      assert.equal(response.status, 200, `the registry knows schema id ${id}`);
      const body = (await response.json()) as { schema: string };
      type = avro.Type.forSchema(JSON.parse(body.schema) as avro.Schema);
      types.set(id, type);
    }
    decoded.push(type.fromBuffer(value.subarray(5)));
  }
  // What was sent, as Avro has it (fields the test sample leaves out take their defaults).
  const type = avroRecord('GpuSample').type;
  const plain = (v: unknown) => JSON.parse(JSON.stringify(v)) as unknown; // avsc records carry their type's prototype
  assert.deepEqual(plain(decoded), plain(sent.map((s) => type.fromBuffer(type.toBuffer(s)))));
});
