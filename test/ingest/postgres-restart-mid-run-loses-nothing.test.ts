import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { openDatabase } from '../../db/connect.js';
import { createScratchPostgres, log } from '../db/support.js';
import { startThrowawayPostgres } from '../db/throwaway-postgres.js';
import { countRows, fleetTruth, metricRows, runIngest, simulatedSpec, startIngest, type SimulatedRun } from '../support/ingest.js';

// 64 GPUs × 400 scrapes (25 600 samples): long enough to take the server away in the middle.
const RUN: SimulatedRun = { seed: 7, gpus: 64, ticks: 400, stepMs: 10_000 };
// enrich reloads its asset cache every 100 ms here (default: a minute), so the outage also hits
// its database reads, as it would in a long-running deployment.
const STAGE_PARAMS = { enrich: { refresh_ms: 100 } };
const OUTAGE_MS = 2_000; // server down this long, mid-run

test('PostgreSQL restarted in the middle of a run: the rows equal an uninterrupted run\'s, none lost, none twice', { timeout: 240_000 }, async (t) => {
  // The reference: the same seed, uninterrupted, on the shared server.
  const reference = await createScratchPostgres();
  t.after(() => reference.dispose());
  await runIngest({ spec: simulatedSpec(RUN, STAGE_PARAMS), db: reference, log });
  const expected = await metricRows(reference);
  assert.equal(expected.length, fleetTruth(RUN).samples, 'the uninterrupted run stored every sample');

  // The interrupted run, on a private server this test may stop (the shared one serves other tests).
  const server = await startThrowawayPostgres();
  t.after(() => server.destroy());
  const db = await openDatabase({ url: server.url, log });
  t.after(() => db.close());
  const run = await startIngest({ spec: simulatedSpec(RUN, STAGE_PARAMS), db, log });
  // Wait until part of the run is stored, then stop the server (fast: sessions are cut) and bring it back.
  let storedAtStop = 0;
  while (storedAtStop < expected.length / 4) {
    await sleep(50);
    storedAtStop = await countRows(db, 'gpu_metrics');
  }
  await server.stop('fast');
  await sleep(OUTAGE_MS);
  await server.start();
  assert.ok(storedAtStop < expected.length, `the server went away mid-run (${storedAtStop} of ${expected.length} samples stored)`);
  try {
    await run.handle.finished;
  } finally {
    await run.handle.stop();
    await run.transport.close();
  }

  const dead = await db.sql<{ stage: string; reason: string }[]>`SELECT stage, reason FROM dead_letters`;
  assert.deepEqual([...dead], [], 'the outage dead-lettered nothing');
  const actual = await metricRows(db);
  const [{ keys }] = await db.sql<{ keys: number }[]>`SELECT count(DISTINCT (gpu_uuid, ts))::int AS keys FROM gpu_metrics`;
  assert.equal(keys, actual.length, 'no sample is stored twice');
  assert.equal(actual.length, expected.length, 'no sample is lost');
  assert.deepEqual(actual, expected, 'every row equals the uninterrupted run\'s, column by column');
});
