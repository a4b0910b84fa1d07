-- Windowed features. The 27 feature values of one GPU and window are one jsonb object keyed
-- by feature name, documented row by row in feature_definitions. Why jsonb and not 27
-- columns: the feature set belongs to the feature stage and the model that consumes it; it
-- changes with model versions, and a jsonb row lets a new feature ship without a migration
-- while feature_definitions keeps the names, units and formulas queryable.
CREATE TABLE feature_definitions (
  name        text PRIMARY KEY,
  ordinal     integer UNIQUE,
  description text NOT NULL,
  unit        text,
  formula     text NOT NULL
);
COMMENT ON TABLE feature_definitions IS 'The named features stored in gpu_features.features.';
COMMENT ON COLUMN feature_definitions.ordinal IS 'Position of the feature in the model input vector.';

CREATE TABLE gpu_features (
  gpu_uuid     text NOT NULL,
  window_start timestamptz NOT NULL,
  window_end   timestamptz NOT NULL,
  sample_count integer NOT NULL CHECK (sample_count >= 0),
  features     jsonb NOT NULL,
  CHECK (window_end > window_start),
  PRIMARY KEY (gpu_uuid, window_start, window_end)
);
COMMENT ON COLUMN gpu_features.features IS 'Feature name -> value (number or null); names in feature_definitions.';

SELECT make_time_series('gpu_features', 'window_start', 'gpu_uuid', interval '7 days', interval '30 days', interval '2 years');
CREATE INDEX gpu_features_window_start_idx ON gpu_features (window_start);
