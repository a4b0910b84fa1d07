-- Storage layout for time-series tables, decided once, when this migration runs.
--
-- With TimescaleDB installable (listed in pg_available_extensions AND preloaded, since
-- CREATE EXTENSION fails without shared_preload_libraries) a time-series table becomes a
-- hypertable with compression and retention policies. Otherwise (plain PostgreSQL, PGlite) it
-- becomes a natively RANGE-partitioned table: monthly partitions created on demand by
-- ensure_time_partitions() plus a DEFAULT partition, so no row is ever rejected.
--
-- Every migration writes plain CREATE TABLE statements and then calls make_time_series(), which
-- converts the fresh table into the chosen layout. One SQL text for every backend.

CREATE TABLE storage_settings (
  key        text PRIMARY KEY,
  value      text NOT NULL,
  decided_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE storage_settings IS 'Decisions taken at migrate time (time_series_layout: native|timescaledb).';

CREATE TABLE time_series_tables (
  table_name         text PRIMARY KEY,
  time_column        text NOT NULL,
  layout             text NOT NULL CHECK (layout IN ('native', 'timescaledb')),
  partition_interval interval NOT NULL,
  compress_after     interval,
  retain_for         interval,
  created_at         timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE time_series_tables IS 'One row per time-series table: its layout, chunk or partition size, compression and retention.';
COMMENT ON COLUMN time_series_tables.retain_for IS 'TimescaleDB: enforced by a retention policy. Native: enforced by calling drop_time_partitions_before().';

DO $$
DECLARE
  available boolean;
  preloaded boolean;
BEGIN
  SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb') INTO available;
  preloaded := coalesce(current_setting('shared_preload_libraries', true), '') LIKE '%timescaledb%';
  IF available AND preloaded THEN
    CREATE EXTENSION IF NOT EXISTS timescaledb;
    INSERT INTO storage_settings (key, value) VALUES ('time_series_layout', 'timescaledb');
  ELSE
    INSERT INTO storage_settings (key, value) VALUES ('time_series_layout', 'native');
  END IF;
END
$$;

-- Converts a freshly created, empty table into the time-series layout recorded above.
-- Native: the table is rebuilt as PARTITION BY RANGE (time_col) with the same columns,
-- defaults, constraints, comments and primary key (LIKE ... INCLUDING ALL), plus a DEFAULT
-- partition. TimescaleDB: create_hypertable, then compression and retention policies.
-- Secondary indexes are created by the caller afterwards, on the final table.
CREATE FUNCTION make_time_series(
  tbl            text,
  time_col       text,
  segment_col    text,
  chunk          interval,
  compress_after interval,
  retain_for     interval
) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  layout      text := (SELECT value FROM storage_settings WHERE key = 'time_series_layout');
  compressed  interval := compress_after;
  staging     text := tbl || '__partitioned';
  pkey        text;
BEGIN
  IF layout = 'timescaledb' THEN
    EXECUTE format('SELECT create_hypertable(%L, %L, chunk_time_interval => %L::interval)', tbl, time_col, chunk);
    BEGIN
      EXECUTE format('ALTER TABLE %I SET (timescaledb.compress, timescaledb.compress_segmentby = %L, timescaledb.compress_orderby = %L)',
                     tbl, segment_col, time_col || ' DESC');
      EXECUTE format('SELECT add_compression_policy(%L, %L::interval)', tbl, compress_after);
    EXCEPTION WHEN OTHERS THEN
      -- The Apache-licensed TimescaleDB build has no compression; keep the hypertable without it.
      RAISE NOTICE 'compression unavailable for %: %', tbl, SQLERRM;
      compressed := NULL;
    END;
    EXECUTE format('SELECT add_retention_policy(%L, %L::interval)', tbl, retain_for);
  ELSE
    SELECT conname INTO pkey FROM pg_constraint WHERE conrelid = tbl::regclass AND contype = 'p';
    EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING ALL) PARTITION BY RANGE (%I)', staging, tbl, time_col);
    EXECUTE format('DROP TABLE %I', tbl);
    EXECUTE format('ALTER TABLE %I RENAME TO %I', staging, tbl);
    IF pkey IS NOT NULL THEN
      -- LIKE names the copied key after the staging table; give it back its usual name.
      EXECUTE format('ALTER TABLE %I RENAME CONSTRAINT %I TO %I',
                     tbl, (SELECT conname FROM pg_constraint WHERE conrelid = tbl::regclass AND contype = 'p'), pkey);
    END IF;
    EXECUTE format('CREATE TABLE %I PARTITION OF %I DEFAULT', tbl || '_default', tbl);
  END IF;
  INSERT INTO time_series_tables (table_name, time_column, layout, partition_interval, compress_after, retain_for)
  VALUES (tbl, time_col, layout, CASE WHEN layout = 'timescaledb' THEN chunk ELSE interval '1 month' END,
          CASE WHEN layout = 'timescaledb' THEN compressed END, retain_for);
END
$$;

-- Creates the monthly partitions (UTC months) covering [from_ts, to_ts] of a natively
-- partitioned table; returns how many it created. Rows already sitting in the DEFAULT
-- partition for a new month are moved into it, because attaching a range that the DEFAULT
-- partition holds rows for would fail. No-op for hypertables (TimescaleDB makes chunks itself).
-- Safe to call concurrently: serialised per table by a transaction-scoped advisory lock.
CREATE FUNCTION ensure_time_partitions(tbl text, from_ts timestamptz, to_ts timestamptz)
RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  ts_table  time_series_tables%ROWTYPE;
  month     timestamp;
  last      timestamp;
  part      text;
  created   integer := 0;
BEGIN
  SELECT * INTO ts_table FROM time_series_tables WHERE table_name = tbl;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'ensure_time_partitions: % is not a time-series table', tbl;
  END IF;
  IF ts_table.layout <> 'native' THEN
    RETURN 0;
  END IF;
  PERFORM pg_advisory_xact_lock(hashtext('ensure_time_partitions:' || tbl));
  month := date_trunc('month', from_ts AT TIME ZONE 'UTC');
  last  := date_trunc('month', to_ts AT TIME ZONE 'UTC');
  WHILE month <= last LOOP
    part := format('%s_p%s', tbl, to_char(month, 'YYYYMM'));
    IF to_regclass(quote_ident(part)) IS NULL THEN
      EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', part, tbl);
      EXECUTE format('WITH moved AS (DELETE FROM %I WHERE %I >= %L AND %I < %L RETURNING *) INSERT INTO %I SELECT * FROM moved',
                     tbl || '_default', ts_table.time_column, month AT TIME ZONE 'UTC',
                     ts_table.time_column, (month + interval '1 month') AT TIME ZONE 'UTC', part);
      EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
                     tbl, part, month AT TIME ZONE 'UTC', (month + interval '1 month') AT TIME ZONE 'UTC');
      created := created + 1;
    END IF;
    month := month + interval '1 month';
  END LOOP;
  RETURN created;
END
$$;

-- Retention for the native layout (TimescaleDB has its own policy): drops monthly partitions
-- that end at or before cutoff. Returns the number dropped. Rows in the DEFAULT partition are
-- left alone.
CREATE FUNCTION drop_time_partitions_before(tbl text, cutoff timestamptz)
RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  part    record;
  dropped integer := 0;
BEGIN
  IF (SELECT layout FROM time_series_tables WHERE table_name = tbl) IS DISTINCT FROM 'native' THEN
    RETURN 0;
  END IF;
  PERFORM pg_advisory_xact_lock(hashtext('ensure_time_partitions:' || tbl));
  FOR part IN
    SELECT c.relname
    FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = tbl::regclass AND c.relname ~ '_p[0-9]{6}$'
  LOOP
    -- Partition names carry their UTC month; to_date keeps the session time zone out of it.
    IF to_date(right(part.relname, 6), 'YYYYMM')::timestamp + interval '1 month'
       <= (cutoff AT TIME ZONE 'UTC') THEN
      EXECUTE format('DROP TABLE %I', part.relname);
      dropped := dropped + 1;
    END IF;
  END LOOP;
  RETURN dropped;
END
$$;
