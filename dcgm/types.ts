// The TypeScript shape of avro/GpuSample.avsc, field for field and in the same order.
// Nullable Avro unions (["null", "double" | "int" | "long"]) are `number | null`;
// Avro maps are plain records.

export interface GpuSample {
  gpu_uuid: string;
  ts_ms: number;
  hostname: string;
  gpu_index: number;
  model_name: string;
  pci_bus_id: string | null;
  driver_version: string | null;
  source: string;
  gpu_temp_c: number | null;
  memory_temp_c: number | null;
  power_w: number | null;
  energy_mj: number | null;
  gpu_util_pct: number | null;
  mem_copy_util_pct: number | null;
  enc_util_pct: number | null;
  dec_util_pct: number | null;
  sm_clock_mhz: number | null;
  mem_clock_mhz: number | null;
  fb_used_mib: number | null;
  fb_free_mib: number | null;
  pcie_tx_kb: number | null;
  pcie_rx_kb: number | null;
  pcie_replay_total: number | null;
  xid_last: number | null;
  ecc_sbe_volatile_total: number | null;
  ecc_dbe_volatile_total: number | null;
  ecc_sbe_aggregate_total: number | null;
  ecc_dbe_aggregate_total: number | null;
  retired_pages_sbe: number | null;
  retired_pages_dbe: number | null;
  retired_pages_pending: number | null;
  row_remap_correctable: number | null;
  row_remap_uncorrectable: number | null;
  row_remap_failure: number | null;
  nvlink_crc_flit_errors_total: number | null;
  nvlink_crc_data_errors_total: number | null;
  nvlink_replay_errors_total: number | null;
  nvlink_recovery_errors_total: number | null;
  nvlink_bandwidth_total: number | null;
  power_violation_us: number | null;
  thermal_violation_us: number | null;
  clocks_event_reasons: number | null;
  labels: Record<string, string>;
  extra: Record<string, number>;
}

/** The nullable numeric readings of a GpuSample: the fields a DCGM metric can fill. */
export type GpuReadingField = {
  [K in keyof GpuSample]: GpuSample[K] extends number | null ? (null extends GpuSample[K] ? K : never) : never;
}[keyof GpuSample];

/** Every reading field, in schema order; used to build an all-null sample. */
export const GPU_READING_FIELDS: readonly GpuReadingField[] = Object.freeze([
  'gpu_temp_c',
  'memory_temp_c',
  'power_w',
  'energy_mj',
  'gpu_util_pct',
  'mem_copy_util_pct',
  'enc_util_pct',
  'dec_util_pct',
  'sm_clock_mhz',
  'mem_clock_mhz',
  'fb_used_mib',
  'fb_free_mib',
  'pcie_tx_kb',
  'pcie_rx_kb',
  'pcie_replay_total',
  'xid_last',
  'ecc_sbe_volatile_total',
  'ecc_dbe_volatile_total',
  'ecc_sbe_aggregate_total',
  'ecc_dbe_aggregate_total',
  'retired_pages_sbe',
  'retired_pages_dbe',
  'retired_pages_pending',
  'row_remap_correctable',
  'row_remap_uncorrectable',
  'row_remap_failure',
  'nvlink_crc_flit_errors_total',
  'nvlink_crc_data_errors_total',
  'nvlink_replay_errors_total',
  'nvlink_recovery_errors_total',
  'nvlink_bandwidth_total',
  'power_violation_us',
  'thermal_violation_us',
  'clocks_event_reasons',
] as const);

/** A sample with identity filled in and every reading null; callers fill what they know. */
export type GpuSampleIdentity = Pick<
  GpuSample,
  'gpu_uuid' | 'ts_ms' | 'hostname' | 'gpu_index' | 'model_name' | 'pci_bus_id' | 'driver_version' | 'source'
>;

export function emptyGpuSample(identity: GpuSampleIdentity): GpuSample {
  const sample = {
    gpu_uuid: identity.gpu_uuid,
    ts_ms: identity.ts_ms,
    hostname: identity.hostname,
    gpu_index: identity.gpu_index,
    model_name: identity.model_name,
    pci_bus_id: identity.pci_bus_id,
    driver_version: identity.driver_version,
    source: identity.source,
  } as GpuSample;
  for (const field of GPU_READING_FIELDS) sample[field] = null;
  sample.labels = {};
  sample.extra = {};
  return sample;
}
