// Turns one dcgm-exporter scrape (Prometheus text) into one GpuSample per physical GPU.
//
// MIG: one sample per physical GPU, keyed by its UUID (the pipeline's record and partition
// key), never one per MIG instance. For a named field, a whole-GPU line wins; when a field is
// only reported per instance, fb_used_mib and fb_free_mib are summed over the instances (the
// framebuffer is partitioned between them) and any other field takes the lowest GPU_I_ID's
// value (device-level readings are repeated on every instance). Each instance's own reading
// is also kept in `extra` as `METRIC{GPU_I_ID="n"}`, so nothing is lost. labels.GPU_I_ID lists
// the instances seen ("1,2,5", ascending) and labels.GPU_I_PROFILE their profiles in the same
// order.

import { parseExposition, type ExpositionSample } from './exposition-parse.js';
import {
  CONTEXT_LABELS,
  DCGM_FIELD_BY_METRIC,
  IDENTITY_LABELS,
  LABEL,
  foldExtraKey,
  isDcgmBlank,
  type DcgmFieldSpec,
} from './fields.js';
import { emptyGpuSample, type GpuReadingField, type GpuSample } from './types.js';

export interface ScrapeOptions {
  /** Event time of the scrape (ms since epoch); line timestamps, if any, are not used. */
  tsMs: number;
  /** Where the text came from: the scrape URL, or sim://<seed>. */
  source: string;
  /** Host name to use when the exporter printed no Hostname/hostname label. */
  hostnameFallback?: string;
}

export interface ScrapeResult {
  /** One sample per GPU, sorted by hostname, gpu index, UUID. */
  samples: GpuSample[];
  /** What was skipped or doubtful, one message each; never fatal. */
  problems: string[];
}

/** Fields that add up over MIG instances. */
const SUMMED_OVER_INSTANCES: ReadonlySet<GpuReadingField> = new Set(['fb_used_mib', 'fb_free_mib']);
/** Fields whose Avro type is int or long: a fractional value is a problem, not a reading. */
const INTEGER_FIELDS: ReadonlySet<GpuReadingField> = new Set(['xid_last', 'clocks_event_reasons']);

interface InstanceReading {
  instanceId: number;
  value: number | null;
}

interface GpuAccumulator {
  uuid: string;
  gpuIndexRaw: string | undefined;
  hostname: string | undefined;
  modelName: string | undefined;
  pciBusId: string | undefined;
  driverVersion: string | undefined;
  whole: Map<GpuReadingField, number | null>;
  perInstance: Map<GpuReadingField, InstanceReading[]>;
  labels: Map<string, string[]>;
  migInstances: Set<number>;
  migProfiles: Map<number, string>;
  extra: Map<string, number>;
  identityConflictReported: boolean;
}

export function scrapeToSamples(text: string, options: ScrapeOptions): ScrapeResult {
  const parsed = parseExposition(text);
  const problems = [...parsed.problems];
  const gpus = new Map<string, GpuAccumulator>();
  const linesWithoutUuid = new Map<string, number>();

  for (const line of parsed.samples) {
    const uuid = line.labels[LABEL.uuid] ?? line.labels[LABEL.uuidLower];
    if (uuid === undefined || uuid === '') {
      // NVSwitch, CPU and the exporter's own series carry no GPU UUID.
      linesWithoutUuid.set(line.name, (linesWithoutUuid.get(line.name) ?? 0) + 1);
      continue;
    }
    let acc = gpus.get(uuid);
    if (acc === undefined) {
      acc = newAccumulator(uuid, line);
      gpus.set(uuid, acc);
    } else {
      checkIdentity(acc, line, problems);
    }
    addLine(acc, line, problems);
  }

  for (const [metric, count] of linesWithoutUuid) {
    problems.push(`${count} line(s) of ${metric} had no UUID label (not a GPU); skipped`);
  }

  const samples: GpuSample[] = [];
  for (const acc of gpus.values()) {
    const sample = finish(acc, options, problems);
    if (sample !== null) samples.push(sample);
  }
  samples.sort(
    (a, b) =>
      (a.hostname < b.hostname ? -1 : a.hostname > b.hostname ? 1 : 0) ||
      a.gpu_index - b.gpu_index ||
      (a.gpu_uuid < b.gpu_uuid ? -1 : a.gpu_uuid > b.gpu_uuid ? 1 : 0),
  );
  return { samples, problems };
}

function hostnameOf(labels: Record<string, string>): string | undefined {
  return labels[LABEL.hostname] ?? labels[LABEL.hostnameLower];
}

function newAccumulator(uuid: string, line: ExpositionSample): GpuAccumulator {
  return {
    uuid,
    gpuIndexRaw: line.labels[LABEL.gpuIndex],
    hostname: hostnameOf(line.labels),
    modelName: line.labels[LABEL.modelName],
    pciBusId: line.labels[LABEL.pciBusId],
    driverVersion: line.labels[LABEL.driverVersion],
    whole: new Map(),
    perInstance: new Map(),
    labels: new Map(),
    migInstances: new Set(),
    migProfiles: new Map(),
    extra: new Map(),
    identityConflictReported: false,
  };
}

function checkIdentity(acc: GpuAccumulator, line: ExpositionSample, problems: string[]): void {
  if (acc.identityConflictReported) return;
  const host = hostnameOf(line.labels);
  const index = line.labels[LABEL.gpuIndex];
  if ((host !== undefined && acc.hostname !== undefined && host !== acc.hostname) ||
      (index !== undefined && acc.gpuIndexRaw !== undefined && index !== acc.gpuIndexRaw)) {
    problems.push(`line ${line.line}: GPU ${acc.uuid} appears with a different host or gpu index; first one kept`);
    acc.identityConflictReported = true;
  }
  // Fill identity a first line may have lacked.
  acc.hostname ??= host;
  acc.gpuIndexRaw ??= index;
  acc.modelName ??= line.labels[LABEL.modelName];
  acc.pciBusId ??= line.labels[LABEL.pciBusId];
  acc.driverVersion ??= line.labels[LABEL.driverVersion];
}

/** The reading of a line: null for DCGM blanks and NaN; ±Inf is null and a problem. */
function readingOf(line: ExpositionSample, problems: string[]): number | null {
  if (Number.isNaN(line.value)) return null;
  if (!Number.isFinite(line.value)) {
    problems.push(`line ${line.line}: ${line.name} is ${line.rawValue}; treated as missing`);
    return null;
  }
  if (isDcgmBlank(line.rawValue, line.value)) return null;
  return line.value;
}

function addLabel(acc: GpuAccumulator, name: string, value: string): void {
  if (value === '') return; // an empty label is an absent label in Prometheus
  const values = acc.labels.get(name);
  if (values === undefined) acc.labels.set(name, [value]);
  else if (!values.includes(value)) values.push(value);
}

function addLine(acc: GpuAccumulator, line: ExpositionSample, problems: string[]): void {
  const spec: DcgmFieldSpec | undefined = DCGM_FIELD_BY_METRIC.get(line.name);
  const instanceRaw = line.labels[LABEL.migInstanceId];
  let instanceId: number | null = null;
  if (instanceRaw !== undefined && instanceRaw !== '') {
    instanceId = Number(instanceRaw);
    if (!Number.isInteger(instanceId)) {
      problems.push(`line ${line.line}: GPU_I_ID "${instanceRaw}" is not an integer; line skipped`);
      return;
    }
    acc.migInstances.add(instanceId);
    const profile = line.labels[LABEL.migProfile];
    if (profile !== undefined && profile !== '') acc.migProfiles.set(instanceId, profile);
  }

  const folded: Record<string, string> = {};
  for (const [name, value] of Object.entries(line.labels)) {
    if (IDENTITY_LABELS.has(name) || name === LABEL.migInstanceId || name === LABEL.migProfile) continue;
    if (spec !== undefined || CONTEXT_LABELS.has(name)) addLabel(acc, name, value);
    else folded[name] = value;
  }

  let reading = readingOf(line, problems);

  if (spec === undefined) {
    if (instanceId !== null) folded[LABEL.migInstanceId] = String(instanceId);
    const key = foldExtraKey(line.name, folded);
    if (acc.extra.has(key)) problems.push(`line ${line.line}: duplicate series ${key} for ${acc.uuid}; last kept`);
    if (reading !== null) acc.extra.set(key, reading);
    return;
  }

  if (reading !== null && INTEGER_FIELDS.has(spec.field) && !Number.isInteger(reading)) {
    problems.push(`line ${line.line}: ${line.name} should be an integer, got ${line.rawValue}; treated as missing`);
    reading = null;
  }

  if (instanceId !== null) {
    const list = acc.perInstance.get(spec.field) ?? [];
    list.push({ instanceId, value: reading });
    acc.perInstance.set(spec.field, list);
    if (reading !== null) acc.extra.set(foldExtraKey(line.name, { [LABEL.migInstanceId]: String(instanceId) }), reading);
    return;
  }
  if (acc.whole.has(spec.field)) {
    problems.push(`line ${line.line}: duplicate ${line.name} for ${acc.uuid}; last kept`);
  }
  acc.whole.set(spec.field, reading);
}

function resolveInstances(field: GpuReadingField, readings: InstanceReading[]): number | null {
  const present = readings.filter((r) => r.value !== null).sort((a, b) => a.instanceId - b.instanceId);
  if (present.length === 0) return null;
  if (SUMMED_OVER_INSTANCES.has(field)) return present.reduce((sum, r) => sum + r.value!, 0);
  return present[0]!.value;
}

function finish(acc: GpuAccumulator, options: ScrapeOptions, problems: string[]): GpuSample | null {
  const gpuIndex = acc.gpuIndexRaw === undefined ? Number.NaN : Number(acc.gpuIndexRaw);
  if (!Number.isInteger(gpuIndex) || gpuIndex < 0) {
    problems.push(`GPU ${acc.uuid} has no valid gpu label ("${acc.gpuIndexRaw ?? ''}"); its lines were skipped`);
    return null;
  }
  let hostname = acc.hostname;
  if (hostname === undefined) {
    hostname = options.hostnameFallback ?? '';
    problems.push(`GPU ${acc.uuid} has no Hostname/hostname label; using "${hostname}"`);
  }
  if (acc.modelName === undefined) problems.push(`GPU ${acc.uuid} has no modelName label`);

  const sample = emptyGpuSample({
    gpu_uuid: acc.uuid,
    ts_ms: options.tsMs,
    hostname,
    gpu_index: gpuIndex,
    model_name: acc.modelName ?? '',
    pci_bus_id: acc.pciBusId ?? null,
    driver_version: acc.driverVersion ?? null,
    source: options.source,
  });
  for (const [field, readings] of acc.perInstance) {
    if (!acc.whole.has(field)) sample[field] = resolveInstances(field, readings);
  }
  for (const [field, value] of acc.whole) sample[field] = value;

  const labels: Record<string, string> = {};
  const instanceIds = [...acc.migInstances].sort((a, b) => a - b);
  if (instanceIds.length > 0) {
    labels[LABEL.migInstanceId] = instanceIds.join(',');
    if (acc.migProfiles.size > 0) labels[LABEL.migProfile] = instanceIds.map((id) => acc.migProfiles.get(id) ?? '').join(',');
  }
  for (const [name, values] of acc.labels) labels[name] = values.join(',');
  sample.labels = labels;
  sample.extra = Object.fromEntries(acc.extra);
  return sample;
}
