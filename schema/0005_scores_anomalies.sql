CREATE TABLE gpu_health_scores (
  gpu_uuid    text NOT NULL,
  ts          timestamptz NOT NULL,
  overall     double precision NOT NULL CHECK (overall BETWEEN 0 AND 100),
  thermal     double precision NOT NULL CHECK (thermal BETWEEN 0 AND 100),
  power       double precision NOT NULL CHECK (power BETWEEN 0 AND 100),
  memory      double precision NOT NULL CHECK (memory BETWEEN 0 AND 100),
  performance double precision NOT NULL CHECK (performance BETWEEN 0 AND 100),
  reliability double precision NOT NULL CHECK (reliability BETWEEN 0 AND 100),
  factors     jsonb NOT NULL DEFAULT '[]',
  PRIMARY KEY (gpu_uuid, ts)
);
COMMENT ON TABLE gpu_health_scores IS 'Health score per GPU per scoring window end; 0 = failed, 100 = healthy.';
COMMENT ON COLUMN gpu_health_scores.factors IS 'What lowered the score, e.g. [{"dimension":"thermal","reason":"...","penalty":12}].';

SELECT make_time_series('gpu_health_scores', 'ts', 'gpu_uuid', interval '7 days', interval '30 days', interval '2 years');
CREATE INDEX gpu_health_scores_ts_idx ON gpu_health_scores (ts);

CREATE TABLE anomalies (
  gpu_uuid        text NOT NULL,
  ts              timestamptz NOT NULL,
  metric          text NOT NULL,
  baseline        text NOT NULL CHECK (baseline IN ('self', 'peer')),
  value           double precision NOT NULL,
  zscore          double precision NOT NULL,
  baseline_mean   double precision,
  baseline_stddev double precision,
  severity        text NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
  PRIMARY KEY (gpu_uuid, ts, metric, baseline)
);
COMMENT ON COLUMN anomalies.baseline IS 'self: the GPU''s own history; peer: GPUs of the same model.';

SELECT make_time_series('anomalies', 'ts', 'gpu_uuid', interval '7 days', interval '30 days', interval '2 years');
CREATE INDEX anomalies_ts_idx ON anomalies (ts);
