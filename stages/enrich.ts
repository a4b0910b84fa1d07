import { z } from 'zod';
import type { Database } from '../db/connect.js';
import { withRetry } from '../db/retry.js';
import { upsertAssets } from '../db/writers.js';
import type { GpuSample } from '../dcgm/types.js';
import { tdpForModel } from '../dcgm/gpu-models.js';
import { perRecord, StageFailure } from '../pipeline/operators.js';
import type { Logger } from '../pipeline/log.js';
import { defineStage } from '../pipeline/stage.js';

export interface GpuAsset {
  serial: string | null;
  model: string;
  hostname: string;
  rack: string | null;
  datacenter: string | null;
  purchase_date: string | null;
  purchase_price_usd: number | null;
  warranty_end: string | null;
  tdp_w: number | null;
  registered_by: string;
}

export interface EnrichedGpuSample {
  sample: GpuSample;
  asset: GpuAsset;
}

/**
 * Tries of one asset lookup while the database is away, as many as the sink's default: an outage is
 * waited out, not turned into dead letters (a sample is not bad because the database restarted).
 */
const LOOKUP_RETRY_ATTEMPTS = 20;

const params = z.object({
  refresh_ms: z.number().int().positive().default(60_000).describe('How often the asset cache reloads gpu_assets, ms.'),
});

interface AssetDbRow {
  gpu_uuid: string;
  serial: string | null;
  model: string | null;
  hostname: string | null;
  rack: string | null;
  datacenter: string | null;
  purchase_date: Date | string | null;
  purchase_price_usd: string | number | null;
  warranty_end: Date | string | null;
  tdp_w: number | null;
  registered_by: string;
}

const isoDate = (d: Date | string | null): string | null =>
  d === null ? null : typeof d === 'string' ? d.slice(0, 10) : d.toISOString().slice(0, 10);

function toAsset(row: AssetDbRow, sample: GpuSample): GpuAsset {
  return {
    serial: row.serial,
    model: row.model ?? sample.model_name,
    hostname: row.hostname ?? sample.hostname,
    rack: row.rack,
    datacenter: row.datacenter,
    purchase_date: isoDate(row.purchase_date),
    purchase_price_usd: row.purchase_price_usd === null ? null : Number(row.purchase_price_usd),
    warranty_end: isoDate(row.warranty_end),
    tdp_w: row.tdp_w,
    registered_by: row.registered_by,
  };
}

/**
 * The asset cache: every gpu_assets row in memory, reloaded every `refreshMs`; a miss asks the database
 * for that GPU, and a GPU the database does not know is registered from what the scrape says.
 */
export class AssetCache {
  private rows = new Map<string, AssetDbRow>();
  private loadedAt = -Infinity;
  constructor(
    private readonly db: Database,
    private readonly refreshMs: number,
    private readonly log: Logger,
  ) {}

  /** Database work is idempotent (reads, and an upsert by natural key), so transient failures are retried. */
  private async retried<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await withRetry(fn, { log: this.log, what, attempts: LOOKUP_RETRY_ATTEMPTS });
    } catch (error) {
      // Not the sample's fault: fail the stage so a restart retries it, rather than dead-letter good data.
      throw new StageFailure(`${what}: ${(error as Error).message}`, { cause: error });
    }
  }

  private async reload(): Promise<void> {
    const rows = await this.retried('reload gpu_assets', () => this.db.sql<AssetDbRow[]>`SELECT gpu_uuid, serial, model, hostname, rack, datacenter, purchase_date,
      purchase_price_usd, warranty_end, tdp_w, registered_by FROM gpu_assets`);
    this.rows = new Map(rows.map((r) => [r.gpu_uuid, r]));
    this.loadedAt = performance.now();
  }

  async lookup(sample: GpuSample): Promise<GpuAsset> {
    // The refresh is a cache policy on the processing clock; the event stream's output does not depend on it.
    if (performance.now() - this.loadedAt > this.refreshMs) await this.reload();
    let row = this.rows.get(sample.gpu_uuid);
    if (!row) {
      await this.retried(`register ${sample.gpu_uuid}`, () => upsertAssets(this.db.sql, [
        {
          gpu_uuid: sample.gpu_uuid,
          model: sample.model_name,
          hostname: sample.hostname,
          tdp_w: tdpForModel(sample.model_name),
          first_seen: new Date(sample.ts_ms),
          registered_by: 'scrape',
        },
      ]));
      const found = await this.retried(`look up ${sample.gpu_uuid}`, () => this.db.sql<AssetDbRow[]>`SELECT gpu_uuid, serial, model, hostname, rack, datacenter, purchase_date,
        purchase_price_usd, warranty_end, tdp_w, registered_by FROM gpu_assets WHERE gpu_uuid = ${sample.gpu_uuid}`);
      row = found[0];
      this.rows.set(sample.gpu_uuid, row);
    }
    return toAsset(row, sample);
  }
}

/** enrich: joins asset metadata from gpu_assets; an unknown GPU is registered from the scrape, never dropped. */
export const enrich = defineStage({
  kind: 'enrich',
  description: 'Joins asset metadata (model, serial, host, rack, datacenter, purchase, warranty) from gpu_assets; registers unknown GPUs.',
  params,
  input: ['GpuSample'],
  output: 'EnrichedGpuSample',
  operator: (p, ctx) => {
    const cache = new AssetCache(ctx.service<Database>('database'), p.refresh_ms, ctx.log);
    return perRecord<GpuSample, EnrichedGpuSample>(async (e) => ({
      value: { sample: e.value, asset: await cache.lookup(e.value) },
      key: e.key,
      tsMs: e.tsMs,
    }));
  },
});
