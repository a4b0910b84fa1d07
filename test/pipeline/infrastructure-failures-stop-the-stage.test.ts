import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startPipeline } from '../../pipeline/embedded.js';
import { InProcessTransport } from '../../pipeline/transport/in-process.js';
import { linearPipeline, newCollector, quietLog, resolveTest } from '../support/engine.js';

test('a StageFailure stops the stage instead of dead-lettering a good record, and nothing past it is committed', async () => {
  const spec = linearPipeline(200);
  (spec.stages.check.params as Record<string, unknown>).fail_at_temp = 50;
  const transport = new InProcessTransport();
  const collector = newCollector();
  const handle = await startPipeline({ pipeline: resolveTest(spec), log: quietLog(), transport, services: new Map([['collector', collector]]) });
  await assert.rejects(handle.finished, /the thermometer service is away/);
  assert.equal(handle.runners.get('check')!.error?.message, 'the thermometer service is away');
  // Sample 50 is the first to fail; its partition's commit stops before it, so a restart replays it.
  const committed = transport.committedOffsets('test.check', 'gpu.samples.raw').reduce((a, b) => a + b, 0);
  assert.ok(committed < 200, `committed ${committed}`);
  assert.ok(!collector.seen.some((s) => s.gpu_temp_c === 50), 'the failed record was not passed on');
  assert.equal(transport.heldRecords('gpu.deadletter'), 0, 'nothing was dead-lettered');
  await handle.stop(1_000);
});
