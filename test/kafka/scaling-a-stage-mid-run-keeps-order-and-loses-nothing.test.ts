import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ClusterRun, keyOf, timestampsPerGpu } from './cluster-harness.js';
import { sleep, waitFor } from './support.js';

const TOTAL = 12_000;

test('scaling check from 1 to 3 `pipeline stage` processes mid-run keeps per-GPU order and loses or duplicates nothing', async () => {
  const run = new ClusterRun(6);
  try {
    await run.startCollector();
    run.startCheck();
    await waitFor('the first check process to join its group', async () => (await run.checkMembers()) === 1, 60_000, 200);
    // Feed over ~12 s; two more processes join a few seconds in, while records flow.
    const feeding = run.feed(0, TOTAL, 200, 200);
    await waitFor('samples flowing through check', () => run.collector.seen.length > 1_000, 60_000);
    run.startCheck();
    run.startCheck();
    await waitFor('three check processes in a stable group', async () => (await run.checkMembers()) === 3, 60_000, 200);
    const atScale = run.collector.seen.length;
    await feeding;
    await waitFor(`${TOTAL} samples at the collector (have ${run.collector.seen.length})`, () => run.collector.seen.length >= TOTAL, 120_000);
    await sleep(2_000); // a duplicate would arrive now
    assert.ok(atScale < TOTAL, `the group grew while samples were still flowing (${atScale} of ${TOTAL} collected by then)`);

    const keys = run.collector.seen.map(keyOf);
    assert.equal(new Set(keys).size, TOTAL, 'every sample arrived');
    assert.equal(keys.length, TOTAL, 'no sample arrived twice');
    for (const [gpu, ts] of timestampsPerGpu(run.collector.seen)) {
      assert.ok(ts.every((t, i) => i === 0 || t > ts[i - 1]), `samples of ${gpu} arrived in event-time order`);
    }
  } finally {
    await run.stop();
  }
});
