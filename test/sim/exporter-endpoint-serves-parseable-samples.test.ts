import { test } from 'node:test';
import assert from 'node:assert/strict';

import { scrapeToSamples } from '../../dcgm/scrape-to-samples.js';
import { startExporterFleet } from '../../sim/exporter-server.js';
import { Fleet } from '../../sim/fleet.js';

const START_MS = Date.UTC(2025, 8, 1);

async function scrape(url: string): Promise<string> {
  const res = await fetch(url);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return res.text();
}

for (const layout of ['port-per-host', 'path-per-host'] as const) {
  test(`each host's endpoint (${layout}) serves text that parses back to that host's samples`, async () => {
    const fleet = new Fleet({ seed: 31, gpus: 20, startMs: START_MS });
    const served = await startExporterFleet({ fleet, basePort: 0, speed: 0, layout });
    try {
      assert.equal(served.urls.length, 3);
      served.advance();
      const tick = served.advance();
      for (const [i, url] of served.urls.entries()) {
        const text = await scrape(url);
        const back = scrapeToSamples(text, { tsMs: tick.tsMs, source: `sim://${fleet.seed}` });
        assert.deepEqual(back.problems, []);
        assert.deepEqual(back.samples, tick.samples.filter((s) => s.hostname === served.hostnames[i]));
      }
      const missing = await fetch(served.urls[0]!.replace(/metrics$/, 'nope'));
      assert.equal(missing.status, 404);
    } finally {
      await served.close();
    }
  });
}

test('with a speed, event time runs ahead of the wall clock', async () => {
  const fleet = new Fleet({ seed: 32, gpus: 8, startMs: START_MS });
  const served = await startExporterFleet({ fleet, basePort: 0, speed: 3600 });
  try {
    await new Promise((r) => setTimeout(r, 400));
    const advancedMs = served.latest().tsMs - START_MS;
    assert.ok(advancedMs >= 10 * 60_000, `0.4 s of wall time moved the fleet ${advancedMs} ms`);
    const back = scrapeToSamples(await scrape(served.urls[0]!), { tsMs: served.latest().tsMs, source: 'x' });
    assert.equal(back.samples.length, 8);
  } finally {
    await served.close();
  }
});
