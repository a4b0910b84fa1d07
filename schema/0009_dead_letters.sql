-- Records a stage could not handle, as they arrived, with the reason: operators query them to find a
-- misbehaving exporter or a schema drift. Keyed by where the record came from, so replays dedupe.
CREATE TABLE dead_letters (
  stage            text NOT NULL,
  source_topic     text NOT NULL,
  source_partition integer NOT NULL,
  source_offset    bigint NOT NULL,
  reason           text NOT NULL,
  record_key       text,
  record_value     bytea NOT NULL,
  ts               timestamptz NOT NULL,
  PRIMARY KEY (stage, source_topic, source_partition, source_offset)
);
CREATE INDEX dead_letters_ts_idx ON dead_letters (ts DESC);
CREATE INDEX dead_letters_stage_ts_idx ON dead_letters (stage, ts DESC);
