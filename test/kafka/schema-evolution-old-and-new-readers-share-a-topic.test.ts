import assert from 'node:assert/strict';
import { test } from 'node:test';
import avro from 'avsc';
import { avroRecord } from '../../pipeline/avro.js';
import { AvroCodec, subjectForTopic } from '../../pipeline/registry.js';
import type { WireRecord } from '../../pipeline/transport/types.js';
import { sample, type TestSample } from '../support/engine.js';
import { clusterEnv, confluentRegistry, kafkaTransport, uniqueSuffix, waitFor } from './support.js';

/** Version 2 of GpuSample, test-only: one added field with a default (a BACKWARD-compatible change). */
function gpuSampleV2(): Record<string, unknown> {
  const v1 = structuredClone(avroRecord('GpuSample').schema) as { fields: unknown[] };
  return { ...v1, fields: [...v1.fields, { name: 'rack', type: 'string', default: 'unknown', doc: 'test-only field' }] };
}

/** A consumer group reading the topic through its own codec (one "stage version"). */
async function readAll(topic: string, codec: AvroCodec, count: number): Promise<unknown[]> {
  const transport = kafkaTransport();
  const out: unknown[] = [];
  try {
    const consumer = await transport.consumer({ group: `reader-${uniqueSuffix()}`, topics: [topic] });
    await consumer.run({
      onRecords: async (records: readonly WireRecord[]) => {
        for (const r of records) out.push(await codec.decode(topic, r.value));
      },
    });
    await waitFor(`${count} records`, () => out.length >= count, 60_000);
    await consumer.close();
  } finally {
    await transport.close();
  }
  return out;
}

test('after a field with a default is added, old and new stage versions both read and write the same topic', async () => {
  const { registryUrl } = clusterEnv();
  const topic = `gpu.samples.valid.${uniqueSuffix()}`;
  const v1 = avroRecord('GpuSample').schema;
  const v2 = gpuSampleV2();
  const oldStage = new AvroCodec(confluentRegistry());
  const newStage = new AvroCodec(confluentRegistry());
  const transport = kafkaTransport();
  const oldSamples = [sample(1), sample(2)];
  const newSamples = [{ ...sample(3), rack: 'r12' }, { ...sample(4), rack: 'r13' }];
  try {
    await transport.ensureTopics([{ name: topic, partitions: 1 }]);
    const id1 = await oldStage.bindTopic(topic, v1);
    const id2 = await newStage.bindTopic(topic, v2);
    assert.notEqual(id1, id2, 'the new version is a new schema id under the same subject');
    // The old version starting again (after the new one registered) keeps its id.
    assert.equal(await new AvroCodec(confluentRegistry()).bindTopic(topic, v1), id1);
    const versions = (await (await fetch(`${registryUrl}/subjects/${subjectForTopic(topic)}/versions`)).json()) as number[];
    assert.equal(versions.length, 2, 'two versions under <topic>-value');

    const producer = await transport.producer();
    await producer.send(topic, oldSamples.map((s) => ({ key: Buffer.from(s.gpu_uuid), value: oldStage.encode(topic, s), timestampMs: s.ts_ms })));
    await producer.send(topic, newSamples.map((s) => ({ key: Buffer.from(s.gpu_uuid), value: newStage.encode(topic, s), timestampMs: s.ts_ms })));
    await producer.close();
  } finally {
    await transport.close();
  }

  // As each version's Avro type has them (fields the test samples leave out take their defaults).
  const t1 = avro.Type.forSchema(v1 as avro.Schema);
  const t2 = avro.Type.forSchema(v2 as avro.Schema);
  const asV1 = (s: TestSample & { rack?: string }) => {
    const { rack: _rack, ...rest } = s;
    return t1.fromBuffer(t1.toBuffer(rest));
  };
  const asV2 = (s: TestSample & { rack?: string }) => t2.fromBuffer(t2.toBuffer({ rack: 'unknown', ...s }));
  const readByOld = await readAll(topic, oldStage, 4);
  assert.deepEqual(JSON.parse(JSON.stringify(readByOld)), JSON.parse(JSON.stringify([...oldSamples, ...newSamples].map(asV1))), 'the old reader decodes new records (the added field is skipped)');
  const readByNew = await readAll(topic, newStage, 4);
  assert.deepEqual(
    JSON.parse(JSON.stringify(readByNew)),
    JSON.parse(JSON.stringify([...oldSamples, ...newSamples].map(asV2))),
    'the new reader decodes old records (the field takes its default)',
  );

  // An incompatible change (a new field without a default) is refused under BACKWARD compatibility.
  const breaking = { ...v2, fields: [...(v2.fields as unknown[]), { name: 'row', type: 'string' }] };
  await assert.rejects(() => new AvroCodec(confluentRegistry()).bindTopic(topic, breaking), 'the registry refuses a change old records cannot be read with');
});
