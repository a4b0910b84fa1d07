import { test } from 'node:test';
import assert from 'node:assert/strict';

import { Fleet } from '../../sim/fleet.js';

const START_MS = Date.UTC(2025, 0, 6);
const run = (seed: number): string => {
  const fleet = new Fleet({ seed, gpus: 20, startMs: START_MS, stepMs: 30_000, faultRateMultiplier: 500 });
  const ticks = [...fleet.ticks(START_MS + 6 * 3_600_000)];
  return JSON.stringify({ ticks, assets: fleet.assets(), failures: fleet.failures() });
};

test('the same seed gives the same samples, assets and failures byte for byte', () => {
  const a = run(42);
  assert.equal(a, run(42));
  assert.ok(a.length > 1_000_000, 'a meaningful amount of output was compared');
});

test('a different seed gives different samples and identities', () => {
  assert.notEqual(run(42), run(43));
  const uuids = (seed: number): string[] =>
    new Fleet({ seed, gpus: 8, startMs: START_MS }).assets().map((a) => a.gpu_uuid);
  assert.notDeepEqual(uuids(1), uuids(2));
});

test('identities look like DCGM and the assets describe hosts of eight in racks', () => {
  const fleet = new Fleet({ seed: 5, gpus: 70, startMs: START_MS });
  const assets = fleet.assets();
  assert.equal(assets.length, 70);
  assert.equal(new Set(assets.map((a) => a.gpu_uuid)).size, 70);
  for (const a of assets) {
    assert.match(a.gpu_uuid, /^GPU-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.match(a.serial, /^\d{13}$/);
    assert.match(a.purchase_date, /^\d{4}-\d{2}-\d{2}$/);
    assert.ok(a.warranty_end > a.purchase_date);
    assert.equal(a.tdp_w, a.model === 'NVIDIA A100-SXM4-80GB' ? 400 : 700);
    assert.ok(a.purchase_price_usd > 0);
  }
  const perHost = new Map<string, number>();
  for (const a of assets) perHost.set(a.hostname, (perHost.get(a.hostname) ?? 0) + 1);
  assert.deepEqual([...perHost.values()], [8, 8, 8, 8, 8, 8, 8, 8, 6]);
  assert.equal(new Set(assets.map((a) => a.rack)).size, 3, '4 hosts per rack');
  const models = new Set(assets.map((a) => a.model));
  assert.ok(models.size >= 2, 'a mix of models');
});
