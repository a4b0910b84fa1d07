import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { createScratchPostgres, log } from '../db/support.js';
import { Fleet } from '../../sim/fleet.js';
import { startExporterFleet } from '../../sim/exporter-server.js';
import { countRows, exporterSpec, runIngest, SIM_START_MS } from '../support/ingest.js';

const GPUS = 24; // three hosts of eight: three dcgm-exporter endpoints
const SCRAPES = 3;
const INTERVAL_MS = 300; // between scrapes of a target (dcgm-exporter is scraped every 10 s in production)

/** A loopback URL where nothing listens: a node whose exporter is down. */
async function deadTarget(): Promise<string> {
  const port = await new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
  return `http://127.0.0.1:${port}/metrics`;
}

test('the collect stage scrapes real exporter endpoints into gpu_metrics, and a target that is down does not stop the others', { timeout: 120_000 }, async (t) => {
  const db = await createScratchPostgres();
  t.after(() => db.dispose());
  const fleet = new Fleet({ seed: 3, gpus: GPUS, startMs: SIM_START_MS });
  // speed 0: the endpoints serve the fleet's tick as it is; the collect stage stamps each scrape with its own time.
  const exporters = await startExporterFleet({ fleet, speed: 0 });
  t.after(() => exporters.close());
  assert.equal(exporters.urls.length, GPUS / 8);
  const down = await deadTarget();
  const gpus = exporters.latest().samples.map((s) => s.gpu_uuid);

  // As `pipeline run --source URL...` does: the simulate stage becomes collect over these targets.
  const run = await runIngest({
    spec: exporterSpec([...exporters.urls, down], { scrapes: SCRAPES, interval_ms: INTERVAL_MS, timeout_ms: 2_000 }),
    db,
    log,
  });

  const rows = await db.sql<{ gpu_uuid: string; n: number; sources: string[] }[]>`
    SELECT gpu_uuid, count(*)::int AS n, array_agg(DISTINCT source) AS sources FROM gpu_metrics GROUP BY gpu_uuid ORDER BY gpu_uuid`;
  assert.deepEqual(rows.map((r) => r.gpu_uuid), [...gpus].sort(), 'every GPU behind every live endpoint has rows');
  for (const r of rows) {
    assert.equal(r.n, SCRAPES, `${r.gpu_uuid}: one row per scrape`);
    assert.equal(r.sources.length, 1);
    assert.ok(exporters.urls.includes(r.sources[0]), `${r.gpu_uuid} came from an exporter URL (${r.sources[0]})`);
  }
  assert.equal(await countRows(db, 'gpu_metrics'), GPUS * SCRAPES);
  assert.equal(await countRows(db, 'dead_letters'), 0, 'real exporter text passes validation');
  // The same readings the endpoint served, as parsed from the exporter text.
  const served = exporters.latest().samples[0];
  const [stored] = await db.sql<{ gpu_temp_c: number; power_w: number; fb_used_mib: number }[]>`
    SELECT gpu_temp_c, power_w, fb_used_mib FROM gpu_metrics WHERE gpu_uuid = ${served.gpu_uuid} LIMIT 1`;
  assert.deepEqual(stored, { gpu_temp_c: served.gpu_temp_c, power_w: served.power_w, fb_used_mib: served.fb_used_mib });
  // Assets the inventory never listed are registered from what the scrape says.
  const [{ scraped }] = await db.sql<{ scraped: number }[]>`SELECT count(*)::int AS scraped FROM gpu_assets WHERE registered_by = 'scrape'`;
  assert.equal(scraped, GPUS);

  const up = await run.handle.metrics.registry.getSingleMetric('collect_target_up')?.get();
  assert.ok(up, 'collect reports collect_target_up');
  const byTarget = new Map(up.values.map((v) => [String(v.labels.target), v.value]));
  assert.equal(byTarget.get(down), 0, 'the target that is down reports up 0');
  for (const url of exporters.urls) assert.equal(byTarget.get(url), 1, `${url} reports up 1`);
});
