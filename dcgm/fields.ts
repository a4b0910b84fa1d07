// The catalogue of DCGM metrics that map to named GpuSample fields, and the rules for the
// labels and sentinel values dcgm-exporter prints. Help texts follow the wording of
// dcgm-exporter's default-counters.csv so the simulator can print identical HELP lines.

import { escapeLabelValue } from './exposition-parse.js';
import type { GpuReadingField } from './types.js';

export type DcgmMetricType = 'gauge' | 'counter';
/** How DCGM stores the field, which decides how the exporter prints it (%d or %f). */
export type DcgmValueKind = 'int' | 'double';

export interface DcgmFieldSpec {
  /** Prometheus metric name as dcgm-exporter prints it. */
  readonly metric: string;
  /** The GpuSample field it fills. */
  readonly field: GpuReadingField;
  readonly type: DcgmMetricType;
  readonly valueKind: DcgmValueKind;
  /** Unit of the value, as the field name also says. */
  readonly unit: string;
  /** HELP text, as dcgm-exporter's counters CSV words it. */
  readonly help: string;
}

function spec(
  metric: string,
  field: GpuReadingField,
  type: DcgmMetricType,
  valueKind: DcgmValueKind,
  unit: string,
  help: string,
): DcgmFieldSpec {
  return Object.freeze({ metric, field, type, valueKind, unit, help });
}

/**
 * Every metric with a named field, in the order dcgm-exporter's default counters list them
 * (the order the simulator prints them in). Aliases (older names of the same field) follow.
 */
export const DCGM_FIELDS: readonly DcgmFieldSpec[] = Object.freeze([
  spec('DCGM_FI_DEV_SM_CLOCK', 'sm_clock_mhz', 'gauge', 'int', 'MHz', 'SM clock frequency (in MHz).'),
  spec('DCGM_FI_DEV_MEM_CLOCK', 'mem_clock_mhz', 'gauge', 'int', 'MHz', 'Memory clock frequency (in MHz).'),
  spec('DCGM_FI_DEV_MEMORY_TEMP', 'memory_temp_c', 'gauge', 'int', 'C', 'Memory temperature (in C).'),
  spec('DCGM_FI_DEV_GPU_TEMP', 'gpu_temp_c', 'gauge', 'int', 'C', 'GPU temperature (in C).'),
  spec('DCGM_FI_DEV_POWER_USAGE', 'power_w', 'gauge', 'double', 'W', 'Power draw (in W).'),
  spec('DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION', 'energy_mj', 'counter', 'int', 'mJ', 'Total energy consumption since boot (in mJ).'),
  spec('DCGM_FI_DEV_PCIE_TX_THROUGHPUT', 'pcie_tx_kb', 'counter', 'int', 'KB', 'Total number of bytes transmitted through PCIe TX (in KB) via NVML.'),
  spec('DCGM_FI_DEV_PCIE_RX_THROUGHPUT', 'pcie_rx_kb', 'counter', 'int', 'KB', 'Total number of bytes received through PCIe RX (in KB) via NVML.'),
  spec('DCGM_FI_DEV_PCIE_REPLAY_COUNTER', 'pcie_replay_total', 'counter', 'int', 'count', 'Total number of PCIe retries.'),
  spec('DCGM_FI_DEV_GPU_UTIL', 'gpu_util_pct', 'gauge', 'int', '%', 'GPU utilization (in %).'),
  spec('DCGM_FI_DEV_MEM_COPY_UTIL', 'mem_copy_util_pct', 'gauge', 'int', '%', 'Memory utilization (in %).'),
  spec('DCGM_FI_DEV_ENC_UTIL', 'enc_util_pct', 'gauge', 'int', '%', 'Encoder utilization (in %).'),
  spec('DCGM_FI_DEV_DEC_UTIL', 'dec_util_pct', 'gauge', 'int', '%', 'Decoder utilization (in %).'),
  spec('DCGM_FI_DEV_XID_ERRORS', 'xid_last', 'gauge', 'int', 'xid', 'Value of the last XID error encountered.'),
  spec('DCGM_FI_DEV_POWER_VIOLATION', 'power_violation_us', 'counter', 'int', 'us', 'Throttling duration due to power constraints (in us).'),
  spec('DCGM_FI_DEV_THERMAL_VIOLATION', 'thermal_violation_us', 'counter', 'int', 'us', 'Throttling duration due to thermal constraints (in us).'),
  spec('DCGM_FI_DEV_FB_FREE', 'fb_free_mib', 'gauge', 'int', 'MiB', 'Framebuffer memory free (in MiB).'),
  spec('DCGM_FI_DEV_FB_USED', 'fb_used_mib', 'gauge', 'int', 'MiB', 'Framebuffer memory used (in MiB).'),
  spec('DCGM_FI_DEV_ECC_SBE_VOL_TOTAL', 'ecc_sbe_volatile_total', 'counter', 'int', 'count', 'Total number of single-bit volatile ECC errors.'),
  spec('DCGM_FI_DEV_ECC_DBE_VOL_TOTAL', 'ecc_dbe_volatile_total', 'counter', 'int', 'count', 'Total number of double-bit volatile ECC errors.'),
  spec('DCGM_FI_DEV_ECC_SBE_AGG_TOTAL', 'ecc_sbe_aggregate_total', 'counter', 'int', 'count', 'Total number of single-bit persistent ECC errors.'),
  spec('DCGM_FI_DEV_ECC_DBE_AGG_TOTAL', 'ecc_dbe_aggregate_total', 'counter', 'int', 'count', 'Total number of double-bit persistent ECC errors.'),
  spec('DCGM_FI_DEV_RETIRED_SBE', 'retired_pages_sbe', 'counter', 'int', 'pages', 'Total number of retired pages due to single-bit errors.'),
  spec('DCGM_FI_DEV_RETIRED_DBE', 'retired_pages_dbe', 'counter', 'int', 'pages', 'Total number of retired pages due to double-bit errors.'),
  spec('DCGM_FI_DEV_RETIRED_PENDING', 'retired_pages_pending', 'counter', 'int', 'pages', 'Total number of pages pending retirement.'),
  spec('DCGM_FI_DEV_NVLINK_CRC_FLIT_ERROR_COUNT_TOTAL', 'nvlink_crc_flit_errors_total', 'counter', 'int', 'count', 'Total number of NVLink flow-control CRC errors.'),
  spec('DCGM_FI_DEV_NVLINK_CRC_DATA_ERROR_COUNT_TOTAL', 'nvlink_crc_data_errors_total', 'counter', 'int', 'count', 'Total number of NVLink data CRC errors.'),
  spec('DCGM_FI_DEV_NVLINK_REPLAY_ERROR_COUNT_TOTAL', 'nvlink_replay_errors_total', 'counter', 'int', 'count', 'Total number of NVLink retries.'),
  spec('DCGM_FI_DEV_NVLINK_RECOVERY_ERROR_COUNT_TOTAL', 'nvlink_recovery_errors_total', 'counter', 'int', 'count', 'Total number of NVLink recovery errors.'),
  spec('DCGM_FI_DEV_NVLINK_BANDWIDTH_TOTAL', 'nvlink_bandwidth_total', 'counter', 'int', 'count', 'Total number of NVLink bandwidth counters for all lanes'),
  spec('DCGM_FI_DEV_UNCORRECTABLE_REMAPPED_ROWS', 'row_remap_uncorrectable', 'counter', 'int', 'rows', 'Number of remapped rows for uncorrectable errors'),
  spec('DCGM_FI_DEV_CORRECTABLE_REMAPPED_ROWS', 'row_remap_correctable', 'counter', 'int', 'rows', 'Number of remapped rows for correctable errors'),
  spec('DCGM_FI_DEV_ROW_REMAP_FAILURE', 'row_remap_failure', 'gauge', 'int', 'bool', 'Whether remapping of rows has failed'),
  spec('DCGM_FI_DEV_CLOCKS_EVENT_REASONS', 'clocks_event_reasons', 'gauge', 'int', 'bitmask', 'Current clock event reasons.'),
]);

/** Older names that fill the same field (DCGM renamed "throttle reasons" to "clocks event reasons"). */
export const DCGM_FIELD_ALIASES: readonly DcgmFieldSpec[] = Object.freeze([
  spec('DCGM_FI_DEV_CLOCK_THROTTLE_REASONS', 'clocks_event_reasons', 'gauge', 'int', 'bitmask', 'Current clock throttle reasons.'),
]);

export const DCGM_FIELD_BY_METRIC: ReadonlyMap<string, DcgmFieldSpec> = new Map(
  [...DCGM_FIELDS, ...DCGM_FIELD_ALIASES].map((s) => [s.metric, s]),
);

/** The spec the simulator prints for each field (the current, non-alias name). */
export const DCGM_FIELD_BY_SAMPLE_FIELD: ReadonlyMap<GpuReadingField, DcgmFieldSpec> = new Map(
  DCGM_FIELDS.map((s) => [s.field, s]),
);

/** Label names dcgm-exporter uses for the GPU's identity; they fill GpuSample's identity fields. */
export const LABEL = Object.freeze({
  gpuIndex: 'gpu',
  uuid: 'UUID',
  uuidLower: 'uuid', // some deployments relabel to lower case
  pciBusId: 'pci_bus_id',
  device: 'device', // always nvidia<gpu>, so it is dropped as redundant
  modelName: 'modelName',
  hostname: 'Hostname', // releases up to 3.x
  hostnameLower: 'hostname', // newer releases
  driverVersion: 'DCGM_FI_DRIVER_VERSION',
  migProfile: 'GPU_I_PROFILE',
  migInstanceId: 'GPU_I_ID',
} as const);

export const IDENTITY_LABELS: ReadonlySet<string> = new Set([
  LABEL.gpuIndex,
  LABEL.uuid,
  LABEL.uuidLower,
  LABEL.pciBusId,
  LABEL.device,
  LABEL.modelName,
  LABEL.hostname,
  LABEL.hostnameLower,
  LABEL.driverVersion,
]);

/**
 * Labels that describe the GPU's context rather than tell one series of a metric from
 * another; they go to GpuSample.labels and are never folded into an `extra` key.
 * GPU_I_ID is not here: a MIG instance's reading of an unknown metric is its own series.
 */
export const CONTEXT_LABELS: ReadonlySet<string> = new Set([
  'container',
  'namespace',
  'pod',
  'pod_uid',
  LABEL.migProfile,
  'window_size_in_ms', // a setting of the XID counter, the same for every xid
  'err_code', // newer exporters on DCGM_FI_DEV_XID_ERRORS
  'err_msg',
]);

// DCGM's "no reading" sentinels (dcgm_structs.h): a base per type and the next values,
// base+1 NOT_FOUND, +2 NOT_SUPPORTED, +3 NOT_PERMISSIONED; DCGM reserves base..base+15.
const BLANK_SPAN = 16n;
export const DCGM_INT32_BLANK = 0x7ffffff0n; // 2147483632
export const DCGM_INT64_BLANK = 0x7ffffffffffffff0n; // 9223372036854775792
export const DCGM_FP64_BLANK = 140737488355328.0; // 2^47, so base..base+15 stay exact in a double
const INT_TOKEN_RE = /^[+-]?\d+$/;
// Every int64 blank rounds to 2^63 as a double, and no int64 reading can reach it.
const INT64_LIMIT_AS_DOUBLE = 2 ** 63;

/**
 * True when a value is one of DCGM's blank sentinels. The raw token is checked exactly when
 * it is an integer (the int64 blanks differ only below a double's precision); a value printed
 * as a float is checked against the FP64 family and against 2^63.
 *
 * Like dcgm-exporter itself, the INT32 family is treated as blank in any integer field:
 * DCGM writes an int32 field's blank into the int64 it reports.
 */
export function isDcgmBlank(rawValue: string, value: number): boolean {
  if (INT_TOKEN_RE.test(rawValue)) {
    const n = BigInt(rawValue);
    return (n >= DCGM_INT64_BLANK && n < DCGM_INT64_BLANK + BLANK_SPAN) ||
      (n >= DCGM_INT32_BLANK && n < DCGM_INT32_BLANK + BLANK_SPAN) ||
      (n >= BigInt(DCGM_FP64_BLANK) && n < BigInt(DCGM_FP64_BLANK) + BLANK_SPAN);
  }
  if (value >= INT64_LIMIT_AS_DOUBLE) return true;
  return Number.isInteger(value) && value >= DCGM_FP64_BLANK && value < DCGM_FP64_BLANK + Number(BLANK_SPAN);
}

/**
 * The `extra` key of an unknown metric: its name with its distinguishing labels folded in,
 * sorted by label name so the key does not depend on the exporter's label order,
 * e.g. `DCGM_EXP_XID_ERRORS_COUNT{xid="48"}`. With no such labels the key is the bare name.
 */
export function foldExtraKey(metric: string, labels: Readonly<Record<string, string>>): string {
  const names = Object.keys(labels).sort();
  if (names.length === 0) return metric;
  return `${metric}{${names.map((n) => `${n}="${escapeLabelValue(labels[n]!)}"`).join(',')}}`;
}

/** Splits an `extra` key back into metric name and labels (the inverse of foldExtraKey). */
export function unfoldExtraKey(key: string): { metric: string; labels: Record<string, string> } {
  const brace = key.indexOf('{');
  if (brace < 0) return { metric: key, labels: {} };
  const entries: [string, string][] = [];
  const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
  for (const m of key.slice(brace).matchAll(re)) {
    entries.push([m[1]!, m[2]!.replace(/\\(.)/g, (_s, c: string) => (c === 'n' ? '\n' : c))]);
  }
  return { metric: key.slice(0, brace), labels: Object.fromEntries(entries) };
}

/** DCGM_EXP_GPU_HEALTH_STATUS values (DCGM health watch results). */
export const HEALTH_STATUS = Object.freeze({ pass: 0, warn: 10, fail: 20 });

/** NVML clocks event (throttle) reason bits. */
export const CLOCKS_EVENT = Object.freeze({
  gpuIdle: 0x1,
  appClocks: 0x2,
  swPowerCap: 0x4,
  hwSlowdown: 0x8,
  syncBoost: 0x10,
  swThermal: 0x20,
  hwThermal: 0x40,
  hwPowerBrake: 0x80,
});
