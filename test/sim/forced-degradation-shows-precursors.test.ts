// Each degradation shows its precursor signals between onset and failure, and not before;
// ground truth records the failure as placed. GPUs 0–4 and the healthy GPU 5 share a host,
// so they run the same jobs and differ only by their faults.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { CLOCKS_EVENT } from '../../dcgm/fields.js';
import type { GpuSample } from '../../dcgm/types.js';
import { Fleet, type ForcedFault } from '../../sim/fleet.js';

const HOUR_MS = 3_600_000;
const START_MS = Date.UTC(2025, 4, 5);
const ONSET_MS = START_MS + 6 * HOUR_MS;
const FAIL_MS = START_MS + 30 * HOUR_MS;
const KINDS = ['hbm_memory', 'thermal', 'pcie_link', 'nvlink', 'power_delivery'] as const;

const forced: ForcedFault[] = KINDS.map((kind, gpuOrdinal) => ({ gpuOrdinal, kind, onsetMs: ONSET_MS, failAtMs: FAIL_MS }));
// No drawn faults: only the forced ones may happen.
const fleet = new Fleet({ seed: 11, gpus: 8, startMs: START_MS, stepMs: 60_000, faultRateMultiplier: 0, forcedFaults: forced, modelMix: { 'NVIDIA A100-SXM4-80GB': 0, 'NVIDIA H200': 0 } });
const uuids = fleet.assets().map((a) => a.gpu_uuid);
const series = new Map<string, GpuSample[]>(uuids.map((u) => [u, []]));
for (const tick of fleet.ticks(FAIL_MS + 2 * HOUR_MS)) for (const s of tick.samples) series.get(s.gpu_uuid)!.push(s);

const at = (ordinal: number, tsMs: number): GpuSample => {
  const s = series.get(uuids[ordinal]!)!.filter((x) => x.ts_ms <= tsMs).at(-1);
  assert.ok(s, `a sample of GPU ${ordinal} at or before ${tsMs}`);
  return s;
};
const between = (ordinal: number, fromMs: number, toMs: number): GpuSample[] =>
  series.get(uuids[ordinal]!)!.filter((x) => x.ts_ms >= fromMs && x.ts_ms < toMs);

test('ground truth holds each forced failure with its onset and kind', () => {
  const failures = fleet.failures();
  assert.equal(failures.length, KINDS.length);
  for (const [i, kind] of KINDS.entries()) {
    const f = failures.find((x) => x.gpu_uuid === uuids[i]);
    assert.ok(f, `a failure of GPU ${i}`);
    assert.equal(f.fault_kind, kind);
    assert.equal(f.onset_ms, ONSET_MS);
    assert.equal(f.failed_at_ms, FAIL_MS);
  }
});

test('HBM: single-bit errors climb after onset, then double-bit errors and remaps, then XID 48/64', () => {
  assert.ok(at(0, ONSET_MS).ecc_sbe_volatile_total! <= 1, 'quiet before onset');
  const beforeFail = at(0, FAIL_MS - 60_000);
  assert.ok(beforeFail.ecc_sbe_volatile_total! >= 20, `SBE rose to ${beforeFail.ecc_sbe_volatile_total}`);
  assert.ok(beforeFail.row_remap_correctable! + beforeFail.row_remap_uncorrectable! >= 1, 'rows were remapped');
  assert.ok(beforeFail.ecc_dbe_volatile_total! >= 1, 'a DBE came before the failure');
  const after = at(0, FAIL_MS + HOUR_MS);
  assert.ok([48, 64].includes(after.xid_last!), `xid ${after.xid_last}`);
  assert.equal(at(5, FAIL_MS).ecc_sbe_volatile_total! <= 1, true, 'the healthy sibling stays quiet');
});

test('thermal: hotter than a healthy sibling at the same work, with thermal violations, then off the bus', () => {
  const late = between(1, FAIL_MS - 8 * HOUR_MS, FAIL_MS).filter((s) => s.gpu_util_pct! > 50);
  const sibling = between(5, FAIL_MS - 8 * HOUR_MS, FAIL_MS).filter((s) => s.gpu_util_pct! > 50);
  assert.ok(late.length > 30 && sibling.length > 30, 'the host was busy late in the degradation');
  const mean = (xs: GpuSample[], f: (s: GpuSample) => number): number => xs.reduce((a, s) => a + f(s), 0) / xs.length;
  const hotter = mean(late, (s) => s.gpu_temp_c!) - mean(sibling, (s) => s.gpu_temp_c!);
  assert.ok(hotter > 5, `degrading GPU ran ${hotter.toFixed(1)} °C hotter`);
  assert.equal(at(1, ONSET_MS).thermal_violation_us, 0, 'no thermal throttling before onset');
  assert.ok(at(1, FAIL_MS - 60_000).thermal_violation_us! > 0, 'thermal throttling before the failure');
  assert.ok(late.some((s) => (s.clocks_event_reasons! & (CLOCKS_EVENT.swThermal | CLOCKS_EVENT.hwThermal)) !== 0));
  assert.equal(between(1, FAIL_MS, FAIL_MS + HOUR_MS).length, 0, 'XID 79: gone from the scrape');
});

test('PCIe: replays climb before the GPU falls off the bus', () => {
  const atOnset = at(2, ONSET_MS).pcie_replay_total!;
  const beforeFail = at(2, FAIL_MS - 60_000).pcie_replay_total!;
  assert.ok(atOnset <= 1);
  assert.ok(beforeFail - atOnset >= 20, `replays ${atOnset} → ${beforeFail}`);
  assert.equal(between(2, FAIL_MS, FAIL_MS + HOUR_MS).length, 0);
});

test('NVLink: CRC and replay errors climb, then XID 74', () => {
  assert.equal(at(3, ONSET_MS).nvlink_crc_flit_errors_total, 0);
  const s = at(3, FAIL_MS - 60_000);
  assert.ok(s.nvlink_crc_flit_errors_total! >= 10, `flit CRC ${s.nvlink_crc_flit_errors_total}`);
  assert.ok(s.nvlink_replay_errors_total! > 0);
  assert.equal(at(3, FAIL_MS + HOUR_MS).xid_last, 74);
});

test('power delivery: power-brake events and power violations before the failure', () => {
  const before = between(4, START_MS, ONSET_MS);
  assert.ok(before.every((s) => (s.clocks_event_reasons! & CLOCKS_EVENT.hwPowerBrake) === 0), 'no brake before onset');
  const during = between(4, ONSET_MS, FAIL_MS);
  assert.ok(during.filter((s) => (s.clocks_event_reasons! & CLOCKS_EVENT.hwPowerBrake) !== 0).length >= 5);
  assert.ok(at(4, FAIL_MS - 60_000).power_violation_us! > at(4, ONSET_MS).power_violation_us! + 60_000_000);
});

test('a sudden failure has no warning and is in ground truth with onset = failure', () => {
  const f = new Fleet({
    seed: 12, gpus: 8, startMs: START_MS, stepMs: 60_000, faultRateMultiplier: 0,
    forcedFaults: [{ gpuOrdinal: 2, kind: 'sudden', onsetMs: START_MS + HOUR_MS, failAtMs: START_MS + HOUR_MS }],
  });
  const seen: GpuSample[] = [];
  const uuid = f.assets()[2]!.gpu_uuid;
  for (const t of f.ticks(START_MS + 2 * HOUR_MS)) seen.push(...t.samples.filter((s) => s.gpu_uuid === uuid));
  assert.ok(seen.filter((s) => s.ts_ms < START_MS + HOUR_MS).every((s) => s.xid_last === 0 && s.pcie_replay_total === 0));
  assert.equal(seen.filter((s) => s.ts_ms >= START_MS + HOUR_MS).length, 0);
  assert.deepEqual(f.failures().map((x) => [x.fault_kind, x.onset_ms, x.failed_at_ms]), [['sudden', START_MS + HOUR_MS, START_MS + HOUR_MS]]);
});
