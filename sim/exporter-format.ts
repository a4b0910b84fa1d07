// Prints GpuSamples as dcgm-exporter prints a scrape: one family per metric in the order of
// its counters CSV, each with HELP and TYPE, then one line per GPU with the exporter's label
// order (gpu, UUID, pci_bus_id, device, modelName, [GPU_I_PROFILE, GPU_I_ID], Hostname,
// [other labels], DCGM_FI_DRIVER_VERSION) and number formatting (%d for integer fields,
// %f — six decimals — for doubles). Missing readings are left out, as the exporter skips
// DCGM blanks.

import { escapeHelp, escapeLabelValue } from '../dcgm/exposition-parse.js';
import { DCGM_FIELDS, LABEL, unfoldExtraKey, type DcgmValueKind } from '../dcgm/fields.js';
import type { GpuSample } from '../dcgm/types.js';

export interface RenderOptions {
  /** `Hostname` as older exporters print it (the shared real scrape), or `hostname` as newer ones do. */
  hostLabel?: 'Hostname' | 'hostname';
}

/** HELP and TYPE of the exporter's own metrics, for samples that carry them in `extra`. */
const EXTRA_FAMILIES: Readonly<Record<string, { help: string; type: 'gauge' | 'counter' }>> = Object.freeze({
  DCGM_EXP_XID_ERRORS_COUNT: { help: 'Count of XID Errors within user-specified time window (see xid-count-window-size param).', type: 'gauge' },
  DCGM_EXP_GPU_HEALTH_STATUS: { help: 'Health of the GPU per health watch (PASS=0, WARN=10, FAIL=20).', type: 'gauge' },
});

const MAX_PLAIN_INTEGER = 1e21; // above this JavaScript would print an exponent

/** Formats a value as the exporter does: %d for DCGM integer fields, %f for doubles. */
export function formatExporterValue(value: number, kind: DcgmValueKind): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  if (kind === 'int' && Number.isInteger(value) && Math.abs(value) < MAX_PLAIN_INTEGER) return value.toFixed(0);
  return value.toFixed(6);
}

function labelBlock(sample: GpuSample, hostLabel: string, extraLabels: Record<string, string>): string {
  const pairs: [string, string][] = [
    [LABEL.gpuIndex, String(sample.gpu_index)],
    [LABEL.uuid, sample.gpu_uuid],
  ];
  if (sample.pci_bus_id !== null) pairs.push([LABEL.pciBusId, sample.pci_bus_id]);
  pairs.push([LABEL.device, `nvidia${sample.gpu_index}`], [LABEL.modelName, sample.model_name]);
  const migProfile = sample.labels[LABEL.migProfile];
  const migId = sample.labels[LABEL.migInstanceId];
  if (migProfile !== undefined) pairs.push([LABEL.migProfile, migProfile]);
  if (migId !== undefined) pairs.push([LABEL.migInstanceId, migId]);
  pairs.push([hostLabel, sample.hostname]);
  for (const [name, value] of Object.entries(sample.labels)) {
    if (name !== LABEL.migProfile && name !== LABEL.migInstanceId) pairs.push([name, value]);
  }
  if (sample.driver_version !== null) pairs.push([LABEL.driverVersion, sample.driver_version]);
  for (const [name, value] of Object.entries(extraLabels)) pairs.push([name, value]);
  return pairs.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(',');
}

/** Renders one host's samples (or any set of samples) as a dcgm-exporter /metrics body. */
export function renderExporterText(samples: readonly GpuSample[], options: RenderOptions = {}): string {
  const hostLabel = options.hostLabel ?? LABEL.hostname;
  const out: string[] = [];
  for (const spec of DCGM_FIELDS) {
    const lines: string[] = [];
    for (const sample of samples) {
      const value = sample[spec.field];
      if (value === null) continue;
      lines.push(`${spec.metric}{${labelBlock(sample, hostLabel, {})}} ${formatExporterValue(value, spec.valueKind)}`);
    }
    if (lines.length === 0) continue;
    out.push(`# HELP ${spec.metric} ${escapeHelp(spec.help)}`, `# TYPE ${spec.metric} ${spec.type}`, ...lines);
  }

  // Metrics without a named field, grouped into families in first-seen order.
  const families = new Map<string, string[]>();
  for (const sample of samples) {
    for (const [key, value] of Object.entries(sample.extra)) {
      const { metric, labels } = unfoldExtraKey(key);
      const lines = families.get(metric) ?? [];
      lines.push(`${metric}{${labelBlock(sample, hostLabel, labels)}} ${formatExporterValue(value, Number.isInteger(value) ? 'int' : 'double')}`);
      families.set(metric, lines);
    }
  }
  for (const [metric, lines] of families) {
    const known = EXTRA_FAMILIES[metric];
    out.push(`# HELP ${metric} ${escapeHelp(known?.help ?? metric)}`, `# TYPE ${metric} ${known?.type ?? 'gauge'}`, ...lines);
  }
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}
