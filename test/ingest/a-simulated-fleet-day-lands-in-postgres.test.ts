import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createScratchPostgres, log } from '../db/support.js';
import {
  NOT_AVRO, countRows, fleetTruth, injectMalformed, malformedSamples, metricRows, runIngest, simulatedSpec, withInjector,
  type SimulatedRun,
} from '../support/ingest.js';

// A whole simulated day of a 200-GPU fleet. One scrape every two minutes (step_ms 120 000, 720
// ticks, about 144 000 samples) rather than dcgm-exporter's 10 s keeps the test under two minutes
// on a busy two-core machine (one scrape a minute took three there); the day, the fleet and
// every stage are the real ones. Faults are made 150× likelier so the day has failures (about ten)
// to label, and failed GPUs drop off the bus and come back as they would.
const DAY: SimulatedRun = { seed: 20260101, gpus: 200, ticks: 720, stepMs: 120_000, faultRateMultiplier: 150 };

test('a simulated 200-GPU day lands in PostgreSQL, and every malformed record is a dead letter with its precise reason', { timeout: 300_000 }, async (t) => {
  const db = await createScratchPostgres();
  t.after(() => db.dispose());
  const truth = fleetTruth(DAY);
  const injected = malformedSamples();
  const rejected = injected.filter((r) => r.reason !== null);

  const run = await runIngest({
    spec: withInjector(simulatedSpec(DAY)),
    db,
    log,
    extraKinds: [injectMalformed],
    rawBytes: [{ key: NOT_AVRO.key, value: Buffer.from(NOT_AVRO.value) }],
  });

  const emitted = run.rawRecords();
  assert.equal(emitted, truth.samples + injected.length + 1, 'gpu.samples.raw holds the simulator\'s samples, the injected ones and the bytes');

  // Every dead letter, with its reason, is in dead_letters; nothing else was dead-lettered.
  const dead = await db.sql<{ stage: string; source_topic: string; reason: string; record_key: string | null; record_value: Buffer }[]>`
    SELECT stage, source_topic, reason, record_key, record_value FROM dead_letters ORDER BY reason`;
  assert.equal(dead.length, rejected.length + 1, `only the malformed records are dead letters:\n${dead.slice(0, 10).map((d) => `  ${d.record_key}: ${d.reason}`).join('\n')}`);
  for (const r of rejected) {
    const found = dead.filter((d) => d.record_key === r.sample.gpu_uuid && r.reason!.test(d.reason));
    assert.equal(found.length, 1, `${r.fault}: one dead letter from validate matching ${r.reason}; got ${JSON.stringify(dead.filter((d) => d.record_key === r.sample.gpu_uuid).map((d) => d.reason))}`);
    assert.equal(found[0].stage, 'validate');
    assert.equal(found[0].source_topic, 'gpu.samples.raw');
  }
  const bytes = dead.find((d) => d.record_key === NOT_AVRO.key);
  assert.ok(bytes, 'the bytes that are not Avro are a dead letter');
  assert.match(bytes.reason, NOT_AVRO.reason);
  assert.equal(Buffer.from(bytes.record_value).toString('utf8'), NOT_AVRO.value, 'the dead letter keeps the bytes as they arrived');

  // gpu_metrics: everything emitted less what was dead-lettered, once each.
  const [{ rows, keys }] = await db.sql<{ rows: number; keys: number }[]>`
    SELECT count(*)::int AS rows, count(DISTINCT (gpu_uuid, ts))::int AS keys FROM gpu_metrics`;
  assert.equal(rows, emitted - dead.length, 'rows in gpu_metrics = samples emitted − dead-lettered');
  assert.equal(keys, rows, 'no sample is stored twice');
  const perGpu = new Map((await db.sql<{ gpu_uuid: string; n: number }[]>`
    SELECT gpu_uuid, count(*)::int AS n FROM gpu_metrics GROUP BY gpu_uuid`).map((r) => [r.gpu_uuid, r.n]));
  for (const [gpu, n] of truth.samplesByGpu) assert.equal(perGpu.get(gpu), n, `every simulated sample of ${gpu} is stored`);
  const [{ first, last }] = await db.sql<{ first: Date; last: Date }[]>`
    SELECT min(ts) AS first, max(ts) AS last FROM gpu_metrics WHERE source NOT LIKE 'test://%'`;
  assert.equal(last.getTime() - first.getTime(), (DAY.ticks - 1) * DAY.stepMs, 'the stored samples span the simulated day');
  const valid = injected.filter((r) => r.reason === null).map((r) => r.sample);
  const stored = (await metricRows(db)).filter((r) => r.gpu_uuid.startsWith('GPU-bad'));
  assert.deepEqual(stored.map((r) => [r.gpu_uuid, r.ts.getTime()]), valid.map((s) => [s.gpu_uuid, s.ts_ms]).sort(), 'the valid companions of the malformed records are stored');

  // gpu_assets: the simulator's inventory, all 200 GPUs with their metadata; injected GPUs registered from the scrape.
  const assets = await db.sql<{ gpu_uuid: string; serial: string | null; model: string; hostname: string; rack: string | null; datacenter: string | null; registered_by: string }[]>`
    SELECT gpu_uuid, serial, model, hostname, rack, datacenter, registered_by FROM gpu_assets ORDER BY gpu_uuid`;
  const inventory = assets.filter((a) => a.registered_by === 'inventory');
  assert.equal(inventory.length, DAY.gpus);
  assert.deepEqual(
    inventory.map(({ gpu_uuid, serial, model, hostname, rack, datacenter }) => ({ gpu_uuid, serial, model, hostname, rack, datacenter })),
    [...truth.assets]
      .sort((a, b) => (a.gpu_uuid < b.gpu_uuid ? -1 : 1))
      .map(({ gpu_uuid, serial, model, hostname, rack, datacenter }) => ({ gpu_uuid, serial, model, hostname, rack, datacenter })),
  );
  assert.deepEqual(
    assets.filter((a) => a.registered_by === 'scrape').map((a) => a.gpu_uuid),
    [...new Set(valid.map((s) => s.gpu_uuid))].sort(),
    'a GPU the inventory does not know is registered from its first valid sample',
  );

  // gpu_failure_labels: the simulator's ground truth, exactly.
  assert.ok(truth.failures.length > 0, 'the simulated day has failures (raise faultRateMultiplier if not)');
  const labels = await db.sql<{ gpu_uuid: string; failed_at: Date; fault_kind: string; onset_at: Date | null; source: string }[]>`
    SELECT gpu_uuid, failed_at, fault_kind, onset_at, source FROM gpu_failure_labels ORDER BY failed_at, gpu_uuid`;
  assert.deepEqual(
    labels.map((l) => ({ gpu_uuid: l.gpu_uuid, failed_at_ms: l.failed_at.getTime(), fault_kind: l.fault_kind, onset_ms: l.onset_at?.getTime() ?? null })),
    [...truth.failures]
      .sort((a, b) => a.failed_at_ms - b.failed_at_ms || (a.gpu_uuid < b.gpu_uuid ? -1 : 1))
      // The simulator keeps sub-millisecond times; a JavaScript Date (and so the row read back) does not.
      .map((f) => ({ gpu_uuid: f.gpu_uuid, failed_at_ms: Math.trunc(f.failed_at_ms), fault_kind: f.fault_kind, onset_ms: Math.trunc(f.onset_ms) })),
  );
  assert.equal(await countRows(db, 'gpu_failure_labels'), truth.failures.length);
});
