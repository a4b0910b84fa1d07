-- Asset register: one row per physical GPU, keyed by its UUID. Filled from an inventory
-- import (authoritative) or, for GPUs first seen in telemetry, from the scrape itself.
CREATE TABLE gpu_assets (
  gpu_uuid           text PRIMARY KEY,
  serial             text,
  model              text,
  hostname           text,
  rack               text,
  datacenter         text,
  purchase_date      date,
  purchase_price_usd numeric(14, 2) CHECK (purchase_price_usd >= 0),
  warranty_end       date,
  tdp_w              double precision CHECK (tdp_w > 0),
  first_seen         timestamptz NOT NULL,
  registered_by      text NOT NULL CHECK (registered_by IN ('inventory', 'scrape')),
  updated_at         timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE gpu_assets IS 'Asset register. An inventory write overrides what a scrape registered; a scrape only fills gaps.';
COMMENT ON COLUMN gpu_assets.first_seen IS 'Earliest time the GPU was known, by inventory or telemetry (event time).';
COMMENT ON COLUMN gpu_assets.tdp_w IS 'Board power limit (TDP), watts.';

CREATE INDEX gpu_assets_hostname_idx ON gpu_assets (hostname);
CREATE INDEX gpu_assets_location_idx ON gpu_assets (datacenter, rack);
CREATE INDEX gpu_assets_model_idx ON gpu_assets (model);
