import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { parseExposition } from '../../dcgm/exposition-parse.js';
import { scrapeToSamples } from '../../dcgm/scrape-to-samples.js';
import type { GpuSample } from '../../dcgm/types.js';
import { renderExporterText } from '../../sim/exporter-format.js';
import { Fleet } from '../../sim/fleet.js';

const START_MS = Date.UTC(2025, 6, 1);

function byHost(samples: GpuSample[]): Map<string, GpuSample[]> {
  const m = new Map<string, GpuSample[]>();
  for (const s of samples) m.set(s.hostname, [...(m.get(s.hostname) ?? []), s]);
  return m;
}

test('rendered exporter text parses back to exactly the simulator samples, host by host', () => {
  const fleet = new Fleet({ seed: 21, gpus: 24, startMs: START_MS, stepMs: 60_000, faultRateMultiplier: 3000 });
  let checked = 0;
  for (const tick of fleet.ticks(START_MS + 12 * 3_600_000)) {
    if ((tick.tsMs - START_MS) % (20 * 60_000) !== 0) continue;
    for (const [hostname, samples] of byHost(tick.samples)) {
      for (const hostLabel of ['Hostname', 'hostname'] as const) {
        const text = renderExporterText(samples, { hostLabel });
        const back = scrapeToSamples(text, { tsMs: tick.tsMs, source: `sim://${fleet.seed}` });
        assert.deepEqual(back.problems, []);
        assert.deepEqual(back.samples, samples, `${hostname} at ${tick.tsMs}`);
        checked++;
      }
    }
  }
  assert.ok(checked > 100);
  assert.ok(fleet.failures().length > 0, 'failed GPUs (with their XIDs) were part of the round trip');
});

test('the rendering follows the real exporter: label order, number formats, HELP/TYPE wording', () => {
  const fleet = new Fleet({ seed: 22, gpus: 8, startMs: START_MS, modelMix: { 'NVIDIA A100-SXM4-80GB': 0, 'NVIDIA H200': 0 } });
  const text = renderExporterText(fleet.step().samples);
  const real = readFileSync(fileURLToPath(new URL('../../dcgm/fixtures/h100-8gpu-excerpt.prom', import.meta.url)), 'utf8');
  const labelNames = (line: string): string[] => [...line.matchAll(/([A-Za-z_]+)="/g)].map((m) => m[1]!);
  const realTemp = real.split('\n').find((l) => l.startsWith('DCGM_FI_DEV_GPU_TEMP{'))!;
  const simTemp = text.split('\n').find((l) => l.startsWith('DCGM_FI_DEV_GPU_TEMP{'))!;
  assert.deepEqual(labelNames(simTemp), labelNames(realTemp));
  assert.match(text, /\nDCGM_FI_DEV_POWER_USAGE\{[^}]*\} \d+\.\d{6}\n/, 'power as %f');
  assert.match(text, /\nDCGM_FI_DEV_GPU_TEMP\{[^}]*\} \d+\n/, 'temperature as %d');

  // HELP and TYPE as in the exporter's counters CSV.
  const csv = readFileSync(fileURLToPath(new URL('../../dcgm/fixtures/default-counters.csv', import.meta.url)), 'utf8');
  const { families, problems } = parseExposition(text);
  assert.deepEqual(problems, []);
  let compared = 0;
  for (const row of csv.split('\n')) {
    const m = /^#?\s*(DCGM_FI_\w+)\s*,\s*(\w+)\s*,\s*(.*)$/.exec(row);
    if (m === null) continue;
    const family = families.get(m[1]!);
    if (family === undefined) continue; // not a GpuSample field (e.g. vGPU licence)
    assert.equal(family.type, m[2]);
    assert.equal(family.help, m[3]!.trim());
    compared++;
  }
  assert.ok(compared >= 30, `compared ${compared} families`);
});
