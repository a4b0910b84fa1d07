import { test } from 'node:test';
import assert from 'node:assert/strict';

import { DCGM_FIELD_BY_SAMPLE_FIELD } from '../../dcgm/fields.js';
import { GPU_READING_FIELDS, type GpuSample } from '../../dcgm/types.js';
import { Fleet } from '../../sim/fleet.js';

const START_MS = Date.UTC(2025, 2, 1);
// Volatile ECC counts restart when the driver reloads, which a repair does.
const RESET_AT_REPAIR = new Set(['ecc_sbe_volatile_total', 'ecc_dbe_volatile_total']);

test('counters never go backwards, through failures and repairs', () => {
  const fleet = new Fleet({ seed: 9, gpus: 32, startMs: START_MS, stepMs: 60_000, faultRateMultiplier: 3000 });
  const counters = GPU_READING_FIELDS.filter((f) => DCGM_FIELD_BY_SAMPLE_FIELD.get(f)?.type === 'counter');
  assert.ok(counters.length >= 15);
  const last = new Map<string, GpuSample>();
  let compared = 0;
  for (const tick of fleet.ticks(START_MS + 4 * 86_400_000)) {
    for (const s of tick.samples) {
      const prev = last.get(s.gpu_uuid);
      if (prev !== undefined) {
        const repairedBetween = fleet.repairs().some(
          (r) => r.gpu_uuid === s.gpu_uuid && r.repaired_at_ms > prev.ts_ms && r.repaired_at_ms <= s.ts_ms,
        );
        for (const field of counters) {
          if (repairedBetween && RESET_AT_REPAIR.has(field)) continue;
          assert.ok(s[field]! >= prev[field]!, `${field} of ${s.gpu_uuid} went from ${prev[field]} to ${s[field]} at ${s.ts_ms}`);
          compared++;
        }
      }
      last.set(s.gpu_uuid, s);
    }
  }
  assert.ok(compared > 100_000);
  assert.ok(fleet.failures().length >= 3, `failures happened (${fleet.failures().length})`);
  assert.ok(fleet.repairs().length >= 1, 'and some GPUs came back');
});

test('readings stay in physical ranges', () => {
  const fleet = new Fleet({ seed: 10, gpus: 16, startMs: START_MS, stepMs: 60_000, faultRateMultiplier: 1000 });
  let busy = 0;
  for (const tick of fleet.ticks(START_MS + 86_400_000)) {
    for (const s of tick.samples) {
      assert.ok(s.gpu_util_pct! >= 0 && s.gpu_util_pct! <= 100);
      assert.ok(s.gpu_temp_c! > 10 && s.gpu_temp_c! < 110, `temp ${s.gpu_temp_c}`);
      assert.ok(s.power_w! > 0 && s.power_w! <= (s.model_name.includes('A100') ? 400 : 700));
      assert.ok(s.fb_used_mib! >= 0 && s.fb_free_mib! >= 0);
      if (s.gpu_util_pct! > 50) busy++;
    }
  }
  assert.ok(busy > 1000, 'jobs ran');
});
