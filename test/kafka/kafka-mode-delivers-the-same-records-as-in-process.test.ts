import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startPipeline } from '../../pipeline/embedded.js';
import { PipelineMetrics } from '../../pipeline/metrics.js';
import { linearPipeline, newCollector, quietLog, resolveTest, type TestSample } from '../support/engine.js';
import { confluentRegistry, isolate, kafkaTransport, sleep, waitFor } from './support.js';

const COUNT = 3_000;
const REJECT = [13, 42, 77];

/** Per GPU, the samples in the order the collector saw them. */
function perGpu(seen: readonly TestSample[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const s of seen) out.set(s.gpu_uuid, [...(out.get(s.gpu_uuid) ?? []), JSON.stringify(s)]);
  return out;
}

test('the test pipeline over Kafka and the schema registry delivers exactly what the in-process run delivers', async () => {
  const log = quietLog();
  const inProcess = newCollector();
  const embedded = await startPipeline({
    pipeline: resolveTest(linearPipeline(COUNT, REJECT)),
    log,
    services: new Map([['collector', inProcess]]),
  });
  await embedded.finished;
  const deadInProcess = await embedded.metrics.deadLettered.get();
  await embedded.stop();
  assert.ok(inProcess.seen.length > 0 && inProcess.seen.length < COUNT, 'the reference run dead-lettered some samples');

  const transport = kafkaTransport(log);
  const registry = confluentRegistry();
  const onKafka = newCollector();
  const metrics = new PipelineMetrics({ defaultMetrics: false });
  const cluster = await startPipeline({
    pipeline: resolveTest(isolate(linearPipeline(COUNT, REJECT))),
    log,
    transport,
    registry,
    metrics,
    services: new Map([['collector', onKafka]]),
  });
  try {
    await waitFor(`${inProcess.seen.length} samples at the collector (have ${onKafka.seen.length})`, () => onKafka.seen.length >= inProcess.seen.length, 120_000);
    await sleep(1_500); // anything extra (a duplicate) would arrive now
  } finally {
    await cluster.stop();
    await transport.close();
  }

  assert.equal(onKafka.seen.length, inProcess.seen.length, 'same number of samples, none twice');
  assert.deepEqual(perGpu(onKafka.seen), perGpu(inProcess.seen), 'the same samples, in the same order per GPU');
  const deadOnKafka = await metrics.deadLettered.get();
  assert.deepEqual(
    deadOnKafka.values.map((v) => [v.labels.stage, v.value]),
    deadInProcess.values.map((v) => [v.labels.stage, v.value]),
    'the same dead letters',
  );
});
