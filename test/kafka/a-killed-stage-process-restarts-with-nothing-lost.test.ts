import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ClusterRun, keyOf } from './cluster-harness.js';
import { sleep, waitFor } from './support.js';

const TOTAL = 10_000;

test('kill -9 of a `pipeline stage` process mid-batch, then a restart: the collected result equals an uninterrupted run', async () => {
  const run = new ClusterRun(6);
  try {
    await run.startCollector();
    const victim = run.startCheck();
    await waitFor('the check process to join its group', async () => (await run.checkMembers()) === 1, 60_000, 200);
    const feeding = run.feed(0, TOTAL, 250, 150);
    await waitFor('samples flowing through check', () => run.collector.seen.length > 2_000, 60_000, 5);
    const killedAt = run.collector.seen.length;
    victim.kill('SIGKILL');
    await new Promise((done) => victim.once('exit', done));
    await sleep(500);
    run.startCheck();
    await feeding;
    await waitFor(`every sample at the collector (have ${new Set(run.collector.seen.map(keyOf)).size} of ${TOTAL})`, () => new Set(run.collector.seen.map(keyOf)).size >= TOTAL, 120_000, 100);
    await sleep(1_500);

    assert.ok(killedAt < TOTAL, `killed mid-run (${killedAt} of ${TOTAL} collected)`);
    // An uninterrupted run delivers exactly the samples fed, once each. After the kill, what the dead process
    // had not committed is replayed (at-least-once); an idempotent sink keyed by GPU and time stores each once.
    const stored = new Map(run.collector.seen.map((s) => [keyOf(s), JSON.stringify(s)]));
    assert.equal(stored.size, TOTAL, 'no sample lost');
    const replayed = run.collector.seen.length - stored.size;
    for (const s of run.collector.seen) assert.equal(JSON.stringify(s), stored.get(keyOf(s)), 'a replayed sample is identical to its first delivery');
    process.stderr.write(`# killed after ${killedAt} collected; ${replayed} replayed record(s) collapsed by key+ts\n`);
  } finally {
    await run.stop();
  }
});
