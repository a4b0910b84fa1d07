-- Alerts raised by the alert stage. The stage derives a fingerprint from (gpu, rule) and
-- applies cool-down itself; (fingerprint, ts) is the natural key, so a replayed alert is not
-- stored twice. Low volume and updated in place (state, notified_at), so not partitioned.
CREATE TABLE alerts (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  gpu_uuid    text NOT NULL,
  rule        text NOT NULL,
  severity    text NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
  ts          timestamptz NOT NULL,
  fingerprint text NOT NULL,
  state       text NOT NULL DEFAULT 'firing' CHECK (state IN ('firing', 'acknowledged', 'resolved')),
  payload     jsonb NOT NULL DEFAULT '{}',
  notified_at timestamptz,
  UNIQUE (fingerprint, ts)
);
CREATE INDEX alerts_gpu_ts_idx ON alerts (gpu_uuid, ts DESC);
CREATE INDEX alerts_open_idx ON alerts (ts DESC) WHERE state <> 'resolved';
