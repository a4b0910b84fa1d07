import assert from 'node:assert/strict';
import { test } from 'node:test';
import { migrate } from '../../db/migrate.js';
import { catalogue } from '../../pipeline/catalogue.js';
import { resolvePipeline } from '../../pipeline/definition.js';
import { startPipeline } from '../../pipeline/embedded.js';
import { createScratchPostgres, log } from '../db/support.js';
import { countRows, fleetTruth, metricRows, runIngest, simulatedSpec, type SimulatedRun } from '../support/ingest.js';
import { confluentRegistry, isolate, kafkaTransport, sleep, waitFor } from './support.js';

// A seeded fleet with failures (GPUs fall off the bus), so the rows include gaps and dead letters are possible.
const RUN: SimulatedRun = { seed: 11, gpus: 32, ticks: 120, stepMs: 60_000, faultRateMultiplier: 3_000 };

test('the GPU health pipeline on Kafka writes exactly the rows the embedded run writes for the same seeded fleet', { timeout: 300_000 }, async (t) => {
  const embeddedDb = await createScratchPostgres();
  t.after(() => embeddedDb.dispose());
  const clusterDb = await createScratchPostgres();
  t.after(() => clusterDb.dispose());

  await runIngest({ spec: simulatedSpec(RUN), db: embeddedDb, log });
  const expected = await metricRows(embeddedDb);
  assert.equal(expected.length, fleetTruth(RUN).samples, 'the embedded reference stored every simulated sample');

  await migrate(clusterDb, { log });
  const transport = kafkaTransport(log);
  const handle = await startPipeline({
    pipeline: resolvePipeline(isolate(simulatedSpec(RUN)), catalogue()),
    log,
    transport,
    registry: confluentRegistry(),
    services: new Map<string, unknown>([['database', clusterDb]]),
  });
  try {
    await waitFor(`${expected.length} gpu_metrics rows`, async () => (await countRows(clusterDb, 'gpu_metrics')) >= expected.length, 240_000, 500);
    await sleep(2_000); // let the sink finish anything else in flight (dead letters)
  } finally {
    await handle.stop();
    await transport.close();
  }

  assert.deepEqual(await metricRows(clusterDb), expected, 'every gpu_metrics row, every column');
  for (const table of ['gpu_assets', 'gpu_failure_labels', 'dead_letters'] as const) {
    assert.equal(await countRows(clusterDb, table), await countRows(embeddedDb, table), table);
  }
});
