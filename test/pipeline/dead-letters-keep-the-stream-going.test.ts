import assert from 'node:assert/strict';
import { test } from 'node:test';
import { avroRecord } from '../../pipeline/avro.js';
import { startPipeline } from '../../pipeline/embedded.js';
import { InProcessTransport } from '../../pipeline/transport/in-process.js';
import { InProcessRegistry, AvroCodec } from '../../pipeline/registry.js';
import { linearPipeline, newCollector, quietLog, resolveTest} from '../support/engine.js';

async function readDeadLetters(transport: InProcessTransport, registry: InProcessRegistry) {
  const codec = new AvroCodec(registry);
  await codec.bindTopic('gpu.deadletter', avroRecord('DeadLetter').schema);
  const consumer = await transport.consumer({ group: 'reader', topics: ['gpu.deadletter'] });
  const out: Record<string, unknown>[] = [];
  await new Promise<void>((resolve) => {
    void consumer.run({
      onRecords: async (records) => {
        for (const r of records) out.push((await codec.decode(r.topic, r.value)) as Record<string, unknown>);
      },
      onEnd: resolve,
    });
  });
  await consumer.close();
  return out;
}

test('rejected records go to the dead-letter topic with their reason and origin, and every other record flows on', async () => {
  const pipeline = resolveTest(linearPipeline(300, [7, 42, 99]));
  const collector = newCollector();
  const registry = new InProcessRegistry();
  const transport = new InProcessTransport();
  const handle = await startPipeline({ pipeline, log: quietLog(), transport, registry, services: new Map([['collector', collector]]) });
  await handle.finished;
  const rejected = Array.from({ length: 300 }, (_, i) => i).filter((i) => [7, 42, 99].includes(i % 100));
  assert.equal(collector.seen.length, 300 - rejected.length);
  const dead = await readDeadLetters(transport, registry);
  assert.equal(dead.length, rejected.length);
  for (const d of dead) {
    assert.equal(d.stage, 'check');
    assert.equal(d.source_topic, 'gpu.samples.raw');
    assert.match(String(d.reason), /^temperature (7|42|99) rejected$/);
    // The original bytes are kept: they decode to the sample that was rejected.
    const original = avroRecord('GpuSample').type.fromBuffer((d.value as Buffer).subarray(5)) as { gpu_temp_c: number };
    assert.ok([7, 42, 99].includes(original.gpu_temp_c));
  }
  const metrics = await handle.metrics.registry.getSingleMetricAsString('pipeline_records_dead_lettered_total');
  assert.match(metrics, /stage="check"} 9/);
  await handle.stop();
});

test('bytes that are not Avro at all are dead-lettered as undecodable, and the stream goes on', async () => {
  const pipeline = resolveTest(linearPipeline(50));
  const collector = newCollector();
  const registry = new InProcessRegistry();
  const transport = new InProcessTransport();
  await transport.ensureTopics([{ name: 'gpu.samples.raw', partitions: 3 }]);
  const producer = await transport.producer();
  await producer.send('gpu.samples.raw', [{ key: Buffer.from('GPU-garbage'), value: Buffer.from('{"not":"avro"}'), timestampMs: 1 }]);
  const handle = await startPipeline({ pipeline, log: quietLog(), transport, registry, services: new Map([['collector', collector]]) });
  await handle.finished;
  assert.equal(collector.seen.length, 50);
  const dead = await readDeadLetters(transport, registry);
  assert.equal(dead.length, 1);
  assert.match(String(dead[0].reason), /^undecodable record: not Confluent-framed Avro/);
  assert.equal(Buffer.from(dead[0].value as Buffer).toString(), '{"not":"avro"}');
  await handle.stop();
});
