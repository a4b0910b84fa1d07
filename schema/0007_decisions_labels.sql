CREATE TABLE gpu_economic_decisions (
  gpu_uuid        text NOT NULL,
  ts              timestamptz NOT NULL,
  decision        text NOT NULL CHECK (decision IN ('keep', 'repair', 'replace', 'retire')),
  npv_keep_usd    double precision NOT NULL,
  npv_repair_usd  double precision NOT NULL,
  npv_replace_usd double precision NOT NULL,
  npv_retire_usd  double precision NOT NULL,
  inputs          jsonb NOT NULL DEFAULT '{}',
  PRIMARY KEY (gpu_uuid, ts)
);
COMMENT ON COLUMN gpu_economic_decisions.inputs IS 'Everything the NPV used: horizon, discount rate, survival probability, prices, power.';

SELECT make_time_series('gpu_economic_decisions', 'ts', 'gpu_uuid', interval '30 days', interval '90 days', interval '5 years');
CREATE INDEX gpu_economic_decisions_ts_idx ON gpu_economic_decisions (ts);

-- Ground truth for training: when a GPU failed, how, and when the fault began (if known).
-- Small and read whole by training, so not partitioned.
CREATE TABLE gpu_failure_labels (
  gpu_uuid   text NOT NULL,
  failed_at  timestamptz NOT NULL,
  fault_kind text NOT NULL,
  onset_at   timestamptz,
  source     text NOT NULL,
  CHECK (onset_at IS NULL OR onset_at <= failed_at),
  PRIMARY KEY (gpu_uuid, failed_at)
);
COMMENT ON COLUMN gpu_failure_labels.source IS 'Where the label came from: sim://<seed> ground truth, an RMA ticket, an operator.';
CREATE INDEX gpu_failure_labels_failed_at_idx ON gpu_failure_labels (failed_at);
