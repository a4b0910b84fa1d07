import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { migrate } from '../../db/migrate.js';
import { catalogue } from '../../pipeline/catalogue.js';
import { resolvePipeline } from '../../pipeline/definition.js';
import { startPipeline } from '../../pipeline/embedded.js';
import { createScratchPostgres, log } from '../db/support.js';
import { countRows, fleetTruth, metricRows, runIngest, simulatedSpec, type SimulatedRun } from '../support/ingest.js';
import { confluentRegistry, isolate, kafkaTransport, sleep, stageProcessEnv, waitFor } from './support.js';

const CLI = resolve(import.meta.dirname, '../../dist/pipeline/cli.js');
// Small sink batches and a steady stream, so the kill always lands with a batch half-written or buffered.
const RUN: SimulatedRun = { seed: 23, gpus: 32, ticks: 400, stepMs: 60_000, faultRateMultiplier: 1_000 };
const SINK = { batch_size: 100, flush_ms: 50 };

function startSink(definitionFile: string, databaseUrl: string): ChildProcess {
  return spawn(process.execPath, [CLI, 'stage', 'sink', '--definition', definitionFile, '--database-url', databaseUrl, '--metrics-port', '0'], {
    env: stageProcessEnv(),
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}

/** Rows written so far; a sink process that died by itself fails the test at once rather than at the timeout. */
async function rowsWhileAlive(sink: ChildProcess, db: Parameters<typeof countRows>[0]): Promise<number> {
  if (sink.exitCode !== null) throw new Error(`the sink process exited by itself with code ${sink.exitCode}`);
  return countRows(db, 'gpu_metrics');
}

test('kill -9 of the `pipeline stage sink` process mid-run, then a restart: the database equals an uninterrupted run', { timeout: 300_000 }, async (t) => {
  const embeddedDb = await createScratchPostgres();
  t.after(() => embeddedDb.dispose());
  const clusterDb = await createScratchPostgres();
  t.after(() => clusterDb.dispose());

  await runIngest({ spec: simulatedSpec(RUN, { sink: SINK }), db: embeddedDb, log });
  const expected = await metricRows(embeddedDb);
  assert.equal(expected.length, fleetTruth(RUN).samples);

  await migrate(clusterDb, { log });
  const spec = isolate(simulatedSpec(RUN, { sink: SINK }));
  const definitionFile = join(mkdtempSync(join(tmpdir(), 'ghm-kill-')), 'pipeline.json');
  writeFileSync(definitionFile, JSON.stringify(spec));

  // The sink is its own process; the stages before it run here, on the same broker.
  let sink = startSink(definitionFile, clusterDb.displayUrl);
  const transport = kafkaTransport(log);
  const upstream = await startPipeline({
    pipeline: resolvePipeline(spec, catalogue()),
    log,
    transport,
    registry: confluentRegistry(),
    services: new Map<string, unknown>([['database', clusterDb]]),
    only: ['source', 'validate', 'enrich'],
  });
  try {
    await waitFor('a quarter of the rows written', async () => (await rowsWhileAlive(sink, clusterDb)) > expected.length / 4, 180_000, 20);
    sink.kill('SIGKILL');
    await new Promise((done) => sink.once('exit', done));
    const atKill = await countRows(clusterDb, 'gpu_metrics');
    assert.ok(atKill < expected.length, `killed mid-run (${atKill} of ${expected.length} rows)`);
    await sleep(500);
    sink = startSink(definitionFile, clusterDb.displayUrl);
    await waitFor(`${expected.length} gpu_metrics rows`, async () => (await rowsWhileAlive(sink, clusterDb)) >= expected.length, 240_000, 500);
    await sleep(2_000); // anything else in flight (dead letters)
  } finally {
    sink.kill('SIGTERM');
    await new Promise((done) => (sink.exitCode !== null || sink.signalCode !== null ? done(undefined) : sink.once('exit', done)));
    await upstream.stop();
    await transport.close();
  }

  assert.deepEqual(await metricRows(clusterDb), expected, 'every gpu_metrics row, every column, once');
  for (const table of ['gpu_assets', 'gpu_failure_labels', 'dead_letters'] as const) {
    assert.equal(await countRows(clusterDb, table), await countRows(embeddedDb, table), table);
  }
});
