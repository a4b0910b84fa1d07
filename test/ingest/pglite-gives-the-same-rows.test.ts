import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createScratchPglite, createScratchPostgres, log } from '../db/support.js';
import { countRows, fleetTruth, metricRows, runIngest, simulatedSpec, type SimulatedRun } from '../support/ingest.js';

// 32 GPUs × 200 scrapes a minute apart, faults made 3 000× likelier: five GPUs fail and fall off the
// bus, so the rows include the gaps and the labels, not only steady telemetry.
const RUN: SimulatedRun = { seed: 11, gpus: 32, ticks: 200, stepMs: 60_000, faultRateMultiplier: 3_000 };

test('the same seeded run on PGlite and on PostgreSQL stores the same gpu_metrics rows', { timeout: 240_000 }, async (t) => {
  const postgres = await createScratchPostgres();
  t.after(() => postgres.dispose());
  const pglite = await createScratchPglite(); // openDatabase without a URL, on a temporary data directory
  t.after(() => pglite.dispose());
  assert.equal(pglite.kind, 'pglite');

  await runIngest({ spec: simulatedSpec(RUN), db: postgres, log });
  await runIngest({ spec: simulatedSpec(RUN), db: pglite, log });

  const onPostgres = await metricRows(postgres);
  const onPglite = await metricRows(pglite);
  const truth = fleetTruth(RUN);
  assert.ok(truth.failures.length > 0, 'the run has failures');
  assert.equal(onPostgres.length, truth.samples);
  assert.equal(onPglite.length, onPostgres.length);
  assert.deepEqual(onPglite, onPostgres, 'every row, every column');
  for (const table of ['gpu_assets', 'gpu_failure_labels', 'dead_letters'] as const) {
    assert.equal(await countRows(pglite, table), await countRows(postgres, table), table);
  }
  const labels = (db: typeof postgres) => db.sql`SELECT gpu_uuid, failed_at, fault_kind, onset_at, source FROM gpu_failure_labels ORDER BY gpu_uuid, failed_at`;
  const onPostgresLabels = [...(await labels(postgres))];
  assert.equal(onPostgresLabels.length, truth.failures.length);
  assert.deepEqual([...(await labels(pglite))], onPostgresLabels, 'the same ground truth');
});
