-- Trained failure models, immutable per version; the predict stage loads the newest.
CREATE TABLE models (
  version    text PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now(),
  params     jsonb NOT NULL DEFAULT '{}',
  metrics    jsonb NOT NULL DEFAULT '{}',
  model      bytea NOT NULL,
  format     text NOT NULL CHECK (format IN ('json', 'ubj'))
);
COMMENT ON COLUMN models.format IS 'XGBoost serialisation of the model bytes: json or ubj (UBJSON).';
CREATE INDEX models_created_at_idx ON models (created_at DESC);

CREATE TABLE gpu_failure_predictions (
  gpu_uuid      text NOT NULL,
  ts            timestamptz NOT NULL,
  model_version text NOT NULL,
  horizon_hours integer NOT NULL CHECK (horizon_hours > 0),
  probability   double precision NOT NULL CHECK (probability BETWEEN 0 AND 1),
  top_features  jsonb NOT NULL DEFAULT '[]',
  PRIMARY KEY (gpu_uuid, ts, model_version, horizon_hours)
);
COMMENT ON COLUMN gpu_failure_predictions.top_features IS 'Features that drove the prediction, e.g. [{"name":"...","value":1.2,"contribution":0.3}].';

SELECT make_time_series('gpu_failure_predictions', 'ts', 'gpu_uuid', interval '7 days', interval '30 days', interval '2 years');
CREATE INDEX gpu_failure_predictions_ts_idx ON gpu_failure_predictions (ts);
