import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startPipeline } from '../../pipeline/embedded.js';
import { InProcessTransport } from '../../pipeline/transport/in-process.js';
import { linearPipeline, newCollector, quietLog, resolveTest } from '../support/engine.js';

test('a slow last stage slows the stages before it, and the records held in memory stay bounded', async () => {
  const partitions = 3;
  const capacity = 50; // unread records per partition before a producer waits
  const maxInFlight = 40;
  const transport = new InProcessTransport({ partitionCapacity: capacity, maxBatch: 20 });
  const collector = newCollector(1);
  const total = 3_000;
  const handle = await startPipeline({
    pipeline: resolveTest(linearPipeline(total, [], partitions)),
    log: quietLog(),
    transport,
    services: new Map([['collector', collector]]),
    runner: { maxInFlight },
  });
  let maxHeld = 0;
  let maxAhead = 0;
  const timer = setInterval(() => {
    const held = transport.heldRecords('gpu.samples.raw') + transport.heldRecords('gpu.samples.valid');
    maxHeld = Math.max(maxHeld, held);
    const produced = transport.endOffsets('gpu.samples.raw').reduce((a, b) => a + b, 0);
    maxAhead = Math.max(maxAhead, produced - collector.seen.length);
  }, 5);
  await handle.finished;
  clearInterval(timer);
  assert.equal(collector.seen.length, total);
  // Per topic: every partition may hold `capacity` unread records plus what its reader holds unsettled.
  const bound = 2 * (partitions * capacity + maxInFlight + 20);
  assert.ok(maxHeld <= bound, `held up to ${maxHeld} records, bound ${bound}`);
  assert.ok(maxAhead <= bound, `the source ran ${maxAhead} records ahead of the slow stage, bound ${bound}`);
  assert.ok(maxAhead > 0);
  await handle.stop();
});
