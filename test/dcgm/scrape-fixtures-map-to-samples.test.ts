import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { scrapeToSamples } from '../../dcgm/scrape-to-samples.js';
import { isDcgmBlank } from '../../dcgm/fields.js';

const fixture = (name: string): string =>
  readFileSync(fileURLToPath(new URL(`../../dcgm/fixtures/${name}`, import.meta.url)), 'utf8');
const OPTS = { tsMs: 1_760_000_000_000, source: 'http://node:9400/metrics' };

test('DCGM blank sentinels of the INT32, INT64 and FP64 families read as null, never as readings', () => {
  for (const raw of ['2147483632', '2147483633', '2147483634', '2147483635', '2147483647',
    '9223372036854775792', '9223372036854775793', '9223372036854775794', '9223372036854775795', '9223372036854775807',
    '140737488355328.000000', '140737488355329.000000', '140737488355330.000000', '140737488355331', '9.223372036854776e+18']) {
    assert.equal(isDcgmBlank(raw, Number(raw)), true, raw);
  }
  for (const raw of ['0', '2147483631', '2147483648', '9223372036854775791', '140737488355327.000000', '140737488355344', '140737488355328.5', '67.351000']) {
    assert.equal(isDcgmBlank(raw, Number(raw)), false, raw);
  }
});

test('the edge-case fixture: blanks, NaN and ±Inf become null; escaped Hostname is unescaped', () => {
  const { samples, problems } = scrapeToSamples(fixture('h100-edge-cases.prom'), OPTS);
  assert.equal(samples.length, 2);
  const [g0, g1] = samples as [typeof samples[0] & object, typeof samples[0] & object];
  assert.equal(g0.hostname, 'node-"quoted"\\back\nline');
  assert.equal(g0.gpu_temp_c, 33, 'a line timestamp does not change the reading');
  assert.equal(g0.ts_ms, OPTS.tsMs, 'the scrape time is the event time');
  assert.equal(g1.gpu_temp_c, null, 'NaN');
  assert.equal(g0.power_w, null, '+Inf');
  assert.equal(g1.power_w, null, 'FP64 NOT_SUPPORTED');
  assert.equal(g0.memory_temp_c, null, '-Inf');
  assert.equal(g1.memory_temp_c, null, 'INT32 NOT_SUPPORTED');
  assert.equal(g0.ecc_sbe_volatile_total, null, 'INT64 NOT_SUPPORTED');
  assert.equal(g1.ecc_sbe_volatile_total, null, 'INT64 BLANK');
  assert.equal(g0.energy_mj, null, 'INT64 base+15');
  assert.equal(g1.energy_mj, 987654321012);
  assert.equal(g0.sm_clock_mhz, 1980);
  assert.equal(g1.sm_clock_mhz, null, 'the malformed line is skipped');
  assert.deepEqual(g0.extra, { 'DCGM_CUSTOM_PROBE{probe="a\\\\b \\"c\\"\\nd"}': 1500 });
  assert.equal(problems.length, 3);
  assert.ok(problems.some((p) => /^line 30: expected "," or "}"/.test(p)), problems.join('\n'));
  assert.ok(problems.some((p) => /POWER_USAGE is \+Inf/.test(p)));
  assert.ok(problems.some((p) => /MEMORY_TEMP is -Inf/.test(p)));
});

test('the Kubernetes/MIG fixture: lower-case hostname, pod labels, one sample per physical GPU', () => {
  const { samples, problems } = scrapeToSamples(fixture('a100-k8s-mig-hostname-lower.prom'), OPTS);
  assert.deepEqual(problems, []);
  assert.equal(samples.length, 2);
  const [mig, whole] = samples as [NonNullable<typeof samples[0]>, NonNullable<typeof samples[0]>];

  assert.equal(mig.gpu_uuid, 'GPU-5c1a0b7e-3f2d-4e8a-9b6c-0d1e2f3a4b5c');
  assert.equal(mig.hostname, 'dgx-a100-07');
  assert.equal(mig.model_name, 'NVIDIA A100-SXM4-80GB');
  assert.equal(mig.driver_version, '535.183.01');
  assert.equal(mig.fb_used_mib, 30112 + 12800, 'framebuffer use adds up over instances');
  assert.equal(mig.sm_clock_mhz, 1410, 'device-level readings come from the lowest instance');
  assert.equal(mig.power_w, 312.118);
  assert.deepEqual(mig.labels, {
    GPU_I_ID: '1,2',
    GPU_I_PROFILE: '3g.40gb,3g.40gb',
    container: 'trainer,server',
    namespace: 'ml-prod,ml-infer',
    pod: 'llm-train-0,infer-7d9f',
  });
  assert.equal(mig.extra['DCGM_FI_DEV_FB_USED{GPU_I_ID="2"}'], 12800, 'each instance reading is kept');
  assert.equal(mig.extra['DCGM_FI_PROF_GR_ENGINE_ACTIVE{GPU_I_ID="1"}'], 0.871234);
  assert.equal(mig.extra['DCGM_FI_PROF_GR_ENGINE_ACTIVE{GPU_I_ID="2"}'], 0.402);

  assert.equal(whole.gpu_index, 1);
  assert.equal(whole.xid_last, 48);
  assert.equal(whole.ecc_dbe_volatile_total, 1);
  assert.deepEqual(whole.labels, {
    container: 'trainer',
    namespace: 'ml-prod',
    pod: 'llm-train-0',
    err_code: '48',
    err_msg: 'DBE (Double Bit Error) ECC Error',
    window_size_in_ms: '300000',
  });
  assert.deepEqual(whole.extra, {
    'DCGM_EXP_XID_ERRORS_COUNT{xid="48"}': 1,
    'DCGM_EXP_XID_ERRORS_COUNT{xid="63"}': 2,
    'DCGM_EXP_GPU_HEALTH_STATUS{health_watch="MEM"}': 20,
    'DCGM_EXP_GPU_HEALTH_STATUS{health_watch="PCIE"}': 0,
  });
});

test('Hostname and hostname both fill hostname; with neither, the fallback is used and reported', () => {
  const line = (hostLabel: string): string =>
    `DCGM_FI_DEV_GPU_TEMP{gpu="0",UUID="GPU-00000000-0000-0000-0000-000000000001",modelName="M"${hostLabel}} 40\n`;
  assert.equal(scrapeToSamples(line(',Hostname="old-style"'), OPTS).samples[0]!.hostname, 'old-style');
  assert.equal(scrapeToSamples(line(',hostname="new-style"'), OPTS).samples[0]!.hostname, 'new-style');
  const none = scrapeToSamples(line(''), { ...OPTS, hostnameFallback: 'from-url' });
  assert.equal(none.samples[0]!.hostname, 'from-url');
  assert.equal(none.problems.length, 1);
});

test('unknown metrics are kept in extra; lines without a GPU UUID are reported, not guessed', () => {
  const text = [
    'DCGM_FI_DEV_FB_TOTAL{gpu="2",UUID="GPU-aa",modelName="M",Hostname="h"} 81559',
    'DCGM_FI_DEV_GPU_TEMP{gpu="2",UUID="GPU-aa",modelName="M",Hostname="h"} 41',
    'DCGM_FI_DEV_NVSWITCH_TEMPERATURE_CURRENT{nvswitch="0",Hostname="h"} 35',
    'DCGM_FI_DEV_NVSWITCH_TEMPERATURE_CURRENT{nvswitch="1",Hostname="h"} 36',
  ].join('\n');
  const { samples, problems } = scrapeToSamples(text, OPTS);
  assert.equal(samples.length, 1);
  assert.deepEqual(samples[0]!.extra, { DCGM_FI_DEV_FB_TOTAL: 81559 });
  assert.equal(samples[0]!.gpu_temp_c, 41);
  assert.deepEqual(problems, ['2 line(s) of DCGM_FI_DEV_NVSWITCH_TEMPERATURE_CURRENT had no UUID label (not a GPU); skipped']);
});

test('the older throttle-reasons name fills clocks_event_reasons; a fractional XID is refused', () => {
  const text = [
    'DCGM_FI_DEV_CLOCK_THROTTLE_REASONS{gpu="0",UUID="GPU-bb",modelName="M",Hostname="h"} 68',
    'DCGM_FI_DEV_XID_ERRORS{gpu="0",UUID="GPU-bb",modelName="M",Hostname="h"} 48.5',
  ].join('\n');
  const { samples, problems } = scrapeToSamples(text, OPTS);
  assert.equal(samples[0]!.clocks_event_reasons, 68);
  assert.equal(samples[0]!.xid_last, null);
  assert.equal(problems.length, 1);
});

test('a GPU without a usable gpu index is skipped with a problem; duplicates are reported', () => {
  const text = [
    'DCGM_FI_DEV_GPU_TEMP{UUID="GPU-cc",modelName="M",Hostname="h"} 40',
    'DCGM_FI_DEV_GPU_TEMP{gpu="1",UUID="GPU-dd",modelName="M",Hostname="h"} 40',
    'DCGM_FI_DEV_GPU_TEMP{gpu="1",UUID="GPU-dd",modelName="M",Hostname="h"} 42',
  ].join('\n');
  const { samples, problems } = scrapeToSamples(text, OPTS);
  assert.deepEqual(samples.map((s) => s.gpu_uuid), ['GPU-dd']);
  assert.equal(samples[0]!.gpu_temp_c, 42);
  assert.equal(problems.length, 2);
});
