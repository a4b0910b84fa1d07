-- Raw telemetry: one row per GpuSample (avro/GpuSample.avsc), same column names and units;
-- ts is the sample's ts_ms as timestamptz. Natural key (gpu_uuid, ts): a replayed sample is
-- dropped by ON CONFLICT DO NOTHING.
CREATE TABLE gpu_metrics (
  gpu_uuid                     text NOT NULL,
  ts                           timestamptz NOT NULL,
  hostname                     text NOT NULL,
  gpu_index                    integer NOT NULL,
  model_name                   text NOT NULL,
  pci_bus_id                   text,
  driver_version               text,
  source                       text NOT NULL,
  gpu_temp_c                   double precision,
  memory_temp_c                double precision,
  power_w                      double precision,
  energy_mj                    double precision,
  gpu_util_pct                 double precision,
  mem_copy_util_pct            double precision,
  enc_util_pct                 double precision,
  dec_util_pct                 double precision,
  sm_clock_mhz                 double precision,
  mem_clock_mhz                double precision,
  fb_used_mib                  double precision,
  fb_free_mib                  double precision,
  pcie_tx_kb                   double precision,
  pcie_rx_kb                   double precision,
  pcie_replay_total            double precision,
  xid_last                     integer,
  ecc_sbe_volatile_total       double precision,
  ecc_dbe_volatile_total       double precision,
  ecc_sbe_aggregate_total      double precision,
  ecc_dbe_aggregate_total      double precision,
  retired_pages_sbe            double precision,
  retired_pages_dbe            double precision,
  retired_pages_pending        double precision,
  row_remap_correctable        double precision,
  row_remap_uncorrectable      double precision,
  row_remap_failure            double precision,
  nvlink_crc_flit_errors_total double precision,
  nvlink_crc_data_errors_total double precision,
  nvlink_replay_errors_total   double precision,
  nvlink_recovery_errors_total double precision,
  nvlink_bandwidth_total       double precision,
  power_violation_us           double precision,
  thermal_violation_us         double precision,
  clocks_event_reasons         bigint,
  labels                       jsonb NOT NULL DEFAULT '{}',
  extra                        jsonb NOT NULL DEFAULT '{}',
  PRIMARY KEY (gpu_uuid, ts)
);
COMMENT ON TABLE gpu_metrics IS 'Raw DCGM samples, one row per GpuSample; columns as in avro/GpuSample.avsc (ts = ts_ms).';
COMMENT ON COLUMN gpu_metrics.labels IS 'Other exporter labels as they came (Kubernetes pod, MIG profile, ...).';
COMMENT ON COLUMN gpu_metrics.extra IS 'Metrics with no named column, by metric name.';

-- Raw samples arrive every 10 s per GPU: daily chunks, compressed after a week, kept 90 days.
SELECT make_time_series('gpu_metrics', 'ts', 'gpu_uuid', interval '1 day', interval '7 days', interval '90 days');

-- The primary key (gpu_uuid, ts) already serves "latest per GPU" and "range per GPU".
-- Fleet aggregates scan by time across GPUs: BRIN is tiny and cheap to maintain on an
-- append-mostly table, where a second btree would cost every insert.
CREATE INDEX gpu_metrics_ts_brin ON gpu_metrics USING brin (ts);
