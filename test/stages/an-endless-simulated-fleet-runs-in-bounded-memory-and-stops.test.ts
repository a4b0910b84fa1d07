import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolvePipeline } from '../../pipeline/definition.js';
import { startPipeline } from '../../pipeline/embedded.js';
import { InProcessTransport } from '../../pipeline/transport/in-process.js';
import { simulate } from '../../stages/simulate.js';
import { newCollector, quietLog, testCatalogue } from '../support/engine.js';

test('an endless simulated fleet (ticks 0, no pacing) is produced only as fast as it is consumed, and stops on request', async () => {
  const catalogue = testCatalogue().set(simulate.kind, simulate);
  const pipeline = resolvePipeline(
    {
      name: 'endless',
      topics: { 'gpu.samples.raw': { record: 'GpuSample', partitions: 2 } },
      stages: {
        source: { kind: 'simulate', output: 'gpu.samples.raw', params: { gpus: 16, ticks: 0, speed: 0 } },
        collect: { kind: 'test-collect', input: 'gpu.samples.raw' },
      },
    },
    catalogue,
  );
  const capacity = 100;
  const maxInFlight = 50;
  const maxBatch = 20;
  const transport = new InProcessTransport({ partitionCapacity: capacity, maxBatch });
  const collector = newCollector(1); // a slow consumer: about 1,000 samples/s
  const handle = await startPipeline({ pipeline, log: quietLog(), transport, services: new Map([['collector', collector]]), runner: { maxInFlight } });
  let maxHeld = 0;
  const watch = setInterval(() => (maxHeld = Math.max(maxHeld, transport.heldRecords('gpu.samples.raw'))), 5);
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  clearInterval(watch);
  const stopped = Date.now();
  await handle.stop(5_000);
  assert.ok(Date.now() - stopped < 5_000, 'stopped within its bound');
  assert.ok(collector.seen.length > 100, `samples flowed (${collector.seen.length})`);
  // The source ran ahead of the slow consumer by no more than the topic's capacity (two partitions), the
  // batch the consumer has read, its in-flight limit and one tick of the fleet.
  const bound = 2 * capacity + maxBatch + maxInFlight + 16;
  assert.ok(maxHeld <= bound, `held up to ${maxHeld} records, bound ${bound}`);
  const produced = transport.endOffsets('gpu.samples.raw').reduce((a, b) => a + b, 0);
  assert.ok(produced - collector.seen.length <= bound, `produced ${produced}, consumed ${collector.seen.length}`);
});
