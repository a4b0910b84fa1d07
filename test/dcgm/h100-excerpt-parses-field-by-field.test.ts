// Every value in the real 8×H100 excerpt lands in the right field of the right GPU's sample.
// The expectation is read from the file with a deliberately simple, separate reader (the
// excerpt has no escapes), so the test does not trust the parser to check itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { scrapeToSamples } from '../../dcgm/scrape-to-samples.js';
import { DCGM_FIELD_BY_METRIC } from '../../dcgm/fields.js';
import { GPU_READING_FIELDS, type GpuReadingField } from '../../dcgm/types.js';

const FIXTURE = fileURLToPath(new URL('../../dcgm/fixtures/h100-8gpu-excerpt.prom', import.meta.url));
const TS_MS = 1_750_000_000_000;

interface ExpectedLine {
  metric: string;
  labels: Record<string, string>;
  value: number;
}

function readPlainly(text: string): ExpectedLine[] {
  const out: ExpectedLine[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const m = /^([A-Z_]+)\{(.*)\} (\S+)$/.exec(line);
    assert.ok(m, `unexpected line shape: ${line}`);
    const labels: Record<string, string> = {};
    for (const lm of m[2]!.matchAll(/(\w+)="([^"]*)"/g)) labels[lm[1]!] = lm[2]!;
    out.push({ metric: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

test('every value of the H100 excerpt lands in the right field of the right GPU', () => {
  const text = readFileSync(FIXTURE, 'utf8');
  const expected = readPlainly(text);
  assert.equal(expected.length, 30, 'the excerpt has 30 sample lines');

  const { samples, problems } = scrapeToSamples(text, { tsMs: TS_MS, source: 'file://h100-8gpu-excerpt.prom' });
  assert.deepEqual(problems, []);
  assert.equal(samples.length, 8, 'one sample per GPU');

  const byUuid = new Map(samples.map((s) => [s.gpu_uuid, s]));
  const filled = new Map<string, Set<GpuReadingField>>();
  for (const line of expected) {
    const sample = byUuid.get(line.labels.UUID!);
    assert.ok(sample, `a sample for ${line.labels.UUID}`);
    const spec = DCGM_FIELD_BY_METRIC.get(line.metric);
    assert.ok(spec, `${line.metric} is in the catalogue`);
    assert.equal(sample[spec.field], line.value, `${line.metric} of gpu ${line.labels.gpu} → ${spec.field}`);
    // Identity comes from the labels of every line, unchanged.
    assert.equal(sample.gpu_index, Number(line.labels.gpu));
    assert.equal(sample.hostname, line.labels.Hostname);
    assert.equal(sample.model_name, line.labels.modelName);
    assert.equal(sample.pci_bus_id, line.labels.pci_bus_id);
    assert.equal(sample.driver_version, line.labels.DCGM_FI_DRIVER_VERSION);
    const set = filled.get(sample.gpu_uuid) ?? new Set();
    set.add(spec.field);
    filled.set(sample.gpu_uuid, set);
  }

  for (const sample of samples) {
    assert.equal(sample.ts_ms, TS_MS);
    assert.equal(sample.source, 'file://h100-8gpu-excerpt.prom');
    assert.deepEqual(sample.labels, {}, 'no labels beyond identity in the excerpt');
    assert.deepEqual(sample.extra, {}, 'every metric of the excerpt has a named field');
    // Fields the excerpt does not report stay null, never zero.
    for (const field of GPU_READING_FIELDS) {
      if (!filled.get(sample.gpu_uuid)!.has(field)) assert.equal(sample[field], null, `${field} of ${sample.gpu_uuid}`);
    }
  }

  // The excerpt cuts off mid-family: GPUs 6 and 7 have no memory-copy reading.
  const gpu6 = samples.find((s) => s.gpu_index === 6)!;
  assert.equal(gpu6.mem_copy_util_pct, null);
  assert.equal(gpu6.power_w, 68.529);
  assert.deepEqual(samples.map((s) => s.gpu_index), [0, 1, 2, 3, 4, 5, 6, 7]);
});
