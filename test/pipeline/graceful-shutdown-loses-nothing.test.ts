import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startPipeline } from '../../pipeline/embedded.js';
import { InProcessTransport } from '../../pipeline/transport/in-process.js';
import { linearPipeline, newCollector, quietLog, resolveTest, type TestSample } from '../support/engine.js';

test('stopping mid-stream and starting again delivers every record exactly once', async () => {
  const transport = new InProcessTransport();
  const pipeline = resolveTest(linearPipeline(5_000));
  const collector = newCollector(1);
  const services = new Map([['collector', collector]]);
  const first = await startPipeline({ pipeline, log: quietLog(), transport, services, runner: { maxInFlight: 50 } });
  await new Promise((resolve) => setTimeout(resolve, 300));
  await first.stop(5_000);
  const seenInFirst = collector.seen.length;
  const produced = transport.endOffsets('gpu.samples.raw').reduce((a, b) => a + b, 0);
  assert.ok(seenInFirst > 0 && seenInFirst < produced, `stopped mid-stream (${seenInFirst} of ${produced})`);

  // Same topics and committed offsets; the processing stages start again where they committed.
  const second = await startPipeline({ pipeline, log: quietLog(), transport, services, only: ['check', 'collect'] });
  await second.finished;
  await second.stop();
  const keys = collector.seen.map((s: TestSample) => `${s.gpu_uuid}@${s.ts_ms}`);
  assert.equal(new Set(keys).size, keys.length, 'no record delivered twice');
  assert.equal(keys.length, produced, 'no record lost');
});
