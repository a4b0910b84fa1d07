import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import postgres from 'postgres';
import { databaseUrl } from '../db/support.js';
import { fleetTruth, withDatabaseName, type SimulatedRun } from '../support/ingest.js';

// dist/ is built by `npm test` before the tests run.
const CLI = new URL('../../dist/pipeline/cli.js', import.meta.url).pathname;
// What `--ticks 30 --gpus 16` simulates with the CLI's defaults (seed 1, 10 s steps).
const RUN: SimulatedRun = { seed: 1, gpus: 16, ticks: 30, stepMs: 10_000 };

test('`pipeline run --ticks N --speed 0` against a fresh database exits 0 and leaves the rows there', { timeout: 120_000 }, async (t) => {
  const server = databaseUrl();
  const name = `ghm_ingest_cli_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = postgres(server, { max: 1, onnotice: () => {} });
  t.after(async () => {
    await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end({ timeout: 5 });
  });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  const url = withDatabaseName(server, name);

  const child = spawn(
    process.execPath,
    [CLI, 'run', '--ticks', String(RUN.ticks), '--speed', '0', '--gpus', String(RUN.gpus), '--metrics-port', '0'],
    { env: { ...process.env, DATABASE_URL: url, LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const code = await new Promise<number | null>((resolve) => child.on('exit', (exitCode) => resolve(exitCode)));
  assert.equal(code, 0, `exit code; stderr:\n${stderr}\nstdout (tail):\n${stdout.slice(-2_000)}`);

  // It says where to look, and reports what reached the database.
  assert.match(stderr, /GPU Health Monitor is running \(pipeline gpu-health, 4 stages, embedded\)/);
  assert.match(stderr, /metrics: +http:\/\/127\.0\.0\.1:\d+\/metrics/);
  const progress = stdout
    .split('\n')
    .filter((line) => line.includes('"rows arriving"'))
    .map((line) => JSON.parse(line) as { gpu_metrics: number; gpu_assets: number; dead_letters: number });
  const expected = fleetTruth(RUN).samples;
  assert.deepEqual(progress.at(-1), { ...progress.at(-1), gpu_metrics: expected, gpu_assets: RUN.gpus, dead_letters: 0 }, 'the last progress line counts every row');

  const db = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const [row] = await db<{ samples: number; gpus: number; inventory: number }[]>`
      SELECT (SELECT count(*)::int FROM gpu_metrics) AS samples,
             (SELECT count(DISTINCT gpu_uuid)::int FROM gpu_metrics) AS gpus,
             (SELECT count(*)::int FROM gpu_assets WHERE registered_by = 'inventory') AS inventory`;
    assert.deepEqual(row, { samples: expected, gpus: RUN.gpus, inventory: RUN.gpus });
  } finally {
    await db.end({ timeout: 5 });
  }
});
