import assert from 'node:assert/strict';
import { test } from 'node:test';
import { emptyGpuSample, type GpuSample } from '../../dcgm/types.js';
import { checkSample, validate, type ValidateParams } from '../../stages/validate.js';

const params: ValidateParams = validate.params.parse({});

function sample(overrides: Partial<GpuSample> = {}): GpuSample {
  return {
    ...emptyGpuSample({
      gpu_uuid: 'GPU-22dbdd79-f55a-92a8-aa39-322198e72ed6',
      ts_ms: 1_767_225_600_000,
      hostname: 'node-1',
      gpu_index: 0,
      model_name: 'NVIDIA H100 80GB HBM3',
      pci_bus_id: null,
      driver_version: null,
      source: 'test',
    }),
    gpu_temp_c: 45,
    power_w: 300,
    gpu_util_pct: 80,
    energy_mj: 1_000_000,
    ecc_sbe_volatile_total: 3,
    ecc_sbe_aggregate_total: 10,
    ...overrides,
  };
}

test('a plausible sample passes', () => {
  assert.equal(checkSample(sample(), undefined, sample().ts_ms, params), null);
});

test('readings outside physics are rejected with the field, the value and the range', () => {
  assert.equal(checkSample(sample({ gpu_temp_c: 400 }), undefined, sample().ts_ms, params), 'gpu_temp_c 400 outside [-10, 125]');
  assert.equal(checkSample(sample({ gpu_util_pct: 101 }), undefined, sample().ts_ms, params), 'gpu_util_pct 101 outside [0, 100]');
  // An H100 SXM's TDP is 700 W; 1.5× is the most a transient reaches.
  assert.equal(checkSample(sample({ power_w: 1_200 }), undefined, sample().ts_ms, params), 'power_w 1200 outside [0, 1050]');
});

test('duplicates, reordering and timestamps far from the stream are rejected', () => {
  const first = sample();
  assert.match(checkSample(sample(), first, first.ts_ms, params)!, /^duplicate sample for GPU-/);
  assert.match(checkSample(sample({ ts_ms: first.ts_ms - 10_000 }), first, first.ts_ms, params)!, /^out-of-order sample/);
  assert.match(checkSample(sample({ ts_ms: first.ts_ms + 3_600_000 }), first, first.ts_ms, params)!, /ahead of the stream$/);
});

test('a counter going backwards is rejected, unless a reset took the energy counter down with it', () => {
  const before = sample();
  const next = { ts_ms: before.ts_ms + 10_000 };
  assert.equal(
    checkSample(sample({ ...next, ecc_sbe_volatile_total: 1, energy_mj: 1_100_000 }), before, before.ts_ms, params),
    'ecc_sbe_volatile_total went backwards from 3 to 1',
  );
  assert.equal(checkSample(sample({ ...next, ecc_sbe_volatile_total: 0, energy_mj: 5 }), before, before.ts_ms, params), null);
  // Persistent (aggregate) counters survive resets.
  assert.match(
    checkSample(sample({ ...next, ecc_sbe_aggregate_total: 2, energy_mj: 5 }), before, before.ts_ms, params)!,
    /^ecc_sbe_aggregate_total went backwards from 10 to 2 \(a persistent counter, across a reset\)$/,
  );
});
